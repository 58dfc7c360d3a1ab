"""Admins' bulk jobs: deleting, restoring and purging many conversations at the rate limit's
pace, their progress pages, API and tasks, and the audit log's pages."""
