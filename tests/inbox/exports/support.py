"""Helpers of the exports' tests: a mailbox's index filled directly with RingCentral-shaped
records (through the index's own apply, or in bulk for long threads), and what an export
streamed, read back."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator
from typing import Any, cast

from django.core.signals import request_finished
from django.db import close_old_connections
from django.http import StreamingHttpResponse
from django.test import RequestFactory
from django.urls import resolve

from accounts.models import User
from inbox.index.services import index_apply
from inbox.models import IndexedConversation, IndexedMessage
from rcapi import Message
from tests.inbox.index.support import CUSTOMER, OWN, WINDOW, at, iso

_IDS = itertools.count(810_000_000_001)


def mailbox_of(user: User) -> tuple[int, int]:
    assert user.rc_account_id is not None and user.rc_extension_id is not None
    return user.rc_account_id, user.rc_extension_id


def index_fill(user: User, records: Iterable[Message]) -> None:
    """The records in `user`'s mailbox's index, as a sync would write them."""
    account_id, extension_id = mailbox_of(user)
    index_apply(
        account_id=account_id,
        extension_id=extension_id,
        records=list(records),
        full=False,
        window_start=WINDOW,
    )


def with_fields(message: Message, **fields: Any) -> Message:
    """`message`'s record with these record keys changed."""
    return Message.from_json({**message.raw, **fields})


def long_thread(user: User, count: int, *, conversation_id: int, text: str) -> None:
    """A conversation of `count` messages with the customer in `user`'s mailbox's index,
    written in bulk (a sync would take far longer to write as many)."""
    account_id, extension_id = mailbox_of(user)
    rows = []
    for n in range(count):
        message_id = next(_IDS)
        direction = "Inbound" if n % 2 == 0 else "Outbound"
        created = at(n)
        theirs, ours = {"phoneNumber": CUSTOMER}, {"phoneNumber": OWN}
        inbound = direction == "Inbound"
        subject = f"{n}: {text}"
        record = {
            "id": message_id, "type": "SMS", "direction": direction,
            "from": theirs if inbound else ours, "to": [ours if inbound else theirs],
            "subject": subject, "readStatus": "Read",
            "messageStatus": "Received" if inbound else "Delivered", "availability": "Alive",
            "conversationId": conversation_id, "creationTime": iso(created),
            "lastModifiedTime": iso(created),
        }  # fmt: skip
        row = IndexedMessage(
            account_id=account_id, extension_id=extension_id, message_id=message_id,
            thread_kind="conversation", thread_id=conversation_id, type="SMS",
            direction=direction, created_at=created, last_modified_at=created,
            read_status="Read", availability="Alive", numbers=f" {CUSTOMER} {OWN} ",
            text=subject, record=record,
        )  # fmt: skip
        rows.append(row)
    IndexedMessage.objects.bulk_create(rows, batch_size=500)
    IndexedConversation.objects.create(
        account_id=account_id, extension_id=extension_id, thread_kind="conversation",
        thread_id=conversation_id, last_message_id=rows[-1].message_id,
        last_message_at=rows[-1].created_at, last_type="SMS", last_direction="Outbound",
        parties=[{"number": CUSTOMER, "name": ""}], message_count=count, whole=True,
    )  # fmt: skip


def streamed(response: Any) -> str:
    """The whole body of a streamed export."""
    assert isinstance(response, StreamingHttpResponse), response
    assert not response.is_async
    return b"".join(cast(Iterator[bytes], response.streaming_content)).decode()


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def served(user: User, url: str) -> Any:
    """The response of the view at `url` for `user`, as a server holds it before sending it
    (called directly, not through the test client, which closes a streamed response itself
    when it is read to its end)."""
    request = RequestFactory().get(url)
    request.user = user
    match = resolve(url)
    return match.func(request, *match.args, **match.kwargs)


def server_closes(response: Any) -> None:
    """The server closes a response `served` gave: at its end, or early when the client went
    away (the test's database connection kept open, as Django's test client keeps it)."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
