"""Opt-out: a customer's STOP (and START) to one of the account's numbers, and sending refused
to them until they opt back in."""
