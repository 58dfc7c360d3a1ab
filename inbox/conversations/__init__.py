"""Conversations: the mailbox's list, threads, read state, deleting, the attachment proxy and
their API, read from RingCentral's Messages API through the cache."""
