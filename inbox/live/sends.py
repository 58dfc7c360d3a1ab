"""Send statuses from message sync: an outbound record that RingCentral reports changed and
that is a send's message moves that send on (Queued → Sent → Delivered, or a failure), the
same way the pipeline's own tracker (`inbox.sending.tracking.sends_track`) does.

The rules of what is final and how failures read are `inbox.sending.status`'s, shared with the
tracker rather than kept here a second time.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from inbox.models import Send
from inbox.sending.status import send_status_apply
from rcapi import Message


def sends_apply_records(*, extension_id: int, records: Iterable[Message]) -> int:
    """Update the unfinished sends of the mailbox whose RingCentral message is among
    `records`; the number of sends changed."""
    by_id = {m.id: m for m in records if m.direction in (None, "Outbound")}
    if not by_id:
        return 0
    sends = Send.objects.filter(
        extension_id=extension_id,
        status=Send.Status.SUBMITTED,
        finished_at__isnull=True,
        rc_message_id__in=list(by_id),
    )
    now = timezone.now()
    changed = 0
    for send in sends:
        assert send.rc_message_id is not None
        message = by_id[send.rc_message_id]
        if message.availability in ("Deleted", "Purged") and not message.message_status:
            continue  # a deleted message's record says nothing about delivery
        changed += send_status_apply(send=send, message=message, now=now)
    return changed
