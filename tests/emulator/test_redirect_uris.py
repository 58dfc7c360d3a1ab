"""`serve --redirect-uri URL` registers extra redirect URIs for the demo app, so that a
dashboard served on another origin (a test's live server) can sign in through the emulator."""

from __future__ import annotations

import requests

from tests.support.emulator import RunningEmulator

EXTRA = "http://localhost:54321/accounts/callback/"
DEFAULT = "http://127.0.0.1:8000/accounts/callback/"


def authorize(running: RunningEmulator, redirect_uri: str) -> requests.Response:
    return requests.get(
        f"{running.url}/restapi/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": running.credentials["client_id"],
            "redirect_uri": redirect_uri,
            "state": "s1",
        },
        allow_redirects=False,
        timeout=10,
    )


def test_it_accepts_a_redirect_uri_registered_at_start(emulator_factory):
    running = emulator_factory("--redirect-uri", EXTRA)

    response = authorize(running, EXTRA)

    assert response.status_code == 302
    assert "/restapi/oauth/login?request=" in response.headers["Location"]


def test_it_keeps_the_demo_redirect_uris(emulator_factory):
    running = emulator_factory("--redirect-uri", EXTRA, "--redirect-uri", EXTRA)

    assert running.credentials["redirect_uris"][:2] == [
        DEFAULT,
        "http://localhost:8000/accounts/callback/",
    ]
    assert running.credentials["redirect_uris"].count(EXTRA) == 1
    assert authorize(running, DEFAULT).status_code == 302


def test_it_still_refuses_unregistered_redirect_uris(emulator):
    response = authorize(emulator, EXTRA)

    assert response.status_code == 400
    assert response.json()["errors"][0]["errorCode"] == "OAU-109"
