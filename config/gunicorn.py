"""gunicorn's settings for the dashboard (`gunicorn config.wsgi -c config/gunicorn.py`): the bounds
on what a request may send before Django sees it. The Dockerfile, docker-compose.yml and the
benchmarks' stack (bench/stack.py) start gunicorn with this file; the number of workers stays on
their command lines. Workers are threaded: a page waiting on RingCentral's round trip then holds
a thread, not the whole worker (docs/benchmarks.md, "Load": with 3 sync workers 50 people waited
2.9 s at the p95; with 3 x 8 threads, 0.3 s).

A request line, header count or header size past these is answered by gunicorn itself (400,
414 or 431), without reading further and without reaching a worker's Django. Django bounds the
body (config/settings.py, "Request limits").
"""

from __future__ import annotations

# The request line (method, address with its query, version), in bytes. The longest address the
# dashboard makes is a conversation list with every filter and a `back=` link: well under 1 KB.
limit_request_line = 4094
# Header fields per request. Browsers send about 15, proxies add a few.
limit_request_fields = 100
# Bytes of one header field (name and value): the cookies (session and CSRF, under 200 bytes)
# are the largest a browser sends here.
limit_request_field_size = 8190

worker_class = "gthread"
threads = 8

# Seconds an idle keep-alive connection stays open (threaded workers; sync workers close every
# connection after its answer). Longer than the pages' live poll (every 2 s): with gunicorn's
# default of 2 s, a poll could arrive just as the server closed its connection and fail.
keepalive = 5
