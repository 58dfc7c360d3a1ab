"""All history in the index: the back-fill of each mailbox's messages older than the sync window."""
