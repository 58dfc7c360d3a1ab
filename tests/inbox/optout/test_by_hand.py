"""A member records or lifts a customer's opt-out by hand, with a reason, from the thread's
panel: audited, access-checked (a stranger gets 404), CSRF-protected, and shown escaped."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.models import AuditEntry, OptOut
from tests.inbox.conftest import extension_of
from tests.inbox.optout.support import customer_texts
from tests.inbox.sending.test_composer import sms_thread, thread_url  # noqa: F401
from tests.inbox.support import found
from tests.support.emulator import RunningEmulator


def change_url(rc: RunningEmulator, which: str = "agent") -> str:
    return reverse("inbox:optout_change", args=[extension_of(rc, which)])


def post(client: Client, rc: RunningEmulator, customer: str, **fields: object) -> object:
    data = {
        "our_number": rc.user("agent")["sms_numbers"][0],
        "customer_number": customer,
        "action": "out",
        "reason": "Asked on the phone not to be texted",
        **fields,
    }
    return client.post(change_url(rc), data)


def pair(rc: RunningEmulator, customer: str) -> OptOut:
    return OptOut.objects.get(
        our_number=rc.user("agent")["sms_numbers"][0], customer_number=customer
    )


def test_a_member_records_an_opt_out_with_a_reason_and_it_is_audited(
    bob_client: Client,
    rc: RunningEmulator,
    sms_thread: tuple[int, str],  # noqa: F811
) -> None:
    conversation_id, customer = sms_thread
    page = bob_client.get(thread_url(rc, conversation_id)).content.decode()
    assert "has not opted out of texts" in page
    assert "Record an opt-out of" in page and 'name="reason"' in page

    answer = post(bob_client, rc, customer, conversation_id=str(conversation_id),
                  next=thread_url(rc, conversation_id))  # fmt: skip

    assert answer.status_code == 302  # type: ignore[attr-defined]
    assert answer["Location"] == thread_url(rc, conversation_id)  # type: ignore[index]
    row = pair(rc, customer)
    assert (row.opted_out, row.source, row.reason) == (
        True, "manual", "Asked on the phone not to be texted",
    )  # fmt: skip
    assert row.changed_by is not None and row.changed_by.rc_extension_id == extension_of(
        rc, "agent"
    )
    entry = AuditEntry.objects.get(action=AuditEntry.Action.OPT_OUT, detail__contains=customer[-4:])
    assert entry.actor == row.changed_by
    assert entry.conversation_id == conversation_id
    assert entry.ip_address == "127.0.0.1"
    assert "Reason: Asked on the phone not to be texted" in entry.detail
    page = bob_client.get(thread_url(rc, conversation_id)).content.decode()
    assert "Recorded: (209) " in page
    panel = found(r'(<section class="details-section optout-panel".*?</section>)', page)
    assert "(recorded by hand by" in panel and "Lift the opt-out of" in panel
    assert "This customer opted out on" in found(r'(<section class="composer".*?</section>)', page)


def test_a_member_lifts_a_customers_stop_by_hand_and_it_is_audited(
    bob_client: Client,
    rc: RunningEmulator,
    sms_thread: tuple[int, str],  # noqa: F811
) -> None:
    conversation_id, customer = sms_thread
    pair_user = User.objects.get(rc_extension_id=extension_of(rc, "agent"))
    assert pair_user.rc_account_id is not None
    customer_texts(
        account_id=pair_user.rc_account_id,
        extension_id=extension_of(rc, "agent"),
        customer=customer,
        our_number=rc.user("agent")["sms_numbers"][0],
        text="STOP",
    )

    answer = post(bob_client, rc, customer, action="in",
                  reason="They called: texts are fine again")  # fmt: skip

    assert answer.status_code == 302  # type: ignore[attr-defined]
    user_row = pair(rc, customer)
    assert (user_row.opted_out, user_row.source) == (False, "manual")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.OPT_IN, detail__contains=customer[-4:])
    assert entry.actor == pair_user
    assert "Reason: They called: texts are fine again" in entry.detail
    page = bob_client.get(thread_url(rc, conversation_id)).content.decode()
    assert "This customer opted out on" not in page


def test_it_requires_a_reason_and_changes_nothing_without_one(
    bob_client: Client,
    rc: RunningEmulator,
    sms_thread: tuple[int, str],  # noqa: F811
) -> None:
    _, customer = sms_thread

    answer = post(bob_client, rc, customer, reason="   ")

    assert answer.status_code == 302  # type: ignore[attr-defined]
    assert not OptOut.objects.filter(customer_number=customer).exists()
    assert not AuditEntry.objects.filter(detail__contains=customer[-4:]).exists()
    follow = bob_client.get(answer["Location"]).content.decode()  # type: ignore[index]
    assert "Say why, so that your team knows later." in follow


def test_it_says_when_there_is_nothing_to_lift(
    bob_client: Client,
    rc: RunningEmulator,
    sms_thread: tuple[int, str],  # noqa: F811
) -> None:
    conversation_id, customer = sms_thread

    answer = post(bob_client, rc, customer, action="in", next=thread_url(rc, conversation_id))

    page = bob_client.get(answer["Location"]).content.decode()  # type: ignore[index]
    assert "has not opted out of texts from (650)" in page
    assert not AuditEntry.objects.filter(detail__contains=customer[-4:]).exists()


def test_it_escapes_the_reason_where_it_shows_it(
    bob_client: Client,
    rc: RunningEmulator,
    sms_thread: tuple[int, str],  # noqa: F811
) -> None:
    conversation_id, customer = sms_thread
    reason = '<img src=x onerror="alert(1)"> said so'

    post(bob_client, rc, customer, reason=reason)

    page = bob_client.get(thread_url(rc, conversation_id)).content.decode()
    assert reason not in page
    assert html.escape(reason) in page


def test_it_hides_the_mailbox_from_a_stranger_and_another_agent(
    dave_client: Client,
    charlie_client: Client,
    rc: RunningEmulator,
    sms_thread: tuple[int, str],  # noqa: F811
) -> None:
    _, customer = sms_thread

    assert post(dave_client, rc, customer).status_code == 404  # type: ignore[attr-defined]
    assert post(charlie_client, rc, customer).status_code == 404  # type: ignore[attr-defined]
    assert not OptOut.objects.filter(customer_number=customer).exists()


def test_it_refuses_a_number_the_mailbox_does_not_send_from(
    bob_client: Client,
    rc: RunningEmulator,
    sms_thread: tuple[int, str],  # noqa: F811
) -> None:
    _, customer = sms_thread

    answer = post(bob_client, rc, customer, our_number="+16505550101")  # the admin's

    assert answer.status_code == 404  # type: ignore[attr-defined]
    assert not OptOut.objects.filter(customer_number=customer).exists()


def test_it_takes_no_post_without_the_csrf_token(
    rc: RunningEmulator,
    bob_client: Client,
    sms_thread: tuple[int, str],  # noqa: F811
) -> None:
    _, customer = sms_thread
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = bob_client.cookies

    assert post(strict, rc, customer).status_code == 403  # type: ignore[attr-defined]
    assert bob_client.get(change_url(rc)).status_code == 405
    assert not OptOut.objects.filter(customer_number=customer).exists()


@pytest.mark.parametrize("number", ["", "not a number", "12"])
def test_it_refuses_a_customer_number_it_cannot_read(
    bob_client: Client, rc: RunningEmulator, number: str
) -> None:
    answer = post(bob_client, rc, number)

    assert answer.status_code == 302  # type: ignore[attr-defined]
    follow = bob_client.get(answer["Location"]).content.decode()  # type: ignore[index]
    assert "Give the customer&#x27;s phone number" in follow


def test_the_audit_log_shows_the_customers_keyword_and_the_members_change(
    alice_client: Client,
    bob_client: Client,
    rc: RunningEmulator,
    sms_thread: tuple[int, str],  # noqa: F811
) -> None:
    _, customer = sms_thread
    bob = User.objects.get(rc_extension_id=extension_of(rc, "agent"))
    assert bob.rc_account_id is not None
    customer_texts(
        account_id=bob.rc_account_id,
        extension_id=extension_of(rc, "agent"),
        customer=customer,
        our_number=rc.user("agent")["sms_numbers"][0],
        text="STOP",
    )
    post(bob_client, rc, customer, action="in", reason="Wrong number texted STOP")

    page = alice_client.get(reverse("inbox:audit_log")).content.decode()

    shown = f"(209) {customer[5:8]}-{customer[8:]}"
    assert f"The customer at {shown}" in page
    assert f"{shown} texted STOP to" in page
    assert "Recorded an opt-out" in page and "Lifted an opt-out" in page
    assert "Reason: Wrong number texted STOP" in page
