"""Reading sends: who may see one, the sends of a thread, and the queue they wait in."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from accounts.models import User
from inbox.models import Send

# A send in one of these is still on its way to RingCentral.
WAITING_STATUSES = (Send.Status.QUEUED, Send.Status.RETRYING, Send.Status.SENDING)


def send_get_for_user(*, user: User, send_id: int) -> Send:
    """Send `send_id` if `user` sent it or is an admin of its account; Http404 otherwise (a
    stranger cannot even learn that it exists)."""
    if not (user.is_authenticated and user.is_active and user.rc_account_id is not None):
        raise Http404("No such message.")
    send = Send.objects.select_related("owner").filter(pk=send_id).first()
    if send is None:
        raise Http404("No such message.")
    if send.owner_id == user.pk:
        return send
    if user.role == User.Role.ADMIN and send.account_id == user.rc_account_id:
        return send
    raise Http404("No such message.")


def sends_in_conversation(*, user: User, extension_id: int, conversation_id: int) -> list[Send]:
    """`user`'s sends in one thread of mailbox `extension_id`, oldest first (newest last)."""
    return list(
        Send.objects.filter(
            owner=user, extension_id=extension_id, conversation_id=conversation_id
        ).order_by("created_at", "id")
    )


def team_sends_in_conversation(
    *, account_id: int, extension_id: int, conversation_id: int
) -> list[Send]:
    """Every member's sends in one thread of a team mailbox, oldest first (the caller checked
    that the viewer may open the mailbox)."""
    return list(
        Send.objects.select_related("owner")
        .filter(account_id=account_id, extension_id=extension_id, conversation_id=conversation_id)
        .order_by("created_at", "id")
    )


def send_queue_position(*, send: Send) -> int | None:
    """Where `send` waits among its mailbox's sends still on their way (1 = next, or being
    sent); None when it is not waiting."""
    if send.status not in WAITING_STATUSES:
        return None
    ahead = (
        Send.objects.filter(extension_id=send.extension_id, status__in=WAITING_STATUSES)
        .filter(Q(created_at__lt=send.created_at) | Q(created_at=send.created_at, id__lt=send.id))
        .count()
    )
    return ahead + 1


def sends_waiting(*, extension_id: int) -> int:
    """How many sends of mailbox `extension_id` are still on their way to RingCentral (bulk
    work on the mailbox yields to them)."""
    return Send.objects.filter(extension_id=extension_id, status__in=WAITING_STATUSES).count()
