"""The audit log as admins reach and filter it: a link in the navigation (admins only) and a
mailbox filter that names people, not extension ids."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.models import AuditEntry, BulkDeleteJob
from tests.inbox.conftest import extension_of, signed_in
from tests.inbox.support import set_faults
from tests.support.emulator import RunningEmulator

GONE_EXTENSION = 424242  # an extension the account's directory no longer lists


def nav_of(page: str) -> str:
    """The main navigation: the sidebar's for people signed in, the header's for visitors."""
    match = re.search(r'<nav aria-label="Main"[^>]*>.*?</nav>', page, re.S)
    assert match is not None
    return match.group(0)


def link_of(nav: str, label: str) -> str:
    """The sidebar link named `label`, whole."""
    match = re.search(rf'<a class="nav-link"[^>]*>(?:(?!</a>).)*>{label}</span></a>', nav, re.S)
    assert match is not None, f"no link {label!r}"
    return match.group(0)


def log_entry(admin: User, *, extension_id: int, detail: str) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=admin,
        actor_label="Alice",
        action=AuditEntry.Action.MESSAGE_DELETE,
        account_id=admin.rc_account_id or 0,
        extension_id=extension_id,
        detail=detail,
    )


def mailbox_options(page: str) -> dict[str, str]:
    """The mailbox filter's options: value → label."""
    match = re.search(r'<select id="audit-mailbox" name="mailbox">(.*?)</select>', page, re.S)
    assert match is not None, "no mailbox <select>"
    return {
        value: label.strip()
        for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', match[1])
    }


def test_it_shows_admins_the_audit_log_in_the_navigation(alice_client: Client) -> None:
    home = alice_client.get(reverse("inbox:home")).content.decode()
    audit = alice_client.get(reverse("inbox:audit_log")).content.decode()

    assert 'href="/inbox/audit/"' in link_of(nav_of(home), "Audit log")
    assert 'aria-current="page"' not in link_of(nav_of(home), "Audit log")
    assert 'aria-current="page"' in link_of(nav_of(audit), "Audit log")
    assert 'aria-current="page"' not in link_of(nav_of(audit), "Inbox")


def test_it_hides_the_audit_log_link_from_agents(bob_client: Client) -> None:
    home = bob_client.get(reverse("inbox:home")).content.decode()

    assert "Audit log" not in nav_of(home)
    assert "/inbox/audit/" not in home


def test_it_hides_the_audit_log_link_from_visitors(client: Client) -> None:
    home = client.get(reverse("inbox:home")).content.decode()

    assert "Audit log" not in nav_of(home)


def test_it_filters_the_audit_log_by_person(alice_client: Client, rc: RunningEmulator) -> None:
    alice = User.objects.get(rc_extension_id=extension_of(rc, "admin"))
    bob = rc.user("agent")
    log_entry(alice, extension_id=int(bob["extension_id"]), detail="in bobs mailbox")
    log_entry(alice, extension_id=alice.rc_extension_id or 0, detail="in alices mailbox")

    everything = alice_client.get(reverse("inbox:audit_log")).content.decode()
    bobs = alice_client.get(reverse("inbox:audit_log"), {"mailbox": bob["extension_id"]})

    options = mailbox_options(everything)
    assert options[""] == "Any mailbox"
    assert options[str(bob["extension_id"])] == f"{bob['name']} (ext. {bob['extension_number']})"
    admin = rc.user("admin")
    assert options[str(admin["extension_id"])] == (
        f"{admin['name']} (ext. {admin['extension_number']})"
    )
    assert '<label for="audit-mailbox">Mailbox</label>' in everything
    page = bobs.content.decode()
    assert "in bobs mailbox" in page and "in alices mailbox" not in page
    assert f'<option value="{bob["extension_id"]}" selected>' in page
    # choosing another mailbox stays possible while one is chosen
    assert str(admin["extension_id"]) in mailbox_options(page)


def test_it_names_mailboxes_the_directory_no_longer_lists(
    alice_client: Client, rc: RunningEmulator
) -> None:
    alice = User.objects.get(rc_extension_id=extension_of(rc, "admin"))
    log_entry(alice, extension_id=GONE_EXTENSION, detail="gone")
    log_entry(alice, extension_id=GONE_EXTENSION + 1, detail="gone, once bulk deleted")
    BulkDeleteJob.objects.create(
        owner=alice,
        account_id=alice.rc_account_id or 0,
        extension_id=GONE_EXTENSION + 1,
        mailbox_label="<b>Erin</b> (ext. 199)",
    )

    page = alice_client.get(reverse("inbox:audit_log")).content.decode()

    options = mailbox_options(page)
    assert options[str(GONE_EXTENSION)] == f"Extension id {GONE_EXTENSION}"
    assert options[str(GONE_EXTENSION + 1)] == "&lt;b&gt;Erin&lt;/b&gt; (ext. 199)"


def test_it_keeps_a_mailbox_typed_in_the_address(alice_client: Client) -> None:
    page = alice_client.get(reverse("inbox:audit_log"), {"mailbox": "31337"}).content.decode()

    assert '<option value="31337" selected>Extension id 31337</option>' in page


def test_it_lists_the_mailboxes_when_ringcentral_does_not_answer(
    fresh_rc: RunningEmulator,
) -> None:
    alice_client = signed_in(fresh_rc, "admin")
    alice = User.objects.get(rc_extension_id=extension_of(fresh_rc, "admin"))
    bob = fresh_rc.user("agent")
    User.objects.create_user(
        "bob",
        first_name="Bob",
        last_name="Local",
        rc_account_id=alice.rc_account_id,
        rc_extension_id=int(bob["extension_id"]),
        rc_extension_number=bob["extension_number"],
    )
    log_entry(alice, extension_id=int(bob["extension_id"]), detail="in bobs mailbox")
    set_faults(fresh_rc, error_rate=1.0)

    response = alice_client.get(reverse("inbox:audit_log"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "in bobs mailbox" in page
    label = f"Bob Local (ext. {bob['extension_number']})"
    assert mailbox_options(page)[str(bob["extension_id"])] == label
