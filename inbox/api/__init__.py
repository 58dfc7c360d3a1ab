"""The JSON API's shared parts: who is calling (session or token), errors as
`{"code", "message"}`, the OpenAPI schema and its documentation page. Each feature's
endpoints live in its own package (`api.py`, `api_urls.py`)."""
