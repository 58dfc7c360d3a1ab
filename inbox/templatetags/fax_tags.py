"""What a fax message in a thread offers: "Resend" (a failed outbound fax) and "Forward" (any
fax that left the queue). Only in the user's own mailbox: RingCentral sends a fax again from
the caller's own extension."""

from __future__ import annotations

from typing import Any

from django import template

from inbox.conversations.presenters import MessageView
from inbox.fax.selectors import fax_can_forward, fax_can_resend

register = template.Library()


@register.simple_tag
def fax_actions_for(mailbox: Any, message: Any) -> dict[str, bool] | None:
    if not isinstance(message, MessageView) or message.type != "Fax":
        return None
    if not getattr(mailbox, "is_own", False):
        return None
    actions = {"resend": fax_can_resend(message), "forward": fax_can_forward(message)}
    return actions if any(actions.values()) else None
