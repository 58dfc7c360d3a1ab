"""An offline RingCentral platform: OAuth, accounts and the Messages API over real HTTP.

It runs as its own process with its own SQLite store, imports nothing from the dashboard,
and is built from the official OpenAPI spec and the reference notes beside it.
"""
