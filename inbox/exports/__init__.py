"""Exports: a conversation as CSV or a printable transcript; a mailbox or search results as CSV."""
