"""Internal notes in threads, for the mailbox's team only, and the @mentions they make."""
