"""A fax send as its status page and its status JSON show it: where it is, each recipient's
outcome in words, and what can still be done with it (cancel, resend). Read from the `Send`
row only: the pipeline keeps it up to date, so polling it costs no RingCentral call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from inbox.conversations.presenters import FAX_FAILURES, format_number
from inbox.models import Send

# a fax has no Delivered: Sent is as far as RingCentral follows it
FAX_FINAL_RC_STATUSES = frozenset({"Sent", "SendingFailed", "DeliveryFailed", "Delivered"})
FAILED_RC_STATUSES = frozenset({"SendingFailed", "DeliveryFailed"})
RECIPIENT_LABELS = {
    "Queued": "Queued",
    "Sent": "Sent",
    "Delivered": "Sent",
    "SendingFailed": "Failed",
    "DeliveryFailed": "Failed",
}


@dataclass(frozen=True)
class RecipientStatus:
    number: str
    shown_number: str
    status: str  # RingCentral's messageStatus for this recipient, "" before it has one
    label: str
    reason: str  # why it failed, in words

    @property
    def failed(self) -> bool:
        return self.status in FAILED_RC_STATUSES


@dataclass(frozen=True)
class FaxSendView:
    id: int
    extension_id: int
    status: str  # the pipeline's status (Send.Status)
    rc_status: str
    label: str  # the whole fax, in words
    detail: str  # a sentence: the error, or what happens next
    recipients: tuple[RecipientStatus, ...]
    send_at: datetime | None
    created_at: datetime
    documents: tuple[str, ...]
    cover_index: int | None
    cover_page_text: str
    resolution: str
    rc_message_id: int | None
    original_message_id: int | None
    final: bool
    can_cancel: bool
    can_resend: bool

    @property
    def failed(self) -> bool:
        return self.status == Send.Status.FAILED or self.rc_status in FAILED_RC_STATUSES

    @property
    def is_resend(self) -> bool:
        return self.original_message_id is not None


def _reasons(send: Send) -> dict[str, str]:
    """Each failed number's reason, from `last_error`, where the pipeline writes one sentence
    per failed recipient as `+1…: sentence`."""
    found: dict[str, str] = {}
    text = send.last_error
    marks = sorted(
        (text.find(f"{number}: "), number) for number in send.recipients if f"{number}: " in text
    )
    for i, (start, number) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        found[number] = text[start + len(number) + 2 : end].strip()
    return found


def _recipient(number: str, value: Any, *, fallback: str = "") -> RecipientStatus:
    """`value` is the pipeline's entry for this number: a messageStatus, or a record with
    `status` / `messageStatus` and `faxErrorCode` / `error_code`. `fallback`: the reason
    when the entry has no code."""
    status, code = "", ""
    if isinstance(value, str):
        status = value
    elif isinstance(value, dict):
        status = str(value.get("status") or value.get("messageStatus") or "")
        code = str(value.get("faxErrorCode") or value.get("error_code") or "")
    reason = ""
    if status in FAILED_RC_STATUSES:
        reason = FAX_FAILURES.get(code, f"the fax service gave the reason {code}" if code else "")
        reason = reason or fallback
    return RecipientStatus(
        number=number,
        shown_number=format_number(number),
        status=status,
        label=RECIPIENT_LABELS.get(status, status or "Waiting"),
        reason=reason,
    )


def _scheduled(send: Send, now: datetime) -> bool:
    return send.send_at is not None and send.send_at > now


def _label_and_detail(send: Send, now: datetime) -> tuple[str, str]:
    status = Send.Status
    if send.status == status.QUEUED:
        return "Queued", "Waiting for its turn to go to RingCentral."
    if send.status == status.SENDING:
        return "Sending", "Uploading to RingCentral."
    if send.status == status.RETRYING:
        return "Retrying", send.last_error or "RingCentral did not answer; trying again shortly."
    if send.status == status.FAILED:
        return "Failed", send.last_error or "RingCentral refused this fax."
    if send.status == status.NEEDS_REVIEW:
        return "Needs review", send.last_error or (
            "This fax may have reached RingCentral: check the mailbox before sending it again."
        )
    if send.status == status.CANCELLED:
        return "Cancelled", "This fax was cancelled before it went out."
    # submitted: RingCentral has it
    if send.rc_status in FAILED_RC_STATUSES:
        return "Failed", send.last_error or "The fax could not be sent to every recipient."
    if send.rc_status in ("Sent", "Delivered"):
        return "Sent", "Every recipient's fax machine took the fax."
    if _scheduled(send, now):
        assert send.send_at is not None
        when = timezone.localtime(send.send_at).strftime("%b %-d, %Y, %H:%M %Z")
        return "Scheduled", f"RingCentral will send it at {when}; you can cancel it until then."
    return "Queued", "RingCentral is dialling the recipients."


def fax_send_view(send: Send, *, now: datetime | None = None) -> FaxSendView:
    now = now or timezone.now()
    statuses = send.recipient_statuses if isinstance(send.recipient_statuses, dict) else {}
    reasons = _reasons(send)
    recipients = tuple(
        _recipient(n, statuses.get(n), fallback=reasons.get(n, "")) for n in send.recipients
    )
    label, detail = _label_and_detail(send, now)
    submitted = send.status == Send.Status.SUBMITTED
    final = send.status in (
        Send.Status.FAILED,
        Send.Status.CANCELLED,
        Send.Status.NEEDS_REVIEW,
    ) or (submitted and send.rc_status in FAX_FINAL_RC_STATUSES)
    can_cancel = send.status in (Send.Status.QUEUED, Send.Status.RETRYING) or (
        submitted and send.rc_status == "Queued" and _scheduled(send, now)
    )
    can_resend = (
        submitted
        and send.rc_message_id is not None
        and (send.rc_status in FAILED_RC_STATUSES or any(r.failed for r in recipients))
    )
    return FaxSendView(
        id=send.pk,
        extension_id=send.extension_id,
        status=send.status,
        rc_status=send.rc_status,
        label=label,
        detail=detail,
        recipients=recipients,
        send_at=send.send_at,
        created_at=send.created_at,
        documents=tuple(document.name for document in send.documents.all()),
        cover_index=send.cover_index,
        cover_page_text=send.cover_page_text,
        resolution=send.resolution,
        rc_message_id=send.rc_message_id,
        original_message_id=send.original_message_id,
        final=final,
        can_cancel=can_cancel,
        can_resend=can_resend,
    )


def fax_send_data(view: FaxSendView) -> dict[str, Any]:
    """The status JSON (ids as strings: RingCentral's int64 ids exceed JavaScript numbers)."""
    return {
        "id": str(view.id),
        "status": view.status,
        "rc_status": view.rc_status,
        "status_label": view.label,
        "detail": view.detail,
        "final": view.final,
        "can_cancel": view.can_cancel,
        "can_resend": view.can_resend,
        "rc_message_id": None if view.rc_message_id is None else str(view.rc_message_id),
        "original_message_id": None
        if view.original_message_id is None
        else str(view.original_message_id),
        "send_at": view.send_at,
        "recipients": [
            {
                "number": r.number,
                "status": r.status,
                "status_label": r.label,
                "reason": r.reason,
            }
            for r in view.recipients
        ],
    }
