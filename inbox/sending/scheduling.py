"""The rules of a scheduled SMS ("Send later"): the time zone it is chosen in and the time
itself. The composer creates the send held here (`Send.Status.SCHEDULED`); `inbox.scheduled`
edits, cancels and releases it.

A person's time zone is their browser's (an IANA name the composer's script puts in a hidden
field, as the fax composer does); without one (no JavaScript) it is the site's `TIME_ZONE`,
and the label beside the field says which zone the time is read in. The zone is kept on the
send, so the thread shows the time as the person chose it.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from inbox.models import AuditEntry, Send
from inbox.sending.rules import SendInvalid

# The send waits in the queue after it is released: a time closer than this would have passed
# by the time it goes.
MIN_AHEAD = timedelta(minutes=1)
MAX_AHEAD = timedelta(days=365)
FIELD = "send_at"


def default_zone_name() -> str:
    return str(settings.TIME_ZONE)


def schedule_zone(name: str | None) -> zoneinfo.ZoneInfo:
    """The zone a scheduled time is read in: `name` (an IANA name such as `Europe/London`),
    or the site's when none is given."""
    name = (name or "").strip() or default_zone_name()
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SendInvalid(
            f"“{name[:60]}” is not a time zone this server knows: reload the page and choose "
            "the time again.",
            field=FIELD,
        ) from None


def scheduled_for_check(
    value: datetime | None, *, zone: zoneinfo.ZoneInfo, now: datetime | None = None
) -> datetime:
    """The time to send at, as an aware UTC datetime. A time without a zone is a wall-clock
    time in `zone`. It must be at least a minute ahead and at most a year."""
    if value is None:
        raise SendInvalid("Choose the day and time to send it at.", field=FIELD)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    when = value.astimezone(UTC)
    now = now or timezone.now()
    if when < now + MIN_AHEAD:
        raise SendInvalid(
            f"{scheduled_label(when, zone=zone, now=now)} has passed or is less than a minute "
            "away: choose a later time, or send it now.",
            field=FIELD,
        )
    if when > now + MAX_AHEAD:
        raise SendInvalid(
            "Schedule a message at most a year ahead: choose an earlier time.", field=FIELD
        )
    return when


def scheduled_label(when: datetime, *, zone: zoneinfo.ZoneInfo, now: datetime | None = None) -> str:
    """ "Mon 7 Dec, 09:00" in `zone` (with the year when it is not this year's)."""
    local = when.astimezone(zone)
    year = f" {local.year}" if local.year != (now or timezone.now()).astimezone(zone).year else ""
    return f"{local:%a} {local.day} {local:%b}{year}, {local:%H:%M}"


def send_zone(send: Send) -> zoneinfo.ZoneInfo:
    """The zone `send`'s time was chosen in (UTC should the server no longer know it)."""
    try:
        return zoneinfo.ZoneInfo(send.scheduled_zone or default_zone_name())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def send_scheduled_label(send: Send) -> str:
    """When scheduled send `send` goes out, in the zone it was chosen in."""
    assert send.scheduled_for is not None
    return scheduled_label(send.scheduled_for, zone=send_zone(send))


def scheduled_local_input(send: Send) -> str:
    """`send`'s time as a `datetime-local` input's value, in the zone it was chosen in."""
    assert send.scheduled_for is not None
    return send.scheduled_for.astimezone(send_zone(send)).strftime("%Y-%m-%dT%H:%M")


def scheduled_audit_write(
    *,
    send: Send,
    action: AuditEntry.Action,
    detail: str,
    user: User | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    """The audit entry of a change to scheduled send `send`: by `user`, or (None) by the
    dashboard on its own, e.g. a customer's reply cancelling it."""
    return AuditEntry.objects.create(
        actor=user,
        actor_label=AuditEntry.label_of(user) if user is not None else "Team Inbox",
        ip_address=ip_address,
        action=action,
        account_id=send.account_id,
        extension_id=send.extension_id,
        conversation_id=send.conversation_id,
        detail=detail,
    )
