"""Send statuses from message sync: an outbound record that RingCentral reports changed and
that is a send's message moves that send on (Queued → Sent → Delivered, or a failure), the
same way the pipeline's own tracker (`inbox.send_pipeline.sends_track`) does.

The rules of what is final and how failures read are the pipeline's; this module reuses them
rather than keeping a second copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from inbox import send_pipeline
from inbox.models import Send
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
        fields: dict[str, Any] = {
            "rc_status": message.message_status or send.rc_status,
            "recipient_statuses": send_pipeline._recipient_statuses(send, message)
            or send.recipient_statuses,
        }
        fields.update(send_pipeline._final_fields(send, message, now))
        if any(getattr(send, name) != value for name, value in fields.items()):
            changed += Send.objects.filter(pk=send.pk, finished_at__isnull=True).update(**fields)
    return changed
