"""Who owns a conversation of a mailbox and whether it is open, snoozed or done."""
