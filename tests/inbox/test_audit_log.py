"""The audit log is append-only: the application refuses changes and deletions, and so does the
database (a trigger on UPDATE, and on DELETE where the database allows it)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from accounts.models import User
from inbox.models import AuditEntry, AuditLogIsAppendOnly


@pytest.fixture
def entry(db: None) -> AuditEntry:
    alice = User.objects.create_user("alice", rc_account_id=1, rc_extension_id=101)
    return AuditEntry.objects.create(
        actor=alice,
        actor_label="Alice (ext. 101)",
        action=AuditEntry.Action.MESSAGE_DELETE,
        account_id=1,
        extension_id=101,
        message_ids=["9007199254740993"],
    )


def test_it_keeps_new_entries(entry: AuditEntry) -> None:
    stored = AuditEntry.objects.get(pk=entry.pk)

    assert stored.message_ids == ["9007199254740993"]  # an int64 beyond 2**53, exact
    assert str(stored) == "Alice (ext. 101): Deleted a message (Done)"


def test_it_refuses_to_change_an_entry(entry: AuditEntry) -> None:
    entry.detail = "changed"

    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(detail="changed")
    assert AuditEntry.objects.get(pk=entry.pk).detail == ""


def test_it_refuses_to_delete_an_entry(entry: AuditEntry) -> None:
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_database_refuses_updates(entry: AuditEntry) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE inbox_auditentry SET detail = 'x' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).detail == ""


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite empties tables between tests with DELETE"
)
def test_the_database_refuses_deletes(entry: AuditEntry) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM inbox_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_it_keeps_users_with_entries(entry: AuditEntry) -> None:
    from django.db.models import ProtectedError

    assert entry.actor is not None
    with pytest.raises(ProtectedError):
        entry.actor.delete()


def test_admin_shows_entries_read_only(admin_client: Client, entry: AuditEntry) -> None:
    listing = admin_client.get("/admin/inbox/auditentry/")
    change = admin_client.get(f"/admin/inbox/auditentry/{entry.pk}/change/")
    delete = admin_client.post(f"/admin/inbox/auditentry/{entry.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert "Alice (ext. 101)" in listing.content.decode()
    assert change.status_code == 200
    assert 'name="detail"' not in change.content.decode()
    assert delete.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
