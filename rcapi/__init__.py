"""Typed client for the RingCentral REST API.

This package must import nothing from Django (nor from the dashboard's apps): its configuration
(server URL, app credentials, tokens) is passed in by the caller.

- `rcapi.oauth.OAuthApp`: sign-in (authorization code + PKCE), refresh, revoke → `TokenSet`;
- `rcapi.client.RingCentralClient`: one method per operation, for one user's access token;
- `rcapi.budget`: the rate budget shared by web and worker processes (`RedisRateBudget`, or
  the per-process `LocalRateBudget`), so the platform's limits are never hit;
- `rcapi.errors`: what can go wrong — `AuthExpired`, `Rejected`, `RateLimited`, `Unavailable`;
- `rcapi.records`: the typed records the client returns.

In the dashboard, roughly:

    budget = RedisRateBudget(redis.Redis.from_url(settings.REDIS_URL))   # or LocalRateBudget()
    app = OAuthApp(server_url, client_id, client_secret, redirect_uri, budget=budget)
    url, verifier = app.authorization_request(state)       # keep verifier in the session
    tokens = app.exchange_code(code, verifier)              # store, encrypted; refresh ahead
    client = RingCentralClient(server_url, tokens.access_token, budget=budget,
                               budget_key=f"ext:{tokens.owner_id}", wait_for_slot=False)
    page = client.list_messages(message_type=["SMS"], date_from=since)
"""

from __future__ import annotations

from rcapi.budget import DEFAULT_LIMITS, LocalRateBudget, RateBudget, RedisRateBudget
from rcapi.bulk import BulkResult
from rcapi.client import RingCentralClient
from rcapi.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    RingCentralError,
    Unavailable,
)
from rcapi.media import AttachmentStream, UploadFile
from rcapi.oauth import OAuthApp, TokenSet
from rcapi.records import (
    Attachment,
    CoverPage,
    Extension,
    ExtensionPage,
    Message,
    MessagePage,
    Party,
    PhoneNumber,
    Subscription,
    SyncResult,
)

__all__ = [
    "DEFAULT_LIMITS",
    "Attachment",
    "AttachmentStream",
    "AuthExpired",
    "BulkResult",
    "CoverPage",
    "Extension",
    "ExtensionPage",
    "LocalRateBudget",
    "Message",
    "MessagePage",
    "OAuthApp",
    "Party",
    "PhoneNumber",
    "RateBudget",
    "RateLimited",
    "RedisRateBudget",
    "Rejected",
    "RingCentralClient",
    "RingCentralError",
    "Subscription",
    "SyncResult",
    "TokenSet",
    "Unavailable",
    "UploadFile",
]
