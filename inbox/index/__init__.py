"""The conversation index: each synced mailbox's messages and threads, kept by the message sync."""
