"""Template helpers of the inbox: where a list row or message leads, and file sizes."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

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


_sprite: list[str] = []  # the sprite's address, once looked up (static files don't move)


def _sprite_url() -> str:
    if not _sprite:
        _sprite.append(static("vendor/lucide/sprite.svg"))
    return _sprite[0]


@receiver(setting_changed)
def _static_settings_changed(*, setting: str, **_: Any) -> None:
    # tests switch static file storages; the address is looked up again under the new one
    if setting in ("STATIC_URL", "STORAGES", "STATICFILES_STORAGE"):
        _sprite.clear()


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
def bubble_about(kind: str, id_: int) -> str:
    """What a bubble's controls ("Mark read", "Delete message…", "Retry") are described by:
    its heading (the kind of message and who) and its time, so a screen reader tells one
    bubble's from the next's while the names stay as the buttons read."""
    return f"{kind}-{id_}-heading {kind}-{id_}-time"


@register.filter
def phone(number: str) -> str:
    """A phone number as people read it: `+16505550101` as `(650) 555-0101`."""
    return format_number(number)


# ------------------------------------------------------------------ the list's rows, cached
#
# A list page renders the same rows again and again (every view, every live refresh) while
# their conversations do not change. Each row's HTML is kept per process, keyed by everything
# it shows: the row itself (its newest message, read state, parties), its ownership, and the
# page's own settings. A changed row has another key, so nothing stale is ever served. The
# per-request CSRF token is left out of the cached HTML and put in on the way out.

ROW_TEMPLATE = "inbox/conversations/_row.html"
ROW_CACHE_SIZE = 4096
_CSRF_SLOT = "csrf-token-slot-3f9a"
_rows_rendered: OrderedDict[tuple[Any, ...], str] = OrderedDict()


def _row_cached(key: tuple[Any, ...] | None, render: Callable[[], str]) -> str:
    if key is None:
        return render()
    html = _rows_rendered.get(key)
    if html is None:
        html = render()
        _rows_rendered[key] = html
        if len(_rows_rendered) > ROW_CACHE_SIZE:
            _rows_rendered.popitem(last=False)
    else:
        _rows_rendered.move_to_end(key)
    return html


@register.simple_tag(takes_context=True)
def conversation_rows(context: template.Context) -> str:
    """The list page's rows (`_row.html` each), from the per-process cache where unchanged."""
    rows: tuple[MessageView, ...] = context["listing"].page.rows
    states: Mapping[Any, Any] = context.get("row_states") or {}
    mailbox: Mailbox = context["mailbox"]
    settings_of_page = (
        mailbox.extension_id,
        bool(context.get("can_bulk")),
        context.get("list_here"),
        context.get("here"),
        context.get("current_key"),
        _sprite_url(),
    )
    row_template = context.template.engine.get_template(ROW_TEMPLATE)  # type: ignore[union-attr]
    parts = []
    with context.push(csrf_token=_CSRF_SLOT):
        for row in rows:
            key: tuple[Any, ...] | None = (settings_of_page, row, states.get(row.thread_key))
            try:
                hash(key)
            except TypeError:  # a field that cannot be a key: rendered every time
                key = None

            def render(row: MessageView = row) -> str:
                with context.push(row=row):
                    return str(row_template.render(context))

            parts.append(_row_cached(key, render))
    token = conditional_escape(str(context.get("csrf_token", "")))
    # Safe: every part is a Django template's autoescaped output, and the token is escaped.
    return mark_safe("".join(parts).replace(_CSRF_SLOT, token))  # noqa: S308  # nosec B308 B703


MESSAGE_TEMPLATE = "inbox/conversations/_message.html"


@register.simple_tag(takes_context=True)
def message_bubble(context: template.Context, message: MessageView, send: Any = None) -> str:
    """A message's bubble (`_message.html`), from the same per-process cache as the list's
    rows. A bubble with a send of one's own is rendered every time: its retry form carries an
    idempotency key of its own render."""
    mailbox: Mailbox = context["mailbox"]
    key: tuple[Any, ...] | None = None
    if send is None:
        key = (
            "bubble",
            message,
            mailbox.extension_id,
            mailbox.is_own,
            context.get("here"),
            context.get("back"),
            context.get("unread_next"),
            _sprite_url(),
        )
        try:
            hash(key)
        except TypeError:
            key = None
    bubble_template = context.template.engine.get_template(MESSAGE_TEMPLATE)  # type: ignore[union-attr]

    def render() -> str:
        with context.push(message=message, send=send, csrf_token=_CSRF_SLOT):
            return str(bubble_template.render(context))

    token = conditional_escape(str(context.get("csrf_token", "")))
    # Safe: the bubble is a Django template's autoescaped output, and the token is escaped.
    return mark_safe(_row_cached(key, render).replace(_CSRF_SLOT, token))  # noqa: S308  # nosec B308 B703
