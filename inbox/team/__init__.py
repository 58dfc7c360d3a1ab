"""Team mailboxes: shared RingCentral extensions an admin connects and people work together."""
