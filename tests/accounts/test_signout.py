"""Signing out: a POST with a CSRF token that ends the session at RingCentral too."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import RingCentralCredential
from accounts.tokens import token_decrypt
from tests.accounts.support import PROFILE, extension_answer, sign_in

pytestmark = pytest.mark.django_db

LOGOUT = reverse("accounts:logout")


def test_it_signs_out_and_ends_the_session_at_ringcentral(client: Client, rc) -> None:
    user = sign_in(client, rc, "agent")
    access_token = token_decrypt(user.rc_credential.access_token_encrypted)
    assert extension_answer(rc, access_token) == 200

    response = client.post(LOGOUT)

    credential = RingCentralCredential.objects.get(user=user)
    assert response.status_code == 302
    assert response["Location"] == reverse("inbox:home")
    assert "_auth_user_id" not in client.session
    assert extension_answer(rc, access_token) == 401
    assert credential.status == RingCentralCredential.Status.SIGNED_OUT
    assert credential.access_token_encrypted == credential.refresh_token_encrypted == ""
    assert client.get(PROFILE).status_code == 302


def test_it_shows_the_home_page_with_sign_in_after_signing_out(client: Client, rc) -> None:
    sign_in(client, rc, "agent")

    page = client.post(LOGOUT, follow=True).content.decode()

    assert "Sign in with RingCentral" in page
    assert "Sign out" not in page


def test_it_needs_a_csrf_token_to_sign_out(rc) -> None:
    browser = Client(enforce_csrf_checks=True)
    user = sign_in(browser, rc, "agent")

    forged = browser.post(LOGOUT)
    page = browser.get(PROFILE).content.decode()
    token = browser.cookies["csrftoken"].value
    real = browser.post(LOGOUT, {"csrfmiddlewaretoken": token})

    assert forged.status_code == 403
    assert "You are signed in" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert real.status_code == 302
    assert "_auth_user_id" not in browser.session
    assert RingCentralCredential.objects.get(user=user).status == "signed_out"


def test_it_signs_out_only_with_post(client: Client, rc) -> None:
    sign_in(client, rc, "agent")

    response = client.get(LOGOUT)

    assert response.status_code == 405
    assert "_auth_user_id" in client.session


def test_it_signs_out_even_when_ringcentral_cannot_be_reached(
    client: Client, rc, settings, unused_tcp_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    user = sign_in(client, rc, "agent")
    refresh_token = token_decrypt(user.rc_credential.refresh_token_encrypted)
    settings.RINGCENTRAL_SERVER_URL = f"http://127.0.0.1:{unused_tcp_port}"

    with caplog.at_level(logging.DEBUG):
        response = client.post(LOGOUT)

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert "Revoking a RingCentral session failed" in caplog.text
    assert refresh_token not in caplog.text


def test_it_signs_out_people_without_a_ringcentral_connection(client: Client, django_user_model):
    user = django_user_model.objects.create_user(username="local", password="pw-local-123456")
    client.force_login(user)

    response = client.post(LOGOUT)

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_it_leaves_other_peoples_sessions_alone(client: Client, rc) -> None:
    admin = sign_in(Client(), rc, "admin")
    sign_in(client, rc, "agent")
    admin_token = token_decrypt(admin.rc_credential.access_token_encrypted)

    client.post(LOGOUT)

    assert RingCentralCredential.objects.get(user=admin).status == "connected"
    assert extension_answer(rc, admin_token) == 200
