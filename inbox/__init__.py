"""The team inbox: conversations, sends, bulk jobs, sync, and the service health checks."""
