"""The authorization-code flow end to end: authorize, the sign-in page, the code, PKCE."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from emulator.credentials import verify_pkce
from emulator.store import Store, dumps
from tests.emulator.openapi import assert_matches_operation, assert_matches_schema
from tests.support.emulator import RunningEmulator

CALLBACK = "http://127.0.0.1:8000/accounts/callback/"
OTHER_CALLBACK = "http://localhost:8000/accounts/callback/"
OAUTH_ERROR = "#/components/responses/OauthInvalidRequest/content/application~1json/schema"


def make_verifier() -> str:
    return secrets.token_urlsafe(48)  # 64 unreserved characters


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def query_of(location: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(location).query, keep_blank_values=True)


@dataclass
class SignIn:
    """One pass through authorize and the sign-in page."""

    authorize: requests.Response
    page: requests.Response
    request_id: str


def authorize(emulator: RunningEmulator, method: str = "GET", **params: str) -> requests.Response:
    query = {"response_type": "code", "client_id": emulator.credentials["client_id"], **params}
    url = f"{emulator.url}/restapi/oauth/authorize"
    if method == "POST":
        return requests.post(url, data=query, allow_redirects=False, timeout=10)
    return requests.get(url, params=query, allow_redirects=False, timeout=10)


def open_sign_in(emulator: RunningEmulator, method: str = "GET", **params: str) -> SignIn:
    params.setdefault("redirect_uri", CALLBACK)
    started = authorize(emulator, method, **params)
    assert started.status_code == 302, started.text
    page = requests.get(started.headers["Location"], allow_redirects=False, timeout=10)
    assert page.status_code == 200
    found = re.search(r'name="request" value="([^"]+)"', page.text)
    assert found, "the sign-in form carries the pending request"
    return SignIn(started, page, html.unescape(found.group(1)))


def submit(
    emulator: RunningEmulator, request_id: str, username: str, password: str, **extra: str
) -> requests.Response:
    return requests.post(
        f"{emulator.url}/restapi/oauth/login",
        data={"request": request_id, "username": username, "password": password, **extra},
        allow_redirects=False,
        timeout=10,
    )


def sign_in(emulator: RunningEmulator, which: str = "agent", **params: str) -> dict[str, str]:
    """Authorize and sign in; the query the browser brings back to the redirect URI."""
    user = emulator.user(which)
    flow = open_sign_in(emulator, **params)
    back = submit(emulator, flow.request_id, user["username"], user["password"])
    assert back.status_code == 302, back.text
    location = back.headers["Location"]
    expected = params.get("redirect_uri", CALLBACK)
    assert location.startswith(expected + "?")
    return {key: values[0] for key, values in query_of(location).items()}


def exchange(
    emulator: RunningEmulator,
    code: str,
    *,
    verifier: str | None = None,
    redirect_uri: str = CALLBACK,
    basic: bool = False,
    public: bool = True,
) -> requests.Response:
    creds = emulator.credentials
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if verifier is not None:
        data["code_verifier"] = verifier
    if public and not basic:
        data["client_id"] = creds["client_id"]
    auth = (creds["client_id"], creds["client_secret"]) if basic else None
    return requests.post(f"{emulator.url}/restapi/oauth/token", data=data, auth=auth, timeout=10)


def me(emulator: RunningEmulator, access_token: str) -> requests.Response:
    return requests.get(
        emulator.api("/account/~/extension/~"),
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )


def add_app(emulator: RunningEmulator, redirect_uris: list[str]) -> str:
    """Register another app in the running emulator's store."""
    client_id = f"test-app-{uuid.uuid4().hex[:10]}"
    with Store(emulator.db_path).write() as db:
        db.execute(
            "INSERT INTO app(client_id, client_secret, name, redirect_uris, scope) "
            "VALUES (?, ?, ?, ?, ?)",
            (client_id, "s3cret", "Other <App> & Co", dumps(redirect_uris), "ReadMessages"),
        )
    return client_id


# --------------------------------------------------------------------------- PKCE


def test_it_verifies_the_rfc_7636_s256_example():
    # RFC 7636 Appendix B
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert verify_pkce(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "S256")
    assert not verify_pkce(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN", "S256")


def test_it_verifies_plain_challenges_by_equality_and_refuses_unknown_methods():
    verifier = "a" * 43
    assert verify_pkce(verifier, verifier, "plain")
    assert not verify_pkce(verifier, "a" * 44, "plain")
    assert not verify_pkce(verifier, verifier, "S512")


@pytest.mark.parametrize(
    "verifier", ["a" * 42, "a" * 129, "a" * 42 + "!", "a" * 42 + " ", "a" * 42 + "é"]
)
def test_it_refuses_verifiers_outside_43_to_128_unreserved_characters(verifier):
    assert not verify_pkce(verifier, verifier, "plain")
    assert not verify_pkce(verifier, s256(verifier) if verifier.isascii() else "x", "S256")


# --------------------------------------------------------------------------- happy paths


def test_it_runs_the_whole_flow_with_s256_for_a_public_client(emulator):
    verifier = make_verifier()
    back = sign_in(
        emulator, "agent", state="xyz-123", code_challenge=s256(verifier),
        code_challenge_method="S256",
    )  # fmt: skip
    assert back["state"] == "xyz-123"
    assert back["expires_in"] == "60"
    assert set(back) == {"code", "state", "expires_in"}
    response = exchange(emulator, back["code"], verifier=verifier)
    assert response.status_code == 200, response.text
    body = response.json()
    assert_matches_operation(body, "getToken", 200)
    assert body["owner_id"] == str(emulator.user("agent")["extension_id"])
    assert body["refresh_token"]
    info = me(emulator, body["access_token"])
    assert info.status_code == 200
    assert info.json()["id"] == emulator.user("agent")["extension_id"]


def test_it_runs_the_flow_with_a_plain_challenge_by_default(emulator):
    verifier = make_verifier()
    back = sign_in(emulator, "admin", code_challenge=verifier)  # method defaults to plain
    response = exchange(emulator, back["code"], verifier=verifier)
    assert response.status_code == 200, response.text
    assert_matches_schema(response.json(), "TokenInfo")
    assert response.json()["owner_id"] == str(emulator.user("admin")["extension_id"])


def test_it_exchanges_a_code_with_basic_client_credentials_and_pkce(emulator):
    verifier = make_verifier()
    back = sign_in(emulator, code_challenge=s256(verifier), code_challenge_method="S256")
    response = exchange(emulator, back["code"], verifier=verifier, basic=True)
    assert response.status_code == 200, response.text
    assert_matches_schema(response.json(), "TokenInfo")


def test_it_exchanges_a_code_without_pkce_for_a_confidential_client(emulator):
    back = sign_in(emulator)
    assert exchange(emulator, back["code"], basic=True).status_code == 200


def test_it_refuses_a_code_without_pkce_to_a_client_that_does_not_authenticate(emulator):
    back = sign_in(emulator)
    response = exchange(emulator, back["code"])
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert_matches_schema(response.json(), OAUTH_ERROR)


def test_it_accepts_the_authorize_request_as_a_form_post(emulator):
    verifier = make_verifier()
    flow = open_sign_in(
        emulator, "POST", state="posted", code_challenge=s256(verifier),
        code_challenge_method="S256",
    )  # fmt: skip
    user = emulator.user("agent2")
    back = submit(emulator, flow.request_id, user["username"], user["password"])
    query = query_of(back.headers["Location"])
    assert query["state"] == ["posted"]
    response = exchange(emulator, query["code"][0], verifier=verifier)
    assert response.json()["owner_id"] == str(user["extension_id"])


def test_it_signs_in_with_a_phone_number_as_username(emulator):
    user = emulator.user("agent")
    flow = open_sign_in(emulator)
    back = submit(emulator, flow.request_id, user["sms_numbers"][0], user["password"])
    assert back.status_code == 302
    assert "code" in query_of(back.headers["Location"])


def test_it_omits_state_when_the_app_sent_none(emulator):
    back = sign_in(emulator)
    assert "state" not in back
    assert back["code"]


def test_it_echoes_state_exactly(emulator):
    state = "a b&c=d/é?#%"
    back = sign_in(emulator, state=state)
    assert back["state"] == state


# --------------------------------------------------------------------------- the code


def test_it_refuses_a_replayed_code_and_revokes_the_session_issued_with_it(emulator):
    verifier = make_verifier()
    back = sign_in(emulator, code_challenge=s256(verifier), code_challenge_method="S256")
    first = exchange(emulator, back["code"], verifier=verifier)
    assert first.status_code == 200
    assert me(emulator, first.json()["access_token"]).status_code == 200
    replay = exchange(emulator, back["code"], verifier=verifier)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert_matches_operation(replay.json(), "getToken", 400)
    assert me(emulator, first.json()["access_token"]).status_code == 401
    refresh = requests.post(
        f"{emulator.url}/restapi/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"],
              "client_id": emulator.credentials["client_id"]},
        timeout=10,
    )  # fmt: skip
    assert refresh.status_code == 400


def test_it_refuses_an_expired_code(emulator_factory):
    emulator = emulator_factory("--auth-code-ttl", "1")
    verifier = make_verifier()
    back = sign_in(emulator, code_challenge=s256(verifier), code_challenge_method="S256")
    assert back["expires_in"] == "1"
    time.sleep(1.3)
    response = exchange(emulator, back["code"], verifier=verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert response.json()["errors"][0]["errorCode"] == "OAU-108"
    assert_matches_operation(response.json(), "getToken", 400)


def test_it_refuses_a_wrong_verifier(emulator):
    verifier = make_verifier()
    back = sign_in(emulator, code_challenge=s256(verifier), code_challenge_method="S256")
    wrong = exchange(emulator, back["code"], verifier=make_verifier())
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert_matches_operation(wrong.json(), "getToken", 400)
    another = sign_in(emulator, code_challenge=s256(verifier), code_challenge_method="S256")
    missing = exchange(emulator, another["code"])
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_grant"


def test_it_refuses_a_plain_verifier_against_an_s256_challenge(emulator):
    verifier = make_verifier()
    back = sign_in(emulator, code_challenge=s256(verifier), code_challenge_method="S256")
    response = exchange(emulator, back["code"], verifier=s256(verifier))
    assert response.status_code == 400


def test_it_refuses_another_redirect_uri_at_token_time(emulator):
    verifier = make_verifier()
    back = sign_in(emulator, code_challenge=s256(verifier), code_challenge_method="S256")
    response = exchange(emulator, back["code"], verifier=verifier, redirect_uri=OTHER_CALLBACK)
    assert response.status_code == 400
    assert response.json()["errors"][0]["errorCode"] == "OAU-109"


def test_it_refuses_a_code_issued_to_another_app(emulator):
    other = add_app(emulator, [CALLBACK])
    verifier = make_verifier()
    back = sign_in(
        emulator, client_id=other, code_challenge=s256(verifier), code_challenge_method="S256"
    )
    response = exchange(emulator, back["code"], verifier=verifier)  # as the demo app
    assert response.status_code == 400
    assert response.json()["errors"][0]["errorCode"] == "OAU-110"


def test_it_lets_an_app_with_one_redirect_uri_omit_it(emulator):
    only = "http://127.0.0.1:9999/only/?tenant=1"
    other = add_app(emulator, [only])
    started = authorize(emulator, client_id=other)
    assert started.status_code == 302
    page = requests.get(started.headers["Location"], timeout=10)
    found = re.search(r'name="request" value="([^"]+)"', page.text)
    assert found
    request_id = found.group(1)
    user = emulator.user("agent")
    back = submit(emulator, request_id, user["username"], user["password"])
    location = back.headers["Location"]
    assert location.startswith("http://127.0.0.1:9999/only/?")
    query = query_of(location)
    assert query["tenant"] == ["1"]  # the registered query survives
    assert query["code"]


# --------------------------------------------------------------------------- authorize errors


def test_it_answers_an_unregistered_redirect_uri_with_400_and_never_redirects(emulator):
    response = authorize(emulator, redirect_uri="https://evil.example/cb", state="s")
    assert response.status_code == 400
    assert "Location" not in response.headers
    body = response.json()
    assert body["error"] == "invalid_request"
    assert body["errors"][0]["parameterName"] == "redirect_uri"
    assert_matches_operation(body, "authorize", 400)


def test_it_matches_redirect_uris_exactly(emulator):
    for near in (CALLBACK.rstrip("/"), CALLBACK + "x", CALLBACK.upper(), CALLBACK + "?a=1"):
        response = authorize(emulator, redirect_uri=near)
        assert response.status_code == 400, near
        assert "Location" not in response.headers


def test_it_requires_redirect_uri_when_several_are_registered(emulator):
    response = authorize(emulator)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert_matches_operation(response.json(), "authorize", 400)


def test_it_answers_an_unknown_client_with_400_invalid_client(emulator):
    response = authorize(emulator, client_id="nobody", redirect_uri=CALLBACK)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.json()["error"] == "invalid_client"
    assert_matches_operation(response.json(), "authorize2", 400)


def test_it_answers_a_missing_client_id_with_400(emulator):
    response = requests.get(
        f"{emulator.url}/restapi/oauth/authorize",
        params={"response_type": "code", "redirect_uri": CALLBACK},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_it_redirects_an_unsupported_response_type_with_state(emulator):
    response = authorize(emulator, response_type="token", redirect_uri=CALLBACK, state="st")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(CALLBACK + "?")
    query = query_of(location)
    assert query["error"] == ["unsupported_response_type"]
    assert query["state"] == ["st"]
    assert "code" not in query


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"code_challenge": "c" * 43, "code_challenge_method": "S512"}, "invalid_request"),
        ({"code_challenge_method": "S256"}, "invalid_request"),
        ({"code_challenge": "short", "code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "!" * 43, "code_challenge_method": "S256"}, "invalid_request"),
        ({"display": "hologram"}, "invalid_request"),
        ({"prompt": "none"}, "login_required"),
    ],
)
def test_it_redirects_other_errors_to_the_app(emulator, params, error):
    response = authorize(emulator, redirect_uri=CALLBACK, state="s-1", **params)
    assert response.status_code == 302
    query = query_of(response.headers["Location"])
    assert query["error"] == [error]
    assert query["state"] == ["s-1"]


def test_it_refuses_duplicated_parameters(emulator):
    response = requests.get(
        f"{emulator.url}/restapi/oauth/authorize",
        params=[("response_type", "code"), ("client_id", emulator.credentials["client_id"]),
                ("redirect_uri", CALLBACK), ("state", "a"), ("state", "b")],
        allow_redirects=False,
        timeout=10,
    )  # fmt: skip
    assert response.status_code == 302
    assert query_of(response.headers["Location"])["error"] == ["invalid_request"]


def test_it_counts_authorize_in_the_auth_group(emulator):
    authorize(emulator, redirect_uri=CALLBACK)
    authorize(emulator, "POST", redirect_uri=CALLBACK)
    records = emulator.request_counts()["records"]
    operations = {(r["operation"], r["rateGroup"]) for r in records}
    assert ("authorize", "Auth") in operations
    assert ("authorize2", "Auth") in operations


# --------------------------------------------------------------------------- the sign-in page


def test_it_serves_an_accessible_sign_in_page(emulator):
    flow = open_sign_in(emulator)
    page = flow.page
    assert page.headers["Content-Type"].startswith("text/html")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cache-Control"] == "no-store"
    text = page.text
    assert '<html lang="en">' in text
    assert "<h1>Sign in to RingCentral</h1>" in text
    assert "Team Inbox (demo)" in text
    assert re.search(r'<label for="username">[^<]+</label>', text)
    assert 'id="username"' in text
    assert re.search(r'<label for="password">Password</label>', text)
    assert 'type="password" id="password"' in text
    assert 'type="submit"' in text
    assert "<script" not in text.lower()
    assert "https://" not in text  # no third-party assets
    for user in emulator.credentials["users"]:  # no list of demo users or passwords
        assert user["username"] not in text
        assert user["password"] not in text


def test_it_rerenders_the_page_with_401_on_wrong_credentials(emulator):
    flow = open_sign_in(emulator)
    user = emulator.user("agent")
    wrong = submit(emulator, flow.request_id, '"><script>alert(1)</script>', "nope")
    assert wrong.status_code == 401
    assert wrong.headers["Content-Type"].startswith("text/html")
    assert 'role="alert"' in wrong.text
    assert "<script>" not in wrong.text
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    again = submit(emulator, flow.request_id, user["username"], "also wrong")
    assert again.status_code == 401
    right = submit(emulator, flow.request_id, user["username"], user["password"])
    assert right.status_code == 302  # the pending request survives failed attempts


def test_it_escapes_a_hostile_login_hint_and_state(emulator):
    hostile = '"><script>alert("x")</script><img src=x onerror=alert(1)>'
    flow = open_sign_in(emulator, state=hostile, login_hint=hostile)
    text = flow.page.text
    assert "<script>alert" not in text
    assert "<img src=x" not in text
    assert html.escape(hostile) in text  # the hint prefills the username, escaped
    user = emulator.user("agent")
    back = submit(emulator, flow.request_id, user["username"], user["password"])
    assert query_of(back.headers["Location"])["state"] == [hostile]


def test_it_uses_a_sign_in_request_only_once(emulator):
    flow = open_sign_in(emulator)
    user = emulator.user("agent")
    assert submit(emulator, flow.request_id, user["username"], user["password"]).status_code == 302
    again = submit(emulator, flow.request_id, user["username"], user["password"])
    assert again.status_code == 400
    assert "Location" not in again.headers
    page = requests.get(
        f"{emulator.url}/restapi/oauth/login", params={"request": flow.request_id}, timeout=10
    )
    assert page.status_code == 400
    assert "no longer valid" in page.text


def test_it_refuses_an_unknown_sign_in_request(emulator):
    user = emulator.user("agent")
    response = submit(emulator, "forged-request-id", user["username"], user["password"])
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_it_sends_access_denied_when_the_user_cancels(emulator):
    flow = open_sign_in(emulator, state="cancel-me")
    response = submit(emulator, flow.request_id, "", "", cancel="1")
    assert response.status_code == 302
    query = query_of(response.headers["Location"])
    assert query["error"] == ["access_denied"]
    assert query["state"] == ["cancel-me"]
    assert "code" not in query


def test_it_shows_the_app_name_escaped(emulator):
    other = add_app(emulator, [CALLBACK])
    flow = open_sign_in(emulator, client_id=other)
    assert "Other &lt;App&gt; &amp; Co" in flow.page.text
