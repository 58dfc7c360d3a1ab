"""Saved replies: texts kept for reuse, team-wide (admins manage them) or a person's own, with
variables filled from the conversation they are inserted into."""
