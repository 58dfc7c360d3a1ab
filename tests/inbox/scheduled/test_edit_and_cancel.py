"""Changing and cancelling a scheduled SMS: by whoever may send from its mailbox, only while it
is still scheduled, each change in the audit log; anyone else gets a 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from inbox.live.sync import mailbox_sync
from inbox.models import AuditEntry, IndexedConversation, Send, TeamMailbox
from inbox.scheduled.services import scheduled_sends_release
from tests.emulator.factories import unique_number
from tests.inbox.conftest import extension_of
from tests.inbox.live.support import inject_sms, live_tasks_record
from tests.inbox.scheduled.conftest import ahead, local, schedule, scheduled_one
from tests.inbox.support import found
from tests.inbox.team.conftest import SUPPORT_LINE
from tests.support.emulator import RunningEmulator


def edit_url(rc: RunningEmulator, send: Send, which: str = "agent") -> str:
    return reverse("inbox:scheduled_edit", args=[send.extension_id, send.pk])


def cancel_url(send: Send) -> str:
    return reverse("inbox:scheduled_cancel", args=[send.extension_id, send.pk])


@pytest.fixture
def scheduled(bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]) -> Send:
    conversation_id, _ = sms_thread
    schedule(bob_client, rc, conversation_id, send_at=local(ahead(hours=2), "Europe/London"))
    return scheduled_one(conversation_id=conversation_id)


def test_it_changes_the_text_and_time(bob_client: Client, rc: RunningEmulator,
                                      scheduled: Send) -> None:  # fmt: skip
    form = bob_client.get(edit_url(rc, scheduled)).content.decode()
    assert "Your order is ready." in form
    assert f'value="{local(scheduled.scheduled_for, "Europe/London")}"' in form  # type: ignore[arg-type]
    assert "(your time zone: <span>Europe/London</span>)" in form
    when = ahead(days=2)

    answer = bob_client.post(edit_url(rc, scheduled), {
        "text": "Ready after lunch.", "send_at": local(when, "America/New_York"),
        "timezone": "America/New_York", "next": "/inbox/",
    })  # fmt: skip

    assert answer.status_code == 302
    assert answer["Location"] == f"/inbox/#send-{scheduled.pk}"
    scheduled.refresh_from_db()
    assert (scheduled.text, scheduled.scheduled_for, scheduled.scheduled_zone) == (
        "Ready after lunch.", when, "America/New_York",
    )  # fmt: skip
    assert scheduled.status == Send.Status.SCHEDULED
    assert scheduled.cancel_on_reply is False  # the box was left unticked
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SCHEDULED_CHANGE)
    assert entry.actor_label.startswith(scheduled.owner.get_full_name())


def test_a_change_is_checked_like_a_new_schedule(bob_client: Client, rc: RunningEmulator,
                                                 scheduled: Send) -> None:  # fmt: skip
    before = scheduled.scheduled_for
    answer = bob_client.post(edit_url(rc, scheduled), {
        "text": "Hi", "send_at": local(ahead(minutes=-5), "UTC"), "timezone": "UTC",
    })  # fmt: skip
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "has passed or is less than a minute away" in page
    answer = bob_client.post(edit_url(rc, scheduled), {"text": "Hi", "send_at": "soon"})
    assert "Enter the day and time to send at" in answer.content.decode()
    scheduled.refresh_from_db()
    assert scheduled.scheduled_for == before
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.SCHEDULED_CHANGE).exists()


def test_it_cancels_after_a_confirmation(bob_client: Client, rc: RunningEmulator,
                                         scheduled: Send) -> None:  # fmt: skip
    confirm = bob_client.get(cancel_url(scheduled)).content.decode()
    assert "Cancel the scheduled message?" in confirm
    assert "Cancel the message</button>" in confirm
    assert Send.objects.get(pk=scheduled.pk).status == Send.Status.SCHEDULED  # GET changes nothing

    answer = bob_client.post(cancel_url(scheduled))

    assert answer.status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.status == Send.Status.CANCELLED
    assert scheduled.last_error == f"Cancelled by {scheduled.owner.get_full_name()}."
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SCHEDULED_CANCEL).count() == 1
    page = bob_client.get(answer["Location"]).content.decode()
    bubble = found(rf'(<li class="bubble outbound send-bubble" id="send-{scheduled.pk}">.*?</li>)',
                   page)  # fmt: skip
    assert "Cancelled" in bubble and "Cancelled by" in bubble
    # and nothing releases it later
    Send.objects.filter(pk=scheduled.pk).update(scheduled_for=ahead(minutes=-1))
    assert scheduled_sends_release() == []


def test_only_a_scheduled_message_can_be_changed_or_cancelled(
    bob_client: Client, rc: RunningEmulator, scheduled: Send
) -> None:
    Send.objects.filter(pk=scheduled.pk).update(scheduled_for=ahead(minutes=-1))
    assert scheduled_sends_release() == [scheduled.pk]

    page = bob_client.get(edit_url(rc, scheduled), follow=True).content.decode()
    assert "This message is no longer scheduled; it cannot be changed." in page
    answer = bob_client.post(edit_url(rc, scheduled), {
        "text": "Too late", "send_at": local(ahead(hours=1), "UTC"), "timezone": "UTC",
    }, follow=True)  # fmt: skip
    assert "no longer scheduled" in answer.content.decode()
    answer = bob_client.post(cancel_url(scheduled), follow=True)
    assert "no longer scheduled: it is on its way or has gone out" in answer.content.decode()
    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.text) == (Send.Status.QUEUED, "Your order is ready.")
    assert not AuditEntry.objects.filter(
        action__in=[AuditEntry.Action.SCHEDULED_CHANGE, AuditEntry.Action.SCHEDULED_CANCEL]
    ).exists()


def test_strangers_and_admins_of_other_mailboxes_get_a_404(
    rc: RunningEmulator, scheduled: Send, charlie_client: Client, alice_client: Client,
    dave_client: Client,
) -> None:  # fmt: skip
    for client in (charlie_client, alice_client, dave_client):
        assert client.get(edit_url(rc, scheduled)).status_code == 404
        assert client.post(edit_url(rc, scheduled), {"text": "x"}).status_code == 404
        assert client.get(cancel_url(scheduled)).status_code == 404
        assert client.post(cancel_url(scheduled)).status_code == 404
    # the stranger's own mailbox in the address does not help either
    own = reverse("inbox:scheduled_cancel", args=[extension_of(rc, "agent2"), scheduled.pk])
    assert charlie_client.post(own).status_code == 404
    scheduled.refresh_from_db()
    assert scheduled.status == Send.Status.SCHEDULED


def test_cancel_needs_the_csrf_token(rc: RunningEmulator, scheduled: Send) -> None:
    from tests.inbox.conftest import sign_in

    client = Client(enforce_csrf_checks=True)
    sign_in(client, rc, "agent")
    assert client.post(cancel_url(scheduled)).status_code == 403
    scheduled.refresh_from_db()
    assert scheduled.status == Send.Status.SCHEDULED


def test_team_members_change_what_the_team_scheduled(
    rc: RunningEmulator, bob_client: Client, charlie_client: Client, alice_client: Client,
    support_line: TeamMailbox, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    live_tasks_record(monkeypatch)
    customer = unique_number()
    inject_sms(rc, to_extension=SUPPORT_LINE, sender=customer, text="Any news?")
    mailbox_sync(account_id=support_line.account_id, extension_id=support_line.extension_id)
    row = next(r for r in IndexedConversation.objects.filter(extension_id=support_line.extension_id)
               if any(p.get("number") == customer for p in r.parties))  # fmt: skip
    page = bob_client.get(reverse("inbox:thread", args=[support_line.extension_id, row.thread_id]))
    from_number = found(r'<option value="([^"]+)"[^>]*selected', page.content.decode())
    answer = schedule(bob_client, rc, row.thread_id, extension_id=support_line.extension_id,
                      from_number=from_number, send_at=local(ahead(hours=1), "UTC"))  # fmt: skip
    assert answer.status_code == 302, answer.content.decode()[:2000]
    send = scheduled_one(extension_id=support_line.extension_id)

    # Riley is not a member: a 404, even for the confirmation
    assert charlie_client.get(cancel_url(send)).status_code == 404
    # Alex (an admin: every team mailbox) may cancel it
    assert alice_client.post(cancel_url(send)).status_code == 302
    send.refresh_from_db()
    assert send.status == Send.Status.CANCELLED
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SCHEDULED_CANCEL)
    assert entry.extension_id == support_line.extension_id


def test_the_api_cancels_a_scheduled_send_and_audits_it(
    bob_client: Client, rc: RunningEmulator, scheduled: Send
) -> None:
    url = reverse("api:send_cancel", args=[scheduled.extension_id, scheduled.pk])

    cancelled = bob_client.post(url)
    again = bob_client.post(url)

    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert again.status_code == 409
    scheduled.refresh_from_db()
    assert scheduled.status == Send.Status.CANCELLED
    assert scheduled_sends_release(now=ahead(hours=3)) == []  # it never goes out
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SCHEDULED_CANCEL)
    assert entry.conversation_id == scheduled.conversation_id
