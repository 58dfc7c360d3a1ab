"""Health: the checks `/healthz` reports (database, cache, broker, RingCentral) and the task probe
that proves a worker answers."""
