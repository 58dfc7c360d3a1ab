"""Recently deleted: a mailbox's deleted messages, restored or purged one by one or all together."""
