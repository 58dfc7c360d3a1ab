"""Signing in with the authorization-code flow and PKCE — the emulator's sign-in page driven
with plain HTTP — then refreshing and revoking."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from rcapi import (
    AuthExpired,
    LocalRateBudget,
    OAuthApp,
    RateLimited,
    Rejected,
    RingCentralClient,
    TokenSet,
    Unavailable,
)
from tests.rcapi.support import set_faults
from tests.support.emulator import RunningEmulator
from tests.support.forms import FormReader

VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def app_for(running: RunningEmulator, **options: Any) -> OAuthApp:
    creds = running.credentials
    options.setdefault("allow_http", True)
    return OAuthApp(running.url, creds["client_id"], creds["client_secret"],
                    creds["redirect_uris"][0], **options)  # fmt: skip


def sign_in(running: RunningEmulator, url: str, which: str = "admin") -> dict[str, list[str]]:
    """What a browser does: follow the authorization URL to the sign-in page, post the
    page's form with the user's credentials, and read the redirect back to the app."""
    user = running.user(which)
    browser = requests.Session()
    start = browser.get(url, allow_redirects=False, timeout=10)
    assert start.status_code == 302, start.text
    page_url = urljoin(url, start.headers["Location"])
    page = browser.get(page_url, timeout=10)
    assert page.status_code == 200
    form = FormReader()
    form.feed(page.text)
    assert form.action is not None
    fields = {**form.fields, "username": user["username"], "password": user["password"]}
    done = browser.post(urljoin(page_url, form.action), data=fields, allow_redirects=False,
                        timeout=10)  # fmt: skip
    assert done.status_code == 302, done.text
    location = done.headers["Location"]
    assert location.startswith(running.credentials["redirect_uris"][0])
    return parse_qs(urlsplit(location).query)


def test_it_builds_an_authorization_url_with_pkce(emulator):
    app = app_for(emulator)
    url, verifier = app.authorization_request(state="state-123")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{emulator.url}/restapi/oauth/authorize?")
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [emulator.credentials["client_id"]]
    assert query["redirect_uri"] == [emulator.credentials["redirect_uris"][0]]
    assert query["state"] == ["state-123"]
    assert query["code_challenge_method"] == ["S256"]
    digest = hashlib.sha256(verifier.encode()).digest()
    assert query["code_challenge"] == [base64.urlsafe_b64encode(digest).rstrip(b"=").decode()]
    assert VERIFIER.match(verifier)
    assert app.authorization_request(state="state-123")[1] != verifier  # fresh each time


def test_it_signs_in_refreshes_and_revokes(emulator_factory, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="requests_oauthlib")  # the dashboard says WARNING
    running = emulator_factory("--access-token-ttl", "1234")
    app = app_for(running)
    url, verifier = app.authorization_request(state="s-1")
    answer = sign_in(running, url)
    assert answer["state"] == ["s-1"]

    before = datetime.now(UTC)
    tokens = app.exchange_code(answer["code"][0], verifier)
    admin = running.user("admin")
    assert tokens.owner_id == admin["extension_id"]
    assert tokens.session_id and tokens.refresh_token and tokens.scope
    # the lifetime the server gave, not an assumed hour
    assert before + timedelta(seconds=1230) <= tokens.expires_at
    assert tokens.expires_at <= datetime.now(UTC) + timedelta(seconds=1234)
    assert tokens.refresh_expires_at is not None and tokens.refresh_expires_at > tokens.expires_at
    assert not tokens.expires_within(600) and tokens.expires_within(1300)
    with RingCentralClient(running.url, tokens.access_token, budget_key="ext:admin") as client:
        assert client.get_extension().id == admin["extension_id"]

    refreshed = app.refresh(tokens.refresh_token)
    assert refreshed.access_token != tokens.access_token
    assert refreshed.refresh_token != tokens.refresh_token
    assert refreshed.owner_id == tokens.owner_id
    with (
        RingCentralClient(running.url, tokens.access_token, budget_key="ext:admin") as old,
        pytest.raises(AuthExpired),
    ):
        old.get_extension()  # the previous access token dies with the refresh

    assert refreshed.refresh_token is not None
    app.revoke(refreshed.access_token)
    with pytest.raises(AuthExpired) as ended:
        app.refresh(refreshed.refresh_token)
    assert ended.value.error_code == "OAU-213"
    for text in (repr(tokens), str(tokens), repr(refreshed), str(ended.value), repr(ended.value)):
        assert tokens.access_token not in text and tokens.refresh_token not in text
        assert refreshed.refresh_token not in text
    # nothing logged them either, even at DEBUG (requests_oauthlib would print the bodies)
    secrets = (tokens.access_token, tokens.refresh_token, refreshed.access_token,
               refreshed.refresh_token, verifier, answer["code"][0])  # fmt: skip
    assert caplog.records
    assert not [s for s in secrets if s in caplog.text]


def test_it_refuses_a_code_with_the_wrong_verifier(emulator):
    app = app_for(emulator)
    url, _ = app.authorization_request(state="s-2")
    code = sign_in(emulator, url, "agent")["code"][0]
    _, other_verifier = app.authorization_request(state="s-3")
    with pytest.raises(AuthExpired) as refused:
        app.exchange_code(code, other_verifier)
    assert (refused.value.status, refused.value.error_code) == (400, "OAU-106")
    assert code not in str(refused.value) and other_verifier not in str(refused.value)


def test_it_rejects_wrong_app_credentials(emulator):
    creds = emulator.credentials
    app = OAuthApp(emulator.url, creds["client_id"], "not-the-secret",
                   creds["redirect_uris"][0], allow_http=True)  # fmt: skip
    with pytest.raises(Rejected) as refused:
        app.refresh("whatever")
    assert refused.value.status == 401
    assert "not-the-secret" not in str(refused.value)


def test_it_refuses_plain_http_unless_allowed(emulator):
    with pytest.raises(ValueError, match="https"):
        app_for(emulator, allow_http=False)
    with pytest.raises(ValueError, match="not an http"):
        OAuthApp("ftp://example.com", "id", "secret", "https://x.example/cb")


def test_it_reports_token_endpoint_outages_and_rate_limits(fresh_emulator):
    app = app_for(fresh_emulator)
    refresh_token = fresh_emulator.token("agent")["refresh_token"]
    set_faults(fresh_emulator, error_rate=1.0)
    with pytest.raises(Unavailable) as busy:
        app.refresh(refresh_token)
    assert busy.value.status == 503 and busy.value.transient
    set_faults(fresh_emulator, forced_429=[{"group": "Auth"}])
    with pytest.raises(RateLimited) as limited:
        app.refresh(refresh_token)
    assert (limited.value.group, limited.value.status) == ("Auth", 429)
    assert limited.value.retry_after > 0


def test_it_ignores_revoke_failures_but_logs_them_without_the_token(unused_tcp_port, caplog):
    app = OAuthApp(f"http://127.0.0.1:{unused_tcp_port}", "id", "secret",
                   "http://127.0.0.1:8000/cb", allow_http=True)  # fmt: skip
    with caplog.at_level(logging.DEBUG):
        app.revoke("a-very-secret-token")
    assert "Revoking a RingCentral session failed" in caplog.text
    assert "a-very-secret-token" not in caplog.text


def test_it_masks_tokens_in_the_repr_of_a_token_set():
    tokens = TokenSet.from_token_response(
        {"access_token": "AAA-secret", "refresh_token": "RRR-secret", "expires_in": 3600,
         "refresh_token_expires_in": 604800, "scope": "SMS", "owner_id": "101",
         "session_id": "s"},
        received_at=datetime(2024, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    assert tokens.owner_id == 101
    assert tokens.expires_at == datetime(2024, 1, 1, 1, tzinfo=UTC)
    assert "AAA-secret" not in repr(tokens) and "RRR-secret" not in repr(tokens)
    assert "access_token='***'" in repr(tokens)


def test_it_keeps_token_calls_within_the_auth_budget(emulator_factory):
    """Auth allows 5 calls a minute per user; the sign-in below already spent one, which
    the budget learns from the first answer's X-Rate-Limit-Remaining."""
    running = emulator_factory(rate_limits=True)
    refresh_token = running.token("agent")["refresh_token"]
    budget = LocalRateBudget()
    app = app_for(running, budget=budget, slot_timeout=0.5)
    key = f"ext:{running.user('agent')['extension_id']}"
    for _ in range(4):
        refresh_token = app.refresh(refresh_token, budget_key=key).refresh_token or ""
    with pytest.raises(RateLimited) as held_back:
        app.refresh(refresh_token, budget_key=key)
    assert held_back.value.status is None  # the budget said no: nothing was sent
    assert held_back.value.group == "Auth"
    refused = [r for r in running.request_counts()["records"] if r["status"] == 429]
    assert refused == []
