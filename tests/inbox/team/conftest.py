"""Team mailboxes connected the two ways an admin can: RingCentral's sign-in page as the
shared extension, or its JWT credential."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.models import TeamMailbox
from tests.inbox.conftest import extension_of
from tests.support.emulator import RunningEmulator

SUPPORT_LINE = "201"
BILLING = "202"


def connect_by_sign_in(
    admin: Client, running: RunningEmulator, extension_number: str = SUPPORT_LINE
) -> Any:
    """An admin's "Connect a team mailbox", signing in at the emulator as the extension; the
    dashboard's answer to RingCentral's redirect back."""
    start = admin.post(reverse("inbox:team_connect"))
    assert start.status_code == 302, start
    authorize = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert authorize.status_code == 302, authorize.text
    request_id = parse_qs(urlsplit(authorize.headers["Location"]).query)["request"][0]
    shared = running.user(extension_number)
    answer = requests.post(
        f"{running.url}/restapi/oauth/login",
        data={"request": request_id, "username": shared["username"],
              "password": shared["password"]},
        allow_redirects=False,
        timeout=10,
    )  # fmt: skip
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return admin.get(f"{reverse('accounts:callback')}?{back.query}")


def connect_by_jwt(
    admin: Client, running: RunningEmulator, extension_number: str = SUPPORT_LINE
) -> TeamMailbox:
    answer = admin.post(
        reverse("inbox:team_connect_jwt"), {"jwt": running.user(extension_number)["jwt"]}
    )
    assert answer.status_code == 302, answer.content.decode()
    return TeamMailbox.objects.get(extension_id=extension_of(running, extension_number))


def members_set(admin: Client, team: TeamMailbox, *people: User, name: str = "") -> None:
    answer = admin.post(
        reverse("inbox:team_mailbox", args=[team.pk]),
        {"name": name or team.name, "members": [str(person.pk) for person in people]},
    )
    assert answer.status_code == 302, answer.content.decode()


def person(running: RunningEmulator, which: str) -> User:
    return User.objects.get(rc_extension_id=extension_of(running, which))


@pytest.fixture
def support_line(
    rc: RunningEmulator, alice_client: Client, bob_client: Client, charlie_client: Client
) -> TeamMailbox:
    """Support Line, connected by Alex (admin) with Sam (agent) as its only member; Riley
    (agent2) is signed in and not a member."""
    team = connect_by_jwt(alice_client, rc)
    members_set(alice_client, team, person(rc, "agent"))
    return team
