"""How RingCentral's record of a sent message moves its `Send` on: `rc_status`, a fax's
per-recipient statuses, and, once the status is final for the send's kind, `finished_at` and
the sentence saying what went wrong.

These rules live here once. The pipeline applies them to RingCentral's first answer, the
tracker (`inbox.sending.tracking`) to what it polls, and message sync (`inbox.live.sends`) to
records RingCentral reports changed; none keeps a copy of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox.models import Send
from inbox.sending.errors import delivery_error_sentence
from rcapi.records import Message

FAILED_RC_STATUSES = frozenset({"SendingFailed", "DeliveryFailed"})
FINAL_RC_STATUSES: dict[str, frozenset[str]] = {
    Send.Kind.SMS: frozenset({"Delivered", "DeliveryFailed", "SendingFailed"}),
    # a pager message is delivered at once: Sent is its last word
    Send.Kind.PAGER: frozenset({"Sent", "Delivered", "DeliveryFailed", "SendingFailed"}),
    # a fax ends Sent or SendingFailed once no recipient is Queued (REFERENCE §2)
    Send.Kind.FAX: frozenset({"Sent", "SendingFailed", "DeliveryFailed"}),
}


def send_recipient_statuses(*, send: Send, message: Message) -> dict[str, str]:
    """A fax's status per recipient number; {} for other kinds."""
    if send.kind != Send.Kind.FAX:
        return {}
    return {
        party.phone_number: party.message_status or message.message_status or "Queued"
        for party in message.to
        if party.phone_number
    }


def send_final_fields(*, send: Send, message: Message, now: datetime) -> dict[str, Any]:
    """`finished_at`, and what went wrong, once `message`'s status is final for its kind;
    {} while it is not."""
    status = message.message_status or ""
    if send.kind == Send.Kind.FAX and any(party.message_status == "Queued" for party in message.to):
        return {}
    if status not in FINAL_RC_STATUSES[send.kind]:
        return {}
    fields: dict[str, Any] = {"finished_at": now}
    code = message.delivery_error_code
    if send.kind == Send.Kind.FAX:
        failed = [party for party in message.to if party.message_status in FAILED_RC_STATUSES]
        if failed:
            code = failed[0].fax_error_code
            sentences = [
                f"{party.phone_number}: {delivery_error_sentence(party.fax_error_code)}"
                for party in failed
            ]
            fields["error_code"] = code or ""
            fields["last_error"] = " ".join(sentences)
            return fields
    if status in FAILED_RC_STATUSES:
        fields["error_code"] = code or ""
        fields["last_error"] = delivery_error_sentence(code)
    return fields


def send_status_fields(*, send: Send, message: Message, now: datetime) -> dict[str, Any]:
    """The fields of submitted send `send` that RingCentral's later record `message` of it
    sets (a record without a status or recipients keeps what the row knew)."""
    fields: dict[str, Any] = {
        "rc_status": message.message_status or send.rc_status,
        "recipient_statuses": send_recipient_statuses(send=send, message=message)
        or send.recipient_statuses,
    }
    fields.update(send_final_fields(send=send, message=message, now=now))
    return fields


def send_status_apply(*, send: Send, message: Message, now: datetime) -> int:
    """Move unfinished send `send` on by `message`: 1 when its row changed, else 0 (nothing
    new, or the send finished meanwhile and is left as it is)."""
    fields = send_status_fields(send=send, message=message, now=now)
    if all(getattr(send, name) == value for name, value in fields.items()):
        return 0
    return Send.objects.filter(pk=send.pk, finished_at__isnull=True).update(**fields)
