"""Sends as the thread shows them: a status a person reads (Queued, Sent, Delivered, Failed…),
the sentence that goes with it, which buttons apply, and where each bubble sits among the
messages RingCentral lists (a send RingCentral already lists is shown once, in its place).

Customer-written text stays a plain string here: templates escape it, scripts set it with
`textContent`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from accounts.models import RingCentralCredential, User
from inbox.conversations.presenters import MessageView, format_number
from inbox.conversations.selectors import Thread
from inbox.models import Send
from inbox.sending.directory import conversation_own_number
from inbox.sending.errors import delivery_error_sentence
from inbox.sending.forms import PagerReplyForm, SmsReplyForm
from inbox.sending.scheduling import (
    default_zone_name,
    scheduled_local_input,
    send_scheduled_label,
    send_zone,
)

FAILED_RC = frozenset({"SendingFailed", "DeliveryFailed"})
RC_LABELS = {"Queued": "Queued", "Sent": "Sent", "Delivered": "Delivered", "Received": "Sent"}


@dataclass(frozen=True)
class SendView:
    """One send, as its bubble and the status endpoint show it."""

    id: int
    kind: str
    # scheduled, queued, sending, retrying, sent, delivered, failed, needs_review, cancelled
    state: str
    label: str
    detail: str
    final: bool
    can_retry: bool
    can_cancel: bool
    needs_review: bool
    text: str
    recipients: tuple[str, ...]
    from_number: str
    documents: tuple[str, ...]
    created: datetime
    rc_message_id: int | None
    retry_of_id: int | None
    retried_as_id: int | None  # the newest send that sent this failed one again
    # who sent it, in a team mailbox ("Sam via Support Line"); "" in one's own mailbox
    author: str = ""
    # the viewer's own send: only they retry, cancel or review it
    mine: bool = True
    # a scheduled send (state "scheduled"): its time, as shown and as the edit form's value,
    # in the zone it was chosen in (see inbox.sending.scheduling)
    scheduled_for: datetime | None = None
    scheduled_label: str = ""
    scheduled_input: str = ""
    scheduled_zone: str = ""
    cancel_on_reply: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "label": self.label,
            "detail": self.detail,
            "final": self.final,
            "can_retry": self.can_retry,
            "can_cancel": self.can_cancel,
            "needs_review": self.needs_review,
            "rc_message_id": self.rc_message_id,
        }


def _queued_detail(position: int | None) -> str:
    if position is None:
        return "Waiting to be sent."
    if position <= 1:
        return "Next in queue."
    return f"{position} in queue"


def _state(send: Send, position: int | None) -> tuple[str, str, str]:
    """(state, label, detail) of a send."""
    status = Send.Status(send.status)
    if status == Send.Status.SCHEDULED and send.scheduled_for is not None:
        return "scheduled", "Scheduled", f"Scheduled for {send_scheduled_label(send)}"
    if status == Send.Status.QUEUED:
        return "queued", "Queued", _queued_detail(position)
    if status == Send.Status.SENDING:
        return "sending", "Sending", "Going to RingCentral now."
    if status == Send.Status.RETRYING:
        return "retrying", "Queued", send.last_error or "It will be tried again shortly."
    if status == Send.Status.FAILED:
        return "failed", "Failed", send.last_error or "RingCentral did not take this message."
    if status == Send.Status.NEEDS_REVIEW:
        return (
            "needs_review",
            "Needs review",
            send.last_error
            or "This message may have gone out; it was not sent again. Decide what to do.",
        )
    if status == Send.Status.CANCELLED:
        return "cancelled", "Cancelled", send.last_error or "It was not sent."
    # submitted: RingCentral has it; its messageStatus says how far it got
    rc_status = send.rc_status or "Queued"
    if rc_status in FAILED_RC:
        return "failed", "Failed", send.last_error or delivery_error_sentence(send.error_code)
    if rc_status == "Delivered":
        return "delivered", "Delivered", ""
    if rc_status in ("Sent", "Received"):
        return "sent", "Sent", ""
    return "submitted", "Queued", "RingCentral has it and will send it shortly."


def send_author(send: Send, team_name: str) -> str:
    """ "Sam via Support Line": who of the team sent it, as the thread shows it."""
    owner = send.owner
    return f"{owner.first_name or owner.get_full_name() or owner.username} via {team_name}"


def send_view(
    send: Send, *, queue_position: int | None = None, author: str = "", mine: bool = True
) -> SendView:
    state, label, detail = _state(send, queue_position)
    retried_as_id = None
    if state in {"failed", "needs_review"}:  # only these can have been sent again
        retried_as_id = send.retries.order_by("-pk").values_list("pk", flat=True).first()
    final = (
        state in {"failed", "needs_review", "cancelled", "delivered"}
        or send.finished_at is not None
        or (send.kind == Send.Kind.PAGER and state == "sent")  # a pager message ends at Sent
    )
    if send.kind == Send.Kind.PAGER:
        recipients = tuple(f"ext. id {r}" for r in send.recipients)
    else:
        recipients = tuple(format_number(str(r)) for r in send.recipients)
    return SendView(
        id=send.pk,
        kind=send.kind,
        state=state,
        label=label,
        detail=detail,
        final=final,
        can_retry=mine and state == "failed" and retried_as_id is None,  # else the new send
        can_cancel=mine and (state == "queued" or state == "retrying"),
        needs_review=mine and state == "needs_review",
        text=send.text,
        recipients=recipients,
        from_number=format_number(send.from_number),
        documents=tuple(d.name for d in send.documents.all()),
        created=send.created_at,
        rc_message_id=send.rc_message_id,
        retry_of_id=send.retry_of_id,
        author=author,
        mine=mine,
        retried_as_id=retried_as_id,
        **_scheduled_fields(send, state),
    )


def _scheduled_fields(send: Send, state: str) -> dict[str, Any]:
    if state != "scheduled" or send.scheduled_for is None:
        return {}
    return {
        "scheduled_for": send.scheduled_for,
        "scheduled_label": send_scheduled_label(send),
        "scheduled_input": scheduled_local_input(send),
        "scheduled_zone": send_zone(send).key,
        "cancel_on_reply": send.cancel_on_reply,
    }


@dataclass(frozen=True)
class ThreadItem:
    """A bubble of the thread: a message RingCentral lists, a send, or both (the send's live
    status shown on the message it became)."""

    message: MessageView | None
    send: SendView | None

    @property
    def when(self) -> datetime | None:
        if self.message is not None:
            return self.message.created
        if self.send is not None and self.send.scheduled_for is not None:
            return self.send.scheduled_for  # where it will be: after what is there now
        return self.send.created if self.send is not None else None


def thread_items(
    messages: Sequence[MessageView], sends: Sequence[SendView], *, newest_page: bool
) -> list[ThreadItem]:
    """The thread's bubbles in time order. A send whose RingCentral message is listed rides on
    that message; the others are merged in by time (on the newest page only, or ones at least
    as new as the page's oldest message)."""
    by_message = {s.rc_message_id: s for s in sends if s.rc_message_id is not None}
    listed = {m.id for m in messages}
    items = [ThreadItem(m, by_message.get(m.id)) for m in messages]
    oldest = messages[0].created if messages else None
    loose = [
        ThreadItem(None, s)
        for s in sends
        if s.rc_message_id not in listed
        and (newest_page or (oldest is not None and s.created >= oldest))
    ]
    if not loose:
        return items

    def key(item: ThreadItem) -> tuple[float, int]:
        when = item.when
        # messages without a time stay where RingCentral put them (before loose sends)
        return (when.timestamp() if when is not None else float("-inf"), 0 if item.message else 1)

    return sorted(items + loose, key=key)


def sms_reply_recipients(messages: Sequence[MessageView]) -> list[str]:
    """The other party's numbers in an SMS thread (everyone else, in a group)."""
    for message in reversed(messages):
        if message.type in {"SMS", "MMS"} and message.other_number:
            return [n.strip() for n in message.other_number.split(",") if n.strip().startswith("+")]
    return []


def default_from_number(
    *, sms_numbers: Sequence[str], sends: Sequence[Send], used_number: Callable[[], str | None]
) -> str:
    """The number to reply from: the one the person last used in this thread, else the one
    the conversation used (`used_number`, asked only when needed), else their first."""
    for send in reversed(sends):
        if send.kind == Send.Kind.SMS and send.from_number in sms_numbers:
            return send.from_number
    if len(sms_numbers) > 1:
        used = used_number()
        if used is not None and used in sms_numbers:
            return used
    return sms_numbers[0] if sms_numbers else ""


def thread_send_context(
    *,
    user: User,
    thread: Thread,
    sms_form: SmsReplyForm | None = None,
    pager_form: PagerReplyForm | None = None,
) -> dict[str, Any]:
    """What thread.html needs for the sends and the reply composer: the bubbles in order
    (`items`), whether any is unfinished (the page's script then polls), and the composer of
    the thread's kind (SMS or pager), in the user's own mailbox (SMS: a team mailbox too).
    A team mailbox shows every member's sends, each with who sent it."""
    from inbox.sending.selectors import (
        send_queue_position,
        sends_in_conversation,
        team_sends_in_conversation,
    )

    mailbox = thread.mailbox
    sends: list[Send] = []
    if thread.conversation_id is not None and mailbox.is_own:
        sends = sends_in_conversation(
            user=user, extension_id=mailbox.extension_id, conversation_id=thread.conversation_id
        )
    elif thread.conversation_id is not None and mailbox.team is not None:
        sends = team_sends_in_conversation(
            account_id=mailbox.account_id,
            extension_id=mailbox.extension_id,
            conversation_id=thread.conversation_id,
        )
    team_name = mailbox.team.name if mailbox.team is not None else ""
    views = [
        send_view(
            s,
            queue_position=send_queue_position(send=s) if s.status == Send.Status.QUEUED else None,
            author=send_author(s, team_name) if team_name else "",
            mine=s.owner_id == user.pk,
        )
        for s in sends
    ]
    items = thread_items(thread.messages, views, newest_page=thread.page == 1)
    types = {m.type for m in thread.messages}
    composer = ""
    # a team mailbox whose session ended sends nothing (its page says so)
    team_connected = mailbox.team is None or (
        mailbox.team.credential.status == RingCentralCredential.Status.CONNECTED
    )
    if mailbox.can_send and team_connected and thread.conversation_id is not None:
        if types & {"SMS", "MMS"} and mailbox.sms_numbers:
            composer = "sms"
        elif "Pager" in types and mailbox.is_own:
            composer = "pager"
    context: dict[str, Any] = {
        "items": items,
        # a scheduled send changes at its time, hours ahead perhaps: not worth a poll
        "sends_pending": any(not v.final and v.state != "scheduled" for v in views),
        "composer": composer,
        "retry_key": uuid.uuid4(),
    }
    if composer == "sms":
        if sms_form is None:

            def used_number() -> str | None:
                return conversation_own_number(
                    messages=thread.messages, sms_numbers=mailbox.sms_numbers
                )

            number = default_from_number(
                sms_numbers=mailbox.sms_numbers, sends=sends, used_number=used_number
            )
            sms_form = SmsReplyForm(
                sms_numbers=mailbox.sms_numbers, initial={"from_number": number}
            )
        context["sms_form"] = sms_form
        # "Send later" reads the time in the browser's zone (its script fills the field),
        # else in this one
        context["schedule_zone"] = default_zone_name()
        context["reply_to"] = [format_number(n) for n in sms_reply_recipients(thread.messages)]
    elif composer == "pager":
        context["pager_form"] = pager_form or PagerReplyForm()
    return context
