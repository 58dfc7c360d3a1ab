"""Live updates: message sync (FSync/ISync), webhook subscriptions and their notifications,
the change counter pages poll, and the operations page."""
