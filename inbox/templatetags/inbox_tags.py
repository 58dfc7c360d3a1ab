"""Template helpers of the inbox: where a list row or message leads, and file sizes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html

from inbox.conversations.presenters import AttachmentView, MessageView, format_number
from inbox.conversations.selectors import Mailbox

register = template.Library()


@register.simple_tag
def thread_url(mailbox: Mailbox, message: MessageView) -> str:
    """The page of the message's conversation, or of the message alone (fax, voicemail)."""
    kind, id_ = message.thread_key
    name = "inbox:thread" if kind == "conversation" else "inbox:message"
    return reverse(name, args=[mailbox.extension_id, id_])


@register.simple_tag
def read_status_url(mailbox: Mailbox, message: MessageView) -> str:
    """Where a list row's read toggle posts: its conversation, or the message alone."""
    kind, id_ = message.thread_key
    name = (
        "inbox:conversation_read_status" if kind == "conversation" else "inbox:message_read_status"
    )
    return reverse(name, args=[mailbox.extension_id, id_])


@register.simple_tag
def attachment_url(mailbox: Mailbox, message: MessageView, attachment: AttachmentView) -> str:
    return reverse("inbox:attachment", args=[mailbox.extension_id, message.id, attachment.id])


def _sprite_url() -> str:
    return static("vendor/lucide/sprite.svg")


@register.simple_tag
def icon(name: str, extra_class: str = "") -> str:
    """A Lucide icon from the vendored sprite, hidden from screen readers: the text beside it,
    or its button's accessible name, says what it means."""
    classes = f"icon {extra_class}".strip()
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        classes,
        _sprite_url(),
        name,
    )


_INITIALS_SPLIT = re.compile(r"[\s\-_.]+")


@register.filter
def initials(name: str) -> str:
    """Two letters for an avatar: "Fatima Rossi" -> "FR"; a number -> "#"."""
    words = [w for w in _INITIALS_SPLIT.split(str(name)) if w and w[0].isalpha()]
    if not words:
        return "#"
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[-1][0]).upper()


_TYPE_ICONS = {"SMS": "message-square", "Pager": "messages-square", "Fax": "printer"}


@register.filter
def type_icon(message_type: str) -> str:
    """The icon of a message type: SMS, pager, fax, voicemail."""
    return _TYPE_ICONS.get(message_type, "voicemail" if message_type == "VoiceMail" else "mail")


@register.filter
def state_of(states: Mapping[Any, Any] | None, row: MessageView) -> Any:
    """A list row's ownership (`inbox.ownership.selectors.RowState`), or None."""
    return states.get(row.thread_key) if states else None


@register.filter
def phone(number: str) -> str:
    """A phone number as people read it: `+16505550101` as `(650) 555-0101`."""
    return format_number(number)
