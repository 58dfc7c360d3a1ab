"""People who use the inbox: the user model, roles and (later) RingCentral sign-in."""
