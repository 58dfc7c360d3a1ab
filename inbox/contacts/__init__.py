"""The account's local address book: contacts, their numbers, and the names pages show."""
