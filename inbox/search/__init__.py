"""Search across every mailbox a person may open: words, numbers and names."""
