"""People and messages of the saved replies' tests."""

from __future__ import annotations

import uuid
from pathlib import Path

from accounts.models import User
from emulator.mailstore import NewAttachment, insert_message, sms_conversation_id
from tests.emulator.factories import store

ACCOUNT = 37_439_510_001
OTHER_ACCOUNT = 99_000_000_001


def person(
    first: str,
    last: str = "",
    *,
    account_id: int = ACCOUNT,
    admin: bool = False,
) -> User:
    """A person signed in with RingCentral (no tokens: these pages never call RingCentral)."""
    extension_id = 5_000_000_000 + int(uuid.uuid4().int % 1_000_000_000)
    return User.objects.create_user(
        username=f"{first.lower()}-{uuid.uuid4().hex[:6]}",
        first_name=first,
        last_name=last,
        rc_account_id=account_id,
        rc_extension_id=extension_id,
        rc_extension_number=str(extension_id % 1000),
        role=User.Role.ADMIN if admin else User.Role.AGENT,
    )


def named_sms(
    db_path: str | Path,
    extension_id: int,
    *,
    number: str,
    name: str | None,
    text: str = "Is my order ready?",
    created_ts: float | None = None,
) -> int:
    """An inbound SMS whose sender RingCentral names `name` (the factories name nobody)."""
    with store(db_path).write() as db:
        extension = db.execute(
            "SELECT account_id FROM extension WHERE id = ?", (extension_id,)
        ).fetchone()
        own = db.execute(
            "SELECT phone_number FROM phone_number WHERE extension_id = ? "
            "ORDER BY is_primary DESC, id",
            (extension_id,),
        ).fetchone()["phone_number"]
        sender: dict[str, str] = {"phoneNumber": number}
        if name is not None:
            sender["name"] = name
        return insert_message(
            db,
            account_id=extension["account_id"],
            extension_id=extension_id,
            type="SMS",
            direction="Inbound",
            read_status="Unread",
            message_status="Received",
            body={"from": sender, "to": [{"phoneNumber": own}], "subject": text},
            creation_ts=created_ts,
            conversation_id=sms_conversation_id([own, number]),
            numbers=[own, number],
            attachments=[NewAttachment("Text", "text/plain", text.encode())],
        )
