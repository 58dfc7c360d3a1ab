"""Template helpers of the inbox: where a list row or message leads, and file sizes."""

from __future__ import annotations

from django import template
from django.urls import reverse

from inbox.conversations.presenters import AttachmentView, MessageView
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
