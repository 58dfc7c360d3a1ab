"""Who sees a team mailbox: its members and the admins. Everything of it — list, thread,
messages, attachments through the proxy, read state, deleting, sending, bulk actions, the
API — is a 404 for anyone else, and nothing reaches RingCentral for them."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from emulator.mailstore import NewAttachment
from inbox.models import Send, TeamMailbox
from tests.emulator.factories import attachment_ids, conversation_of, make_sms
from tests.inbox.conftest import extension_of
from tests.inbox.support import own_day, rc_calls
from tests.inbox.team.conftest import person
from tests.support.emulator import RunningEmulator

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


@pytest.fixture
def team_thread(rc: RunningEmulator, support_line: TeamMailbox) -> dict[str, int]:
    """A customer's MMS to Support Line: its conversation, message and picture ids."""
    day, _ = own_day()
    message = make_sms(
        rc.db_path,
        support_line.extension_id,
        text="My order arrived broken",
        created_ts=day + 60,
        attachments=[NewAttachment("MmsAttachment", "image/png", PNG)],
    )
    picture = attachment_ids(rc.db_path, message)[-1]
    return {
        "extension": support_line.extension_id,
        "conversation": conversation_of(rc.db_path, message),
        "message": message,
        "attachment": picture,
        "day": int(day),
    }


def own_day_of(ids: dict[str, int]) -> tuple[float, dict[str, str]]:
    """The list filters that show exactly the day of the thread."""
    from tests.emulator.factories import iso

    day = iso(ids["day"])[:10]
    return ids["day"], {"start": day, "end": day}


def page_urls(ids: dict[str, int]) -> list[str]:
    ext, conversation, message = ids["extension"], ids["conversation"], ids["message"]
    return [
        reverse("inbox:conversations", args=[ext]),
        reverse("inbox:thread", args=[ext, conversation]),
        reverse("inbox:message", args=[ext, message]),
        reverse("inbox:attachment", args=[ext, message, ids["attachment"]]),
        reverse("inbox:sms_new", args=[ext]),
        reverse("inbox:live_state", args=[ext]),
        reverse("inbox:deleted", args=[ext]),
        reverse("inbox:message_delete", args=[ext, message]),
        reverse("inbox:conversation_delete", args=[ext, conversation]),
    ]


def post_urls(ids: dict[str, int]) -> list[str]:
    ext, conversation, message = ids["extension"], ids["conversation"], ids["message"]
    return [
        reverse("inbox:conversation_read_status", args=[ext, conversation]),
        reverse("inbox:message_read_status", args=[ext, message]),
        reverse("inbox:message_delete", args=[ext, message]),
        reverse("inbox:conversation_delete", args=[ext, conversation]),
        reverse("inbox:sms_reply", args=[ext, conversation]),
        reverse("inbox:sms_new", args=[ext]),
        reverse("inbox:bulk_preview", args=[ext]),
        reverse("inbox:deleted_restore", args=[ext]),
    ]


def api_urls(ids: dict[str, int]) -> list[str]:
    ext, conversation, message = ids["extension"], ids["conversation"], ids["message"]
    base = f"/api/mailboxes/{ext}"
    return [
        f"{base}/conversations/",
        f"{base}/conversations/{conversation}/",
        f"{base}/messages/{message}/",
        f"{base}/messages/{message}/attachments/{ids['attachment']}/",
    ]


def test_a_stranger_gets_404_on_every_address_of_the_team_mailbox(
    rc: RunningEmulator, charlie_client: Client, team_thread: dict[str, int]
) -> None:
    since = time.time()

    for url in page_urls(team_thread):
        assert charlie_client.get(url).status_code == 404, url
    for url in post_urls(team_thread):
        answer = charlie_client.post(url, {"read_status": "Read", "text": "hi", "to": "+1"})
        assert answer.status_code == 404, url
    token = Token.objects.create(user=person(rc, "agent2"))
    for url in api_urls(team_thread):
        answer = charlie_client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}")
        assert answer.status_code == 404, url
    sms = charlie_client.post(
        f"/api/mailboxes/{team_thread['extension']}/sms/",
        {"from_number": rc.user("201")["sms_numbers"][0], "to": ["+12095550123"], "text": "x"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
        HTTP_IDEMPOTENCY_KEY="0b6c2f5e-1111-4c1e-9a57-2b1f4c1d0e01",
    )
    assert sms.status_code == 404

    assert not Send.objects.exists()
    assert rc_calls(rc, since, "listMessages") == 0
    assert rc_calls(rc, since, "readMessageContent") == 0


def test_a_member_opens_everything_of_the_team_mailbox(
    rc: RunningEmulator, bob_client: Client, team_thread: dict[str, int]
) -> None:
    ext = team_thread["extension"]
    _, that_day = own_day_of(team_thread)
    listing = bob_client.get(reverse("inbox:conversations", args=[ext]), that_day)
    assert listing.status_code == 200
    assert "My order arrived broken" in listing.content.decode()
    thread = bob_client.get(
        reverse("inbox:thread", args=[ext, team_thread["conversation"]])
    ).content.decode()
    assert "My order arrived broken" in thread
    picture = bob_client.get(
        reverse("inbox:attachment", args=[ext, team_thread["message"], team_thread["attachment"]])
    )
    assert picture.status_code == 200
    assert b"".join(picture.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
    token = Token.objects.create(user=person(rc, "agent"))
    listed = bob_client.get("/api/mailboxes/", HTTP_AUTHORIZATION=f"Token {token.key}").json()
    teams = [box for box in listed["mailboxes"] if box["is_team"]]
    assert [(box["extension_id"], box["name"]) for box in teams] == [(str(ext), "Support Line")]


def test_members_and_admins_see_it_among_their_mailboxes_and_others_do_not(
    rc: RunningEmulator,
    alice_client: Client,
    bob_client: Client,
    charlie_client: Client,
    support_line: TeamMailbox,
) -> None:
    own = reverse("inbox:conversations", args=[extension_of(rc, "agent")])
    sams = bob_client.get(own).content.decode()
    rileys = charlie_client.get(
        reverse("inbox:conversations", args=[extension_of(rc, "agent2")])
    ).content.decode()
    alexs = alice_client.get(
        reverse("inbox:conversations", args=[extension_of(rc, "admin")])
    ).content.decode()

    assert "Support Line" in sams
    assert "Support Line" not in rileys
    assert "Support Line" in alexs
