"""Connecting a team mailbox (sign-in page or JWT), naming it, choosing its members and
disconnecting it: admins only, every change audited, tokens stored encrypted."""

from __future__ import annotations

import re

import requests
from django.test import Client
from django.urls import reverse

from accounts.models import RingCentralCredential
from inbox.models import AuditEntry, TeamMailbox
from tests.inbox.conftest import extension_of
from tests.inbox.team.conftest import (
    BILLING,
    SUPPORT_LINE,
    connect_by_jwt,
    connect_by_sign_in,
    members_set,
    person,
)
from tests.support.emulator import RunningEmulator


def test_an_admin_connects_a_shared_extension_by_signing_in_as_it(
    rc: RunningEmulator, alice_client: Client
) -> None:
    done = connect_by_sign_in(alice_client, rc)

    assert done is not None and done.status_code == 302
    assert done["Location"] == reverse("inbox:team_mailboxes")
    team = TeamMailbox.objects.get(extension_id=extension_of(rc, SUPPORT_LINE))
    assert team.name == "Support Line"
    assert team.sms_numbers == rc.user(SUPPORT_LINE)["sms_numbers"]
    assert team.credential.user is None
    assert team.credential.status == RingCentralCredential.Status.CONNECTED
    # the session is the shared extension's, stored encrypted
    stored = team.credential.access_token_encrypted
    assert stored and "." not in stored[:8]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.TEAM_CONNECT)
    assert entry.extension_id == team.extension_id
    assert entry.actor == person(rc, "admin")
    listing = alice_client.get(reverse("inbox:team_mailboxes")).content.decode()
    assert "Support Line" in listing and "Connected" in listing


def test_an_admin_connects_a_shared_extension_with_its_jwt(
    rc: RunningEmulator, alice_client: Client
) -> None:
    team = connect_by_jwt(alice_client, rc, BILLING)

    assert team.name == "Billing"
    assert team.credential.extension_id == extension_of(rc, BILLING)
    assert team.credential.status == RingCentralCredential.Status.CONNECTED


def test_a_refused_jwt_connects_nothing_and_says_why(
    rc: RunningEmulator, alice_client: Client
) -> None:
    forged = rc.user(SUPPORT_LINE)["jwt"][:-4] + "AAAA"

    answer = alice_client.post(reverse("inbox:team_connect_jwt"), {"jwt": forged})

    assert answer.status_code == 400
    assert "did not accept this JWT credential" in answer.content.decode()
    assert not TeamMailbox.objects.exists()
    assert not RingCentralCredential.objects.filter(user=None).exists()


def test_an_admin_cannot_connect_the_extension_of_a_person_who_uses_the_inbox(
    rc: RunningEmulator, alice_client: Client, bob_client: Client
) -> None:
    answer = alice_client.post(reverse("inbox:team_connect_jwt"), {"jwt": rc.user("agent")["jwt"]})

    assert answer.status_code == 400
    assert "is a person&#x27;s own (Sam Rivera)" in answer.content.decode()
    assert not TeamMailbox.objects.exists()


def test_agents_cannot_see_or_connect_team_mailboxes(
    rc: RunningEmulator, bob_client: Client
) -> None:
    assert bob_client.get(reverse("inbox:team_mailboxes")).status_code == 404
    assert bob_client.post(reverse("inbox:team_connect")).status_code == 404
    jwt = rc.user(SUPPORT_LINE)["jwt"]
    assert bob_client.post(reverse("inbox:team_connect_jwt"), {"jwt": jwt}).status_code == 404
    assert not TeamMailbox.objects.exists()


def test_nobody_signs_in_as_a_person_with_a_connected_team_extension(
    rc: RunningEmulator, alice_client: Client
) -> None:
    connect_by_jwt(alice_client, rc)
    browser = Client()
    start = browser.get(reverse("accounts:login"))
    authorize = requests.get(start["Location"], allow_redirects=False, timeout=10)
    request_id = authorize.headers["Location"].split("request=")[1].split("&")[0]
    shared = rc.user(SUPPORT_LINE)
    answer = requests.post(
        f"{rc.url}/restapi/oauth/login",
        data={"request": request_id, "username": shared["username"],
              "password": shared["password"]},
        allow_redirects=False,
        timeout=10,
    )  # fmt: skip
    query = answer.headers["Location"].split("?", 1)[1]

    refused = browser.get(f"{reverse('accounts:callback')}?{query}")

    assert refused.status_code == 403
    assert "connected as a team mailbox" in refused.content.decode()
    assert "_auth_user_id" not in browser.session


def test_an_admin_names_it_and_chooses_its_members(
    rc: RunningEmulator, alice_client: Client, bob_client: Client, charlie_client: Client
) -> None:
    team = connect_by_jwt(alice_client, rc)
    sam, riley = person(rc, "agent"), person(rc, "agent2")

    members_set(alice_client, team, sam, riley, name="  Customer   Care ")

    team.refresh_from_db()
    assert team.name == "Customer Care"
    assert set(team.members.all()) == {sam, riley}
    change = AuditEntry.objects.get(action=AuditEntry.Action.TEAM_CHANGE)
    assert "Added Riley Chen, Sam Rivera." in change.detail or "Added Sam Rivera" in change.detail


def test_members_must_be_people_of_the_account(
    rc: RunningEmulator, alice_client: Client, dave_client: Client
) -> None:
    team = connect_by_jwt(alice_client, rc)
    from accounts.models import User

    stranger = User.objects.get(username="dave")

    answer = alice_client.post(
        reverse("inbox:team_mailbox", args=[team.pk]),
        {"name": "Support Line", "members": [str(stranger.pk)]},
    )

    assert answer.status_code == 400
    assert not team.members.exists()


def test_disconnecting_ends_the_session_at_ringcentral_and_keeps_the_members(
    rc: RunningEmulator, alice_client: Client, bob_client: Client
) -> None:
    team = connect_by_jwt(alice_client, rc)
    members_set(alice_client, team, person(rc, "agent"))
    from accounts.tokens import token_decrypt

    token = token_decrypt(team.credential.access_token_encrypted)
    confirm = alice_client.get(reverse("inbox:team_mailbox_disconnect", args=[team.pk]))
    assert "Disconnect Support Line?" in confirm.content.decode()

    done = alice_client.post(reverse("inbox:team_mailbox_disconnect", args=[team.pk]))

    assert done.status_code == 302
    team.refresh_from_db()
    team.credential.refresh_from_db()
    assert team.credential.status == RingCentralCredential.Status.SIGNED_OUT
    assert team.credential.access_token_encrypted == ""
    assert team.members.count() == 1
    revoked = requests.get(
        rc.api("/account/~/extension/~"), headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert revoked.status_code == 401
    assert AuditEntry.objects.filter(action=AuditEntry.Action.TEAM_DISCONNECT).count() == 1
    listing = alice_client.get(reverse("inbox:team_mailboxes")).content.decode()
    assert "Reconnect Support Line" in listing


def test_reconnecting_keeps_the_same_team_mailbox(
    rc: RunningEmulator, alice_client: Client, bob_client: Client
) -> None:
    team = connect_by_jwt(alice_client, rc)
    members_set(alice_client, team, person(rc, "agent"), name="Help desk")
    alice_client.post(reverse("inbox:team_mailbox_disconnect", args=[team.pk]))

    connect_by_sign_in(alice_client, rc)

    again = TeamMailbox.objects.get()
    assert again.pk == team.pk and again.name == "Help desk"
    assert list(again.members.all()) == [person(rc, "agent")]
    assert again.credential.status == RingCentralCredential.Status.CONNECTED


def test_the_audit_log_names_the_team_mailbox_and_the_person(
    rc: RunningEmulator, alice_client: Client
) -> None:
    connect_by_jwt(alice_client, rc)

    page = alice_client.get(reverse("inbox:audit_log")).content.decode()

    row = re.search(r"<tr>\s*<td><time[^>]*>.*?</tr>", page, re.S)
    assert row is not None
    assert "Alex Morgan (ext. 101)" in row.group(0)
    assert "Connected a team mailbox" in row.group(0)
    assert "Support Line (team mailbox)" in row.group(0)
