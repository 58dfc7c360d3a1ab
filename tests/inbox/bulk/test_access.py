"""Bulk pages are admins' only: agents and strangers get 404 on every one; forms need CSRF;
a wrong typed count starts nothing; the audit log keeps bulk rows unchanged and exports them
as CSV safe for spreadsheets."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.bulk.views import csv_cell
from inbox.models import AuditEntry, AuditLogIsAppendOnly, BulkDeleteItem, BulkDeleteJob
from tests.inbox.conftest import extension_of
from tests.support.emulator import RunningEmulator


@pytest.fixture
def job(alice_client: Client, rc: RunningEmulator) -> BulkDeleteJob:
    alice = User.objects.get(rc_extension_id=extension_of(rc, "admin"))
    created = BulkDeleteJob.objects.create(
        owner=alice,
        actor=alice,
        account_id=alice.rc_account_id or 0,
        extension_id=extension_of(rc, "agent"),
        mailbox_label="Bob (ext. 102)",
        conversation_count=2,
        message_count=5,
    )
    for n, cid in enumerate([11, 12]):
        BulkDeleteItem.objects.create(job=created, position=n, conversation_id=cid)
    return created


def bulk_urls(job: BulkDeleteJob) -> list[tuple[str, str]]:
    ext, jid = job.extension_id, job.id
    return [
        ("post", reverse("inbox:bulk_preview", args=[ext])),
        ("get", reverse("inbox:bulk_job", args=[ext, jid])),
        ("get", reverse("inbox:bulk_job_progress", args=[ext, jid])),
        ("post", reverse("inbox:bulk_job_confirm", args=[ext, jid])),
        ("post", reverse("inbox:bulk_job_cancel", args=[ext, jid])),
        ("post", reverse("inbox:bulk_job_restore", args=[ext, jid])),
        ("post", reverse("inbox:bulk_job_purge", args=[ext, jid])),
        ("get", reverse("inbox:audit_log")),
        ("get", reverse("inbox:audit_log_csv")),
    ]


@pytest.mark.parametrize("who", ["bob_client", "charlie_client", "dave_client"])
def test_it_hides_every_bulk_page_from_agents_and_strangers(
    who: str, job: BulkDeleteJob, request: pytest.FixtureRequest
) -> None:
    client: Client = request.getfixturevalue(who)
    for method, url in bulk_urls(job):
        response = getattr(client, method)(url, {"typed_count": "2", "all_matching": "1"})
        assert response.status_code == 404, (who, url, response.status_code)
    job.refresh_from_db()
    assert job.status == BulkDeleteJob.Status.PREVIEWED


def test_it_hides_jobs_of_the_account_behind_another_mailbox_url(
    alice_client: Client, job: BulkDeleteJob, rc: RunningEmulator
) -> None:
    other = extension_of(rc, "agent2")
    response = alice_client.get(reverse("inbox:bulk_job", args=[other, job.id]))
    assert response.status_code == 404


def test_it_shows_the_preview_to_admins(alice_client: Client, job: BulkDeleteJob) -> None:
    response = alice_client.get(reverse("inbox:bulk_job", args=[job.extension_id, job.id]))
    assert response.status_code == 200
    assert b"Type 2 to confirm" in response.content


def test_it_refuses_a_wrong_typed_count(alice_client: Client, job: BulkDeleteJob) -> None:
    url = reverse("inbox:bulk_job_confirm", args=[job.extension_id, job.id])
    response = alice_client.post(url, {"typed_count": "3"}, follow=True)
    assert b"The number you typed does not match: type 2 to confirm" in response.content
    job.refresh_from_db()
    assert job.status == BulkDeleteJob.Status.PREVIEWED


def test_it_requires_csrf(rc: RunningEmulator, job: BulkDeleteJob) -> None:
    from tests.inbox.conftest import sign_in

    client = Client(enforce_csrf_checks=True)
    sign_in(client, rc, "admin")
    url = reverse("inbox:bulk_job_confirm", args=[job.extension_id, job.id])
    assert client.post(url, {"typed_count": "2"}).status_code == 403
    job.refresh_from_db()
    assert job.status == BulkDeleteJob.Status.PREVIEWED


def test_it_answers_progress_from_the_database(alice_client: Client, job: BulkDeleteJob) -> None:
    url = reverse("inbox:bulk_job_progress", args=[job.extension_id, job.id])
    body = alice_client.get(url).json()
    assert body["total"] == 2 and body["done"] == 0 and body["status"] == "previewed"


def test_it_counts_ticked_conversations_for_the_preview(
    alice_client: Client, rc: RunningEmulator
) -> None:
    """Through RingCentral: a ticked conversation that does not exist is left out."""
    from tests.emulator.factories import make_sms, unique_number

    ext = extension_of(rc, "admin")
    number = unique_number()
    first = make_sms(rc.db_path, ext, text="one", other_number=number)
    make_sms(rc.db_path, ext, text="two", other_number=number)
    from tests.emulator.factories import conversation_of

    cid = conversation_of(rc.db_path, first)
    response = alice_client.post(
        reverse("inbox:bulk_preview", args=[ext]), {"conversation": [str(cid), "999999999"]}
    )
    assert response.status_code == 302
    job = BulkDeleteJob.objects.get()
    assert job.conversation_count == 1 and job.message_count == 2
    assert list(job.items.values_list("conversation_id", flat=True)) == [cid]


def test_it_keeps_bulk_audit_rows_unchanged(db: None) -> None:
    alice = User.objects.create_user("alice", rc_account_id=1, rc_extension_id=101)
    entry = AuditEntry.objects.create(
        actor=alice,
        actor_label="Alice (ext. 101)",
        ip_address="203.0.113.7",
        action=AuditEntry.Action.BULK_DELETE,
        account_id=1,
        extension_id=101,
        conversation_ids=["1", "2"],
        message_count=7,
    )
    entry.message_count = 1
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(action=AuditEntry.Action.BULK_DELETE).update(message_count=0)
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).message_count == 7


def test_it_exports_the_audit_log_safe_for_spreadsheets(
    alice_client: Client, rc: RunningEmulator
) -> None:
    alice = User.objects.get(rc_extension_id=extension_of(rc, "admin"))
    AuditEntry.objects.create(
        actor=alice,
        actor_label='=HYPERLINK("http://evil")',
        action=AuditEntry.Action.BULK_PURGE,
        account_id=alice.rc_account_id or 0,
        extension_id=alice.rc_extension_id or 0,
        detail="+1 and @home",
    )
    response = alice_client.get(reverse("inbox:audit_log_csv"), {"action": "bulk_purge"})
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert "'=HYPERLINK" in text and "'+1 and @home" in text
    assert text.count("\n") == 2  # the header and the one entry
    assert csv_cell("-2") == "'-2" and csv_cell("plain") == "plain"


def test_it_lists_and_filters_the_audit_log(alice_client: Client, rc: RunningEmulator) -> None:
    alice = User.objects.get(rc_extension_id=extension_of(rc, "admin"))
    for action in (AuditEntry.Action.BULK_DELETE, AuditEntry.Action.MESSAGE_DELETE):
        AuditEntry.objects.create(
            actor=alice,
            actor_label="<b>Alice</b>",
            action=action,
            account_id=alice.rc_account_id or 0,
            extension_id=alice.rc_extension_id or 0,
        )
    response = alice_client.get(reverse("inbox:audit_log"), {"action": "bulk_delete"})
    assert response.status_code == 200
    assert response.content.count(b"&lt;b&gt;Alice&lt;/b&gt;") == 1
    assert b"<b>Alice</b>" not in response.content
