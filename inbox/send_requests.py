"""Creating sends: one row per idempotency key, its documents stored beside it, and the row
handed to the send pipeline once the transaction has committed.

The kind-specific services (`sms_send_request`, `pager_send_request`, `fax_send_request`, …)
check their input with `inbox.send_rules` and then call `send_create_once`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import File
from django.db import IntegrityError, transaction

from accounts.models import User
from inbox.models import Send, SendDocument
from inbox.send_rules import SendInvalid


@dataclass(frozen=True)
class Document:
    """A file to send: its bytes as a Django `File`, a safe name and its media type."""

    file: File[Any]
    name: str
    content_type: str
    size: int


def send_create_once(
    *,
    user: User,
    kind: Send.Kind,
    idempotency_key: uuid.UUID,
    fields: Mapping[str, Any],
    documents: Sequence[Document] = (),
) -> tuple[Send, bool]:
    """The send of `user` with `idempotency_key`, created from `fields` (Send's field names)
    and `documents` if it does not exist yet; `(send, created)`.

    A key used before returns the earlier send unchanged, whatever the new fields say: the
    same form posted twice, or an API call retried, sends once.
    """
    from inbox.send_pipeline import send_enqueue  # the pipeline imports the models too

    if user.rc_account_id is None or user.rc_extension_id is None:
        raise SendInvalid(
            "Connect your RingCentral account before sending: sign in again.", field="__all__"
        )
    existing = Send.objects.filter(owner=user, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            send = Send.objects.create(
                owner=user,
                kind=kind,
                account_id=user.rc_account_id,
                extension_id=user.rc_extension_id,
                idempotency_key=idempotency_key,
                **fields,
            )
            for position, document in enumerate(documents):
                stored = SendDocument(
                    send=send,
                    position=position,
                    name=document.name,
                    content_type=document.content_type,
                    size=document.size,
                )
                stored.file.save(document.name, document.file, save=False)
                stored.save()
            send_id = send.id
            transaction.on_commit(lambda: send_enqueue(send_id=send_id))
    except IntegrityError:
        # the same key committed by a concurrent request in the meantime
        return Send.objects.get(owner=user, idempotency_key=idempotency_key), False
    return send, True
