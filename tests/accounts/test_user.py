from __future__ import annotations

import importlib

import pytest
from django.contrib.auth import get_user_model
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import CreateModel
from django.test import Client
from django.urls import reverse

from accounts.models import User

INT64_MAX = 2**63 - 1


def test_it_is_the_user_model() -> None:
    assert get_user_model() is User


@pytest.mark.django_db
def test_it_makes_new_users_agents() -> None:
    user = User.objects.create_user(username="alice", password="pw-alice-123")

    assert user.role == User.Role.AGENT


@pytest.mark.django_db
def test_it_keeps_64_bit_ringcentral_ids() -> None:
    User.objects.create_user(
        username="alice", rc_account_id=INT64_MAX, rc_extension_id=INT64_MAX - 1
    )

    user = User.objects.get(username="alice")

    assert (user.rc_account_id, user.rc_extension_id) == (INT64_MAX, INT64_MAX - 1)


def test_it_creates_the_user_table_in_the_first_migration() -> None:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    migration = loader.get_migration("accounts", "0001_initial")

    (create_user,) = [op for op in migration.operations if isinstance(op, CreateModel)]
    fields = dict(create_user.fields)

    assert create_user.name == "User"
    assert {"rc_account_id", "rc_extension_id", "role"} <= set(fields)
    assert ("accounts", "0001_initial") in loader.graph.root_nodes("accounts")


@pytest.mark.django_db
def test_it_lets_admins_edit_ringcentral_fields(admin_client: Client) -> None:
    alice = User.objects.create_user(username="alice", rc_extension_id=101)

    listing = admin_client.get(reverse("admin:accounts_user_changelist"))
    change = admin_client.get(reverse("admin:accounts_user_change", args=[alice.pk]))

    assert listing.status_code == 200
    assert "alice" in listing.content.decode()
    assert change.status_code == 200
    for field in ("role_granted", "rc_account_id", "rc_extension_id"):
        assert f'name="{field}"' in change.content.decode()


@pytest.mark.django_db
def test_it_keeps_admins_made_before_sign_in_existed_as_granted_admins() -> None:
    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0002_ringcentral_sign_in")
    boss = User.objects.create_user(username="boss", role=User.Role.ADMIN)
    staff = User.objects.create_user(username="staff")

    migration.keep_admin_grants(apps, None)

    boss.refresh_from_db()
    staff.refresh_from_db()
    assert boss.role_granted
    assert not staff.role_granted
