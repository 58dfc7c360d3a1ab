"""Opt-out's pages: what a thread and its composer show of a customer's opt-out (registered in
`InboxConfig.ready`), and the change by hand a member posts from the thread's panel.

The mailbox is reached through `mailbox_get_for_user` (a 404 for anyone who may not open it),
and only a number the mailbox sends from can have its opt-outs changed there (a 404 for any
other). Nothing here calls RingCentral.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import phonenumbers
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from inbox.conversations.presenters import MessageView
from inbox.conversations.selectors import Thread, mailbox_get_for_user
from inbox.index.records import e164
from inbox.models import OptOut
from inbox.optout import selectors, services
from inbox.web import client_ip, same_site, signed_in_user

SMS_TYPES = frozenset({"SMS", "MMS"})


# --------------------------------------------------------------------------- a thread's numbers


def customer_numbers(messages: Sequence[MessageView]) -> list[str]:
    """The customers of an SMS thread (everyone else, in a group), by the newest message
    that names them, in E.164."""
    for message in reversed(messages):
        if message.type in SMS_TYPES:
            found = [e164(p.phone_number) for p in message.others if p.phone_number]
            if not found and message.other_number:
                found = [e164(n) for n in message.other_number.split(",") if "+" in n]
            if found:
                return list(dict.fromkeys(n for n in found if n))
    return []


def own_numbers(messages: Sequence[MessageView], customers: Sequence[str]) -> list[str]:
    """The mailbox's numbers the thread's SMS used: the sender's of an outbound message, the
    recipient's of a received one."""
    ours: dict[str, None] = {}
    for message in messages:
        if message.type not in SMS_TYPES:
            continue
        if message.direction == "Outbound":
            ours[e164(message.from_number)] = None
        else:
            for number in message.to_numbers:
                if e164(number) not in customers:
                    ours[e164(number)] = None
    ours.pop("", None)
    return list(ours)


# --------------------------------------------------------------------------- what the
# conversations' pages show (registered in `InboxConfig.ready`)


def _optout_view(row: OptOut) -> dict[str, Any]:
    by = row.changed_by
    return {
        "our_number": row.our_number,
        "our_label": selectors.number_label(row.our_number),
        "date": selectors.optout_date(row),
        "at": row.changed_at,
        "how": selectors.optout_how(row),
        "reason": row.reason,
        "by": (by.get_full_name() or by.username) if by is not None else "",
    }


def thread_optout_context(*, user: User, thread: Thread) -> dict[str, Any]:
    """The opt-outs of an SMS thread's customers from the numbers it uses: the thread's panel
    (`optout`) and the composer's notice (`optout_notice`), with the change-by-hand forms for
    those who send from the mailbox."""
    sms = [m for m in thread.messages if m.type in SMS_TYPES]
    if not sms:
        return {}
    mailbox = thread.mailbox
    customers = customer_numbers(sms)
    if not customers:
        return {}
    ours = own_numbers(sms, customers) or [e164(n) for n in mailbox.sms_numbers]
    changeable = [n for n in ours if n in mailbox.sms_numbers] if mailbox.can_send else []
    active = selectors.optouts_active(
        account_id=mailbox.account_id, our_numbers=ours, customer_numbers=customers
    )
    entries = []
    for customer in customers:
        rows = [row for row in active if row.customer_number == customer]
        out_of = {row.our_number for row in rows}
        entries.append(
            {
                "number": customer,
                "label": selectors.number_label(customer),
                "optouts": [_optout_view(row) for row in rows],
                "lift": [(n, selectors.number_label(n)) for n in changeable if n in out_of],
                "record": [(n, selectors.number_label(n)) for n in changeable if n not in out_of],
            }
        )
    first = active[0] if active else None
    notice = ""
    if first is not None:
        whom = (
            "This customer"
            if len(customers) == 1
            else selectors.number_label(first.customer_number)
        )
        notice = (
            f"{whom} opted out on {selectors.optout_date(first)} ({selectors.optout_how(first)})"
            f": texts from {selectors.number_label(first.our_number)} are refused until they "
            "text START."
        )
    return {
        "optout": {
            "entries": entries,
            "action": reverse("inbox:optout_change", args=[mailbox.extension_id]),
            "conversation_id": thread.conversation_id,
            "can_change": bool(changeable),
            "reason_max": services.REASON_MAX,
        },
        "optout_notice": notice,
    }


# --------------------------------------------------------------------------- changes


def _number(raw: str) -> str:
    """`raw` in E.164, or "" when it is no phone number."""
    try:
        parsed = phonenumbers.parse(raw.strip(), None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _id(raw: str) -> int | None:
    """A RingCentral id (int64) given as text, or None."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19 or int(raw) >= 2**63:
        return None
    return int(raw)


@require_POST
@login_required
def optout_change(request: HttpRequest, extension_id: int) -> HttpResponse:
    """Record (`action=out`) or lift (`action=in`) a customer's opt-out from one of the
    mailbox's numbers, with a reason; back where the person was, with a sentence."""
    user = signed_in_user(request)
    mailbox = mailbox_get_for_user(user=user, extension_id=extension_id)
    our_number = _number(request.POST.get("our_number", ""))
    if not mailbox.can_send or our_number not in mailbox.sms_numbers:
        raise Http404("No such number.")
    conversation_id = _id(request.POST.get("conversation_id", ""))
    default = (
        reverse("inbox:thread", args=[mailbox.extension_id, conversation_id])
        if conversation_id is not None
        else reverse("inbox:conversations", args=[mailbox.extension_id])
    )
    back = same_site(request, request.POST.get("next", "")) or default
    customer = _number(request.POST.get("customer_number", ""))
    action = request.POST.get("action", "")
    if not customer:
        messages.error(request, "Give the customer's phone number, with its country code.")
        return redirect(back)
    if action not in {"out", "in"}:
        messages.error(request, "Choose whether to record an opt-out or lift one.")
        return redirect(back)
    try:
        row = services.optout_change(
            user=user,
            mailbox=mailbox,
            our_number=our_number,
            customer_number=customer,
            opted_out=action == "out",
            reason=request.POST.get("reason", ""),
            conversation_id=conversation_id,
            ip_address=client_ip(request),
        )
    except services.OptOutRefused as refused:
        messages.error(request, refused.message)
        return redirect(back)
    customer_label = selectors.number_label(row.customer_number)
    our_label = selectors.number_label(row.our_number)
    if row.opted_out:
        messages.success(
            request, f"Recorded: {customer_label} opted out of texts from {our_label}."
        )
    else:
        messages.success(request, f"Lifted: {customer_label} may be texted from {our_label} again.")
    return redirect(back)
