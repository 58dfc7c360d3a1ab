"""A team mailbox's own session: refreshed on the same single path as a person's, used for its
syncs, and when it ends its members read a sentence (not an error page, not their own
reconnect page) while admins are offered to reconnect it."""

from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import RingCentralCredential
from inbox.live.sync import mailbox_sync
from inbox.models import MailboxSync, TeamMailbox
from inbox.ringcentral import mailbox_user
from tests.inbox.conftest import extension_of
from tests.inbox.live.support import inject_sms
from tests.support.emulator import RunningEmulator


def test_its_token_is_refreshed_once_ahead_of_expiry(
    rc: RunningEmulator, bob_client: Client, support_line: TeamMailbox
) -> None:
    credential = support_line.credential
    RingCentralCredential.objects.filter(pk=credential.pk).update(
        access_expires_at=timezone.now() + timedelta(seconds=5)
    )
    before = RingCentralCredential.objects.get(pk=credential.pk)

    page = bob_client.get(reverse("inbox:conversations", args=[support_line.extension_id]))

    assert page.status_code == 200
    after = RingCentralCredential.objects.get(pk=credential.pk)
    assert after.refreshed_at is not None and before.refreshed_at is not None
    assert after.refreshed_at > before.refreshed_at
    assert after.access_token_encrypted != before.access_token_encrypted
    assert after.status == RingCentralCredential.Status.CONNECTED


def test_members_read_a_sentence_and_admins_a_reconnect_prompt_when_it_is_disconnected(
    rc: RunningEmulator, alice_client: Client, bob_client: Client, support_line: TeamMailbox
) -> None:
    alice_client.post(reverse("inbox:team_mailbox_disconnect", args=[support_line.pk]))
    team_list = reverse("inbox:conversations", args=[support_line.extension_id])

    sams = bob_client.get(team_list)
    alexs = alice_client.get(team_list)

    assert sams.status_code == 503
    text = sams.content.decode()
    assert "Support Line is no longer connected to RingCentral" in text
    assert "An admin needs to reconnect it." in text
    assert "Reconnect it" not in text
    assert "Reconnect it" in alexs.content.decode()
    # Sam's own session is untouched
    own = bob_client.get(reverse("inbox:conversations", args=[extension_of(rc, "agent")]))
    assert own.status_code == 200


def test_its_sync_uses_its_own_session(rc: RunningEmulator, support_line: TeamMailbox) -> None:
    assert (
        mailbox_user(account_id=support_line.account_id, extension_id=support_line.extension_id)
        == support_line.credential
    )
    message_id = inject_sms(rc, to_extension="201", sender="+14155550177", text="Anyone there?")

    outcome = mailbox_sync(
        account_id=support_line.account_id, extension_id=support_line.extension_id
    )

    assert outcome.ran and outcome.full
    state = MailboxSync.objects.get(extension_id=support_line.extension_id)
    assert str(message_id) in state.recent_versions


def test_a_disconnected_team_mailbox_is_not_synced_with_anyone_elses_session(
    rc: RunningEmulator, alice_client: Client, support_line: TeamMailbox
) -> None:
    alice_client.post(reverse("inbox:team_mailbox_disconnect", args=[support_line.pk]))

    outcome = mailbox_sync(
        account_id=support_line.account_id, extension_id=support_line.extension_id
    )

    assert not outcome.ran
    assert (
        "Nobody with a working RingCentral session"
        in MailboxSync.objects.get(extension_id=support_line.extension_id).last_error
    )


def test_a_synced_team_mailbox_still_shows_what_it_has_and_says_it_is_disconnected(
    rc: RunningEmulator, alice_client: Client, bob_client: Client, support_line: TeamMailbox
) -> None:
    mailbox_sync(account_id=support_line.account_id, extension_id=support_line.extension_id)
    alice_client.post(reverse("inbox:team_mailbox_disconnect", args=[support_line.pk]))
    team_list = reverse("inbox:conversations", args=[support_line.extension_id])

    sams = bob_client.get(team_list)
    alexs = alice_client.get(team_list).content.decode()

    assert sams.status_code == 200  # the index still has its conversations
    text = sams.content.decode()
    assert "Support Line is no longer connected to RingCentral" in text
    assert "An admin needs to reconnect it." in text
    assert "data-row" in text
    assert "Reconnect it" in alexs
    link = re.search(rf'href="(/inbox/{support_line.extension_id}/conversations/\d+/)', text)
    assert link is not None
    thread = bob_client.get(link.group(1)).content.decode()
    assert "no longer connected to RingCentral" in thread
    assert "Reply by SMS" not in thread  # nothing can go out from it


def test_the_operations_page_shows_its_sync_and_its_session_under_its_name(
    rc: RunningEmulator, alice_client: Client, support_line: TeamMailbox
) -> None:
    mailbox_sync(account_id=support_line.account_id, extension_id=support_line.extension_id)
    page = alice_client.get(reverse("inbox:ops")).content.decode()

    row = re.search(rf'<tr data-extension="{support_line.extension_id}">(.*?)</tr>', page, re.S)
    assert row is not None, page
    cells = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(1))).strip()
    assert cells.startswith("Support Line ext. 201 · team mailbox None — never")
    assert "1 sync, 1 full" in cells
    assert re.search(r"Connected sign-in ends \w{3} \d+, .* token until ", cells), cells
    # one row for it: not a second, nameless "Extension …" for its sync
    assert page.count(f'<tr data-extension="{support_line.extension_id}">') == 1
    assert f"Extension {support_line.extension_id}" not in page

    RingCentralCredential.objects.filter(pk=support_line.credential.pk).update(
        status=RingCentralCredential.Status.RECONNECT
    )
    again = alice_client.get(reverse("inbox:ops")).content.decode()
    its_row = again.split(f'<tr data-extension="{support_line.extension_id}">')[1]
    assert re.search(r'<span class="badge warning">[^<]+</span>', its_row.split("</tr>")[0])
