"""Reading scheduled sends: the one a person opens, and those a customer's reply concerns."""

from __future__ import annotations

from django.http import Http404

from accounts.models import User
from inbox.conversations.selectors import Mailbox, mailbox_get_for_user
from inbox.models import Send


def scheduled_send_get_for_user(
    *, user: User, extension_id: int, send_id: int
) -> tuple[Mailbox, Send]:
    """SMS `send_id` of mailbox `extension_id` and the mailbox, if `user` sends from it (their
    own, or a team mailbox they work, where any member may change what the team scheduled);
    Http404 otherwise, whatever the send's state (the caller checks that)."""
    mailbox = mailbox_get_for_user(user=user, extension_id=extension_id)
    if not mailbox.can_send:
        raise Http404("No such message.")
    send = (
        Send.objects.select_related("owner")
        .filter(
            pk=send_id,
            kind=Send.Kind.SMS,
            account_id=mailbox.account_id,
            extension_id=mailbox.extension_id,
        )
        .first()
    )
    if send is None or (mailbox.is_own and send.owner_id != user.pk):
        raise Http404("No such message.")
    return mailbox, send
