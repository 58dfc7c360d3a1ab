"""Signing in with RingCentral: the authorization-code flow with state and PKCE against the
emulator, the user it creates or updates, and every answer that is refused."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import RingCentralCredential, User
from tests.accounts.support import (
    PROFILE,
    finish_sign_in,
    sign_in,
    sign_in_at_emulator,
    start_sign_in,
)

pytestmark = pytest.mark.django_db


def found_link(page: str, name: str) -> str:
    """The (unescaped) address of the link named `name` on `page`."""
    match = re.search(rf'<a class="button" href="([^"]*)">{re.escape(name)}</a>', page)
    assert match is not None, page
    return html.unescape(match.group(1))


def start_sign_in_at(client: Client, link: str) -> str:
    """Follow a sign-in `link` of a page; the RingCentral URL it sends the browser to."""
    response = client.get(link)
    assert response.status_code == 302, response.content
    return str(response["Location"])


def refusal(response: Any) -> str:
    page: str = response.content.decode()
    assert response.status_code == 400, page
    assert found_link(page, "Sign in again").startswith(reverse("accounts:login"))
    assert "Traceback" not in page
    return page


def test_it_sends_the_browser_to_ringcentral_with_state_and_pkce(client: Client, rc) -> None:
    url = start_sign_in(client)

    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    pending = client.session[services.SIGNIN_SESSION_KEY]
    digest = hashlib.sha256(pending["code_verifier"].encode()).digest()
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{rc.url}/restapi/oauth/authorize"
    assert query["response_type"] == "code"
    assert query["client_id"] == "demo-inbox-client"
    assert query["redirect_uri"] == "http://127.0.0.1:8000/accounts/callback/"
    assert query["state"] == pending["state"]
    assert len(pending["state"]) >= 43
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert pending["code_verifier"] not in url
    assert pending["next"] == PROFILE


def test_it_opens_the_sign_in_page_at_the_browser_facing_address(
    client: Client, rc, settings
) -> None:
    settings.RINGCENTRAL_SERVER_URL = "http://emulator:8090"
    settings.RINGCENTRAL_AUTHORIZE_URL = "http://127.0.0.1:8090"

    url = start_sign_in(client)

    assert url.startswith("http://127.0.0.1:8090/restapi/oauth/authorize?")
    assert "client_id=demo-inbox-client" in url


def test_it_signs_in_an_agent(client: Client, rc) -> None:
    params = sign_in_at_emulator(rc, start_sign_in(client), "agent")

    response = finish_sign_in(client, params)

    agent = rc.user("agent")
    user = User.objects.get(rc_extension_id=agent["extension_id"])
    assert response.status_code == 302
    assert response["Location"] == PROFILE
    assert int(client.session["_auth_user_id"]) == user.pk
    assert user.rc_account_id == rc.credentials["account_id"]
    assert user.get_full_name() == agent["name"]
    assert user.email == agent["username"]
    assert user.rc_extension_number == agent["extension_number"]
    assert user.sms_numbers == agent["sms_numbers"]
    assert user.role == User.Role.AGENT
    assert not user.has_usable_password()
    assert user.rc_credential.status == RingCentralCredential.Status.CONNECTED


def test_it_signs_in_an_admin_with_all_their_sms_numbers(client: Client, rc) -> None:
    user = sign_in(client, rc, "admin")

    admin = rc.user("admin")
    assert user.role == User.Role.ADMIN
    assert user.rc_is_admin
    assert user.sms_numbers == admin["sms_numbers"]
    assert len(user.sms_numbers) == 2


def test_it_shows_who_is_signed_in(client: Client, rc) -> None:
    sign_in(client, rc, "admin")

    response = client.get(PROFILE)

    page = response.content.decode()
    admin = rc.user("admin")
    assert response.status_code == 200
    assert "You are signed in" in page
    assert admin["name"] in page
    assert f"<dd>{admin['extension_number']}</dd>" in page
    assert "<dd>Admin</dd>" in page
    for number in admin["sms_numbers"]:
        assert f"<li>{number}</li>" in page
    assert '<button type="submit" class="button secondary">Sign out</button>' in page


def test_it_updates_the_same_user_when_they_sign_in_again(client: Client, rc) -> None:
    first = sign_in(client, rc, "agent")
    User.objects.filter(pk=first.pk).update(first_name="Old", sms_numbers=[])

    second = sign_in(Client(), rc, "agent")

    assert second.pk == first.pk
    assert second.first_name == "Sam"
    assert second.sms_numbers == rc.user("agent")["sms_numbers"]
    assert User.objects.filter(rc_extension_id=first.rc_extension_id).count() == 1
    assert RingCentralCredential.objects.filter(user=first).count() == 1


def test_it_links_a_user_made_in_django_admin_by_account_and_extension(client: Client, rc) -> None:
    agent = rc.user("agent")
    made = User.objects.create_user(
        username="sam",
        password="a-long-password-1",
        rc_account_id=rc.credentials["account_id"],
        rc_extension_id=agent["extension_id"],
    )

    user = sign_in(client, rc, "agent")

    assert user.pk == made.pk
    assert user.username == "sam"
    assert user.check_password("a-long-password-1")


def test_it_does_not_link_the_same_extension_of_another_account(client: Client, rc) -> None:
    agent = rc.user("agent")
    other = User.objects.create_user(
        username="other", rc_account_id=1, rc_extension_id=agent["extension_id"]
    )

    user = sign_in(client, rc, "agent")

    assert user.pk != other.pk


def test_it_keeps_an_admin_grant_made_here_when_they_sign_in_again(
    client: Client, rc, admin_client: Client
) -> None:
    user = sign_in(client, rc, "agent")
    change = reverse("admin:accounts_user_change", args=[user.pk])
    form = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "role_granted": "on",
        "rc_account_id": user.rc_account_id,
        "rc_extension_id": user.rc_extension_id,
        "rc_extension_number": user.rc_extension_number,
        "sms_numbers": '["+16505550102"]',
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "rc_credential-TOTAL_FORMS": "1",
        "rc_credential-INITIAL_FORMS": "1",
        "rc_credential-MIN_NUM_FORMS": "0",
        "rc_credential-MAX_NUM_FORMS": "1",
        "rc_credential-0-id": user.rc_credential.pk,
        "rc_credential-0-user": user.pk,
    }

    saved = admin_client.post(change, form)
    granted = User.objects.get(pk=user.pk)
    again = sign_in(Client(), rc, "agent")

    assert saved.status_code == 302, saved.content.decode()
    assert granted.role == User.Role.ADMIN
    assert again.role == User.Role.ADMIN
    assert again.role_granted
    assert not again.rc_is_admin


def test_it_takes_the_admin_role_from_ringcentral_at_each_sign_in(client: Client, rc) -> None:
    user = sign_in(client, rc, "admin")
    User.objects.filter(pk=user.pk).update(rc_is_admin=False, role=User.Role.AGENT)

    again = sign_in(Client(), rc, "admin")

    assert again.rc_is_admin
    assert again.role == User.Role.ADMIN


@pytest.mark.parametrize(
    ("rc_is_admin", "role_granted", "role"),
    [
        (False, False, "agent"),
        (True, False, "admin"),
        (False, True, "admin"),
        (True, True, "admin"),
    ],
)
def test_it_makes_admins_of_ringcentral_admins_and_of_those_granted_it_here(
    rc_is_admin: bool, role_granted: bool, role: str
) -> None:
    assert services.user_role_for(rc_is_admin=rc_is_admin, role_granted=role_granted) == role


@pytest.mark.parametrize(
    "target", ["/accounts/profile/?tab=numbers", "/healthz", "/"], ids=["query", "other", "home"]
)
def test_it_returns_to_the_page_asked_for(client: Client, rc, target: str) -> None:
    params = sign_in_at_emulator(rc, start_sign_in(client, target), "agent")

    response = finish_sign_in(client, params)

    assert response.status_code == 302
    assert response["Location"] == target


def test_it_lands_in_the_inbox_when_no_page_was_asked_for(client: Client, rc) -> None:
    start = client.get(reverse("accounts:login"))
    assert start.status_code == 302
    params = sign_in_at_emulator(rc, str(start["Location"]), "agent")

    response = finish_sign_in(client, params)

    assert response.status_code == 302
    assert response["Location"] == reverse("inbox:inbox")
    inbox = client.get(response["Location"])
    mailbox = reverse("inbox:conversations", args=[rc.user("agent")["extension_id"]])
    assert (inbox.status_code, inbox["Location"]) == (302, mailbox)


def test_it_returns_to_the_page_asked_for_after_signing_in_again(client: Client, rc) -> None:
    thread = "/inbox/102/conversations/7/?page=2&q=a%20b"
    params = sign_in_at_emulator(rc, start_sign_in(client, thread), "agent", cancel=True)
    page = refusal(finish_sign_in(client, params))
    again = found_link(page, "Sign in again")
    assert again == f"{reverse('accounts:login')}?next={quote(thread, safe='/')}"

    params = sign_in_at_emulator(rc, start_sign_in_at(client, again), "agent")
    response = finish_sign_in(client, params)

    assert response.status_code == 302
    assert response["Location"] == thread


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/path",
        "http://testserver/accounts/profile/",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil.example/profile",
        "https:///evil.example",
    ],
)
def test_it_refuses_to_send_anyone_elsewhere_after_signing_in(
    client: Client, rc, target: str
) -> None:
    response = client.get(reverse("accounts:login"), {"next": target})

    page = refusal(response)
    assert "asked to send you on to another website" in page
    assert services.SIGNIN_SESSION_KEY not in client.session


def test_it_refuses_an_answer_whose_state_does_not_match(client: Client, rc) -> None:
    params = sign_in_at_emulator(rc, start_sign_in(client), "agent")

    response = finish_sign_in(client, {**params, "state": params["state"][:-2] + "xx"})

    page = refusal(response)
    assert "does not belong to the sign-in started in this browser" in page
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(rc_extension_id=rc.user("agent")["extension_id"]).exists()


def test_it_refuses_an_answer_without_state(client: Client, rc) -> None:
    params = sign_in_at_emulator(rc, start_sign_in(client), "agent")
    del params["state"]

    page = refusal(finish_sign_in(client, params))

    assert "does not belong to the sign-in started in this browser" in page


def test_it_uses_a_pending_sign_in_only_once(client: Client, rc) -> None:
    params = sign_in_at_emulator(rc, start_sign_in(client), "agent")
    wrong = finish_sign_in(client, {**params, "state": "forged"})

    right_too_late = finish_sign_in(client, params)

    assert wrong.status_code == 400
    page = refusal(right_too_late)
    assert "There is no sign-in in progress in this browser" in page


def test_it_refuses_a_callback_without_a_pending_sign_in(client: Client, rc) -> None:
    response = finish_sign_in(client, {"code": "some-code", "state": "some-state"})

    page = refusal(response)
    assert "There is no sign-in in progress in this browser" in page


def test_it_refuses_a_sign_in_that_took_too_long(client: Client, rc) -> None:
    params = sign_in_at_emulator(rc, start_sign_in(client), "agent")
    session = client.session
    session[services.SIGNIN_SESSION_KEY]["started_at"] -= services.SIGNIN_MAX_AGE + 1
    session.save()

    page = refusal(finish_sign_in(client, params))

    assert "took too long and has expired" in page


def test_it_refuses_a_replayed_code(client: Client, rc) -> None:
    params = sign_in_at_emulator(rc, start_sign_in(client), "agent")
    assert finish_sign_in(client, params).status_code == 302
    # the same code again, with the state of a new sign-in in the same browser
    start_sign_in(client)
    replay = {**params, "state": client.session[services.SIGNIN_SESSION_KEY]["state"]}

    page = refusal(finish_sign_in(client, replay))

    assert "RingCentral did not accept this sign-in because its code was already used" in page


def test_it_tells_people_who_cancel_at_ringcentral_that_they_are_not_signed_in(
    client: Client, rc
) -> None:
    params = sign_in_at_emulator(rc, start_sign_in(client), "agent", cancel=True)
    assert params["error"] == "access_denied"

    page = refusal(finish_sign_in(client, params))

    assert "You cancelled signing in at RingCentral" in page
    assert "_auth_user_id" not in client.session


def test_it_refuses_an_answer_without_a_code(client: Client, rc) -> None:
    start_sign_in(client)
    state = client.session[services.SIGNIN_SESSION_KEY]["state"]

    page = refusal(finish_sign_in(client, {"state": state}))

    assert "did not include a sign-in code" in page


def test_it_says_so_when_ringcentral_cannot_be_reached(
    client: Client, rc, settings, unused_tcp_port: int
) -> None:
    params = sign_in_at_emulator(rc, start_sign_in(client), "agent")
    settings.RINGCENTRAL_SERVER_URL = f"http://127.0.0.1:{unused_tcp_port}"

    response = finish_sign_in(client, params)

    assert response.status_code == 503
    assert "RingCentral could not be reached to finish signing in" in response.content.decode()


def test_it_refuses_people_whose_account_here_is_turned_off(client: Client, rc) -> None:
    agent = rc.user("agent")
    User.objects.create_user(
        username="sam",
        rc_account_id=rc.credentials["account_id"],
        rc_extension_id=agent["extension_id"],
        is_active=False,
    )
    params = sign_in_at_emulator(rc, start_sign_in(client), "agent")

    response = finish_sign_in(client, params)

    assert response.status_code == 403
    assert "Your Team Inbox account is turned off" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not RingCentralCredential.objects.exists()


def test_it_sends_visitors_of_the_signed_in_page_to_sign_in(client: Client) -> None:
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={PROFILE}"


def test_it_shows_a_signed_in_person_only_their_own_details(client: Client, rc) -> None:
    sign_in(Client(), rc, "admin")
    sign_in(client, rc, "agent")

    page = client.get(PROFILE).content.decode()

    assert rc.user("agent")["name"] in page
    assert rc.user("admin")["name"] not in page
    assert "+18885550101" not in page


def test_it_only_starts_signing_in_with_get(client: Client, rc) -> None:
    assert client.post(reverse("accounts:login")).status_code == 405
    assert client.post(reverse("accounts:callback")).status_code == 405
