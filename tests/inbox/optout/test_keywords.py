"""A customer's STOP and START, read off the received SMS the message sync indexes: the
opt-out's state, its order (the newest keyword wins, whatever order the messages come in), and
the audit entries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from emulator.inbound import inbound_sms
from inbox.live.sync import mailbox_sync
from inbox.models import AuditEntry, OptOut
from inbox.optout.selectors import sms_refusal
from inbox.optout.services import optouts_apply_keywords
from tests.emulator.factories import store, unique_number
from tests.inbox.conftest import extension_of, signed_in
from tests.inbox.live.support import live_tasks_record
from tests.inbox.optout.support import keyword_record
from tests.support.emulator import RunningEmulator
from tests.support.sends import tasks_record

ACCOUNT, EXTENSION = 400_000_001, 400_000_101
OURS = "+16505550101"


def apply(*records: Any) -> int:
    return optouts_apply_keywords(account_id=ACCOUNT, extension_id=EXTENSION, messages=records)


def state(customer: str) -> OptOut:
    return OptOut.objects.get(account_id=ACCOUNT, our_number=OURS, customer_number=customer)


@pytest.mark.django_db
def test_it_opts_a_customer_out_on_stop_and_audits_it() -> None:
    customer = unique_number()

    assert apply(keyword_record(customer=customer, our_number=OURS, text=" stop\n")) == 1

    row = state(customer)
    assert (row.opted_out, row.source, row.keyword) == (True, "keyword", "STOP")
    entry = AuditEntry.objects.get(account_id=ACCOUNT, action=AuditEntry.Action.OPT_OUT)
    assert entry.actor is None
    assert entry.actor_label.startswith("The customer at (209) ")
    assert entry.extension_id == EXTENSION
    assert "texted STOP to (650) 555-0101" in entry.detail
    assert entry.message_ids == [str(row.message_id)]


@pytest.mark.django_db
def test_it_lifts_the_opt_out_on_start_and_audits_that_too() -> None:
    customer = unique_number()
    earlier = timezone.now() - timedelta(minutes=5)
    apply(keyword_record(customer=customer, our_number=OURS, text="STOP", at=earlier))

    assert apply(keyword_record(customer=customer, our_number=OURS, text="Unstop")) == 1

    assert state(customer).opted_out is False
    actions = list(
        AuditEntry.objects.filter(account_id=ACCOUNT, detail__contains=customer[-4:])
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["opt_out", "opt_in"]


@pytest.mark.django_db
def test_it_keeps_the_newest_keyword_when_messages_arrive_out_of_order() -> None:
    customer = unique_number()
    now = timezone.now()
    stop_later = keyword_record(customer=customer, our_number=OURS, text="STOP", at=now)
    start_earlier = keyword_record(
        customer=customer, our_number=OURS, text="START", at=now - timedelta(minutes=1)
    )

    apply(stop_later)
    assert apply(start_earlier) == 0  # older than the state the row holds

    assert state(customer).opted_out is True
    # one sync bringing both, in any order, ends the same way
    other = unique_number()
    apply(
        keyword_record(customer=other, our_number=OURS, text="QUIT", at=now),
        keyword_record(customer=other, our_number=OURS, text="YES", at=now - timedelta(seconds=9)),
    )
    assert state(other).opted_out is True


@pytest.mark.django_db
def test_a_late_start_loses_to_a_second_stop_sent_after_it() -> None:
    customer = unique_number()
    now = timezone.now()
    apply(keyword_record(customer=customer, our_number=OURS, text="STOP", at=now - timedelta(3)))
    apply(keyword_record(customer=customer, our_number=OURS, text="STOP", at=now))

    apply(keyword_record(customer=customer, our_number=OURS, text="START", at=now - timedelta(1)))

    assert state(customer).opted_out is True
    assert AuditEntry.objects.filter(detail__contains=customer[-4:]).count() == 1


@pytest.mark.django_db
def test_it_changes_nothing_for_a_repeat_or_a_start_from_someone_never_opted_out() -> None:
    customer = unique_number()
    stop = keyword_record(customer=customer, our_number=OURS, text="STOP")
    apply(stop)

    assert apply(stop) == 0
    assert apply(keyword_record(customer=unique_number(), our_number=OURS, text="START")) == 0
    assert AuditEntry.objects.filter(account_id=ACCOUNT).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "kind", "direction"),
    [
        ("Please stop texting me", "SMS", "Inbound"),
        ("STOP!", "SMS", "Inbound"),
        ("STOP", "SMS", "Outbound"),
        ("STOP", "Pager", "Inbound"),
        ("STOP", "Fax", "Inbound"),
        ("STOP", "VoiceMail", "Inbound"),
    ],
)
def test_it_ignores_anything_but_a_received_sms_that_is_a_keyword(
    text: str, kind: str, direction: str
) -> None:
    customer = unique_number()
    record = keyword_record(
        customer=customer, our_number=OURS, text=text, type=kind, direction=direction
    )

    assert apply(record) == 0
    assert not OptOut.objects.filter(customer_number=customer).exists()


@pytest.mark.django_db
def test_it_refuses_with_a_sentence_naming_every_opted_out_recipient() -> None:
    first, second, fine = unique_number(), unique_number(), unique_number()
    apply(keyword_record(customer=first, our_number=OURS, text="STOP"))
    apply(keyword_record(customer=second, our_number=OURS, text="end"))

    one = sms_refusal(account_id=ACCOUNT, from_number=OURS, recipients=[fine, first])
    both = sms_refusal(account_id=ACCOUNT, from_number=OURS, recipients=[second, fine, first])

    day = timezone.localtime().strftime("%b %Y")
    assert one is not None and one.startswith(f"(209) {first[5:8]}-{first[8:]} opted out")
    assert f"of texts from (650) 555-0101 on {timezone.localtime().day} {day}" in one
    assert "(replied STOP). They must text START before you can message them." in one
    assert both is not None and both.index(second[-4:]) < both.index(first[-4:])
    assert "(replied END)" in both and "remove them from the recipients" in both
    assert sms_refusal(account_id=ACCOUNT, from_number=OURS, recipients=[fine]) is None
    # from another number of the account, or in another account, they may be texted
    assert sms_refusal(account_id=ACCOUNT, from_number="+16505550199", recipients=[first]) is None
    assert sms_refusal(account_id=ACCOUNT + 1, from_number=OURS, recipients=[first]) is None


# --------------------------------------------------------------------------- the real sync


def test_a_stop_in_a_mailboxs_first_sync_and_a_later_start_count(
    rc: RunningEmulator,
    db: None,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    tasks_record(monkeypatch)
    live_tasks_record(monkeypatch)
    signed_in(rc, "agent2")
    charlie = User.objects.get(rc_extension_id=extension_of(rc, "agent2"))
    assert charlie.rc_account_id is not None and charlie.rc_extension_id is not None
    ours = rc.user("agent2")["sms_numbers"][0]
    customer = unique_number()
    with store(rc.db_path).write() as db_:
        inbound_sms(db_, to_number=ours, from_number=customer, text="STOP")

    with django_capture_on_commit_callbacks(execute=True):
        mailbox_sync(account_id=charlie.rc_account_id, extension_id=charlie.rc_extension_id)

    row = OptOut.objects.get(account_id=charlie.rc_account_id, customer_number=customer)
    assert (row.our_number, row.opted_out, row.keyword) == (ours, True, "STOP")

    with store(rc.db_path).write() as db_:
        inbound_sms(db_, to_number=ours, from_number=customer, text="Start")
    with django_capture_on_commit_callbacks(execute=True):
        mailbox_sync(account_id=charlie.rc_account_id, extension_id=charlie.rc_extension_id)

    row.refresh_from_db()
    assert (row.opted_out, row.keyword) == (False, "START")
    assert AuditEntry.objects.filter(
        extension_id=charlie.rc_extension_id, action=AuditEntry.Action.OPT_IN
    ).exists()
