"""Event filters of message subscriptions (REFERENCE §16.3) and what each one is sent.

Two filters are served: the mailbox change feed (`…/message-store`, optionally narrowed by
`type` and `direction`) and new inbound SMS in full (`…/message-store/instant?type=SMS`).
Other filters the platform knows (presence, the fax and voicemail feeds, renewal
reminders) are refused with SUB-508 rather than accepted and never fired.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from emulator.errors import ApiError

_PATH = re.compile(
    r"^/restapi/v1\.0/account/(?P<account>~|\d+)/extension/(?P<extension>~|\d+)"
    r"/message-store(?P<instant>/instant)?$"
)
# notifications spell the voicemail type `Voicemail`; records spell it `VoiceMail` (§2 quirks)
_TYPES = {"Fax": "Fax", "SMS": "SMS", "Pager": "Pager", "Voicemail": "VoiceMail",
          "VoiceMail": "VoiceMail"}  # fmt: skip
_DIRECTIONS = {"Inbound", "Outbound"}


@dataclass(frozen=True)
class EventFilter:
    account_id: int
    extension_id: int
    instant: bool
    message_type: str | None  # record spelling
    direction: str | None

    @property
    def text(self) -> str:
        """The filter as stored and echoed: real ids in place of `~`."""
        base = (
            f"/restapi/v1.0/account/{self.account_id}/extension/{self.extension_id}/message-store"
        )
        if self.instant:
            return f"{base}/instant?type=SMS"
        query = []
        if self.message_type:
            spelled = "Voicemail" if self.message_type == "VoiceMail" else self.message_type
            query.append(f"type={spelled}")
        if self.direction:
            query.append(f"direction={self.direction}")
        return base + ("?" + "&".join(query) if query else "")

    def matches(self, *, extension_id: int, message_type: str, direction: str) -> bool:
        if extension_id != self.extension_id:
            return False
        if self.instant:
            return message_type == "SMS" and direction == "Inbound"
        if self.message_type and message_type != self.message_type:
            return False
        return not self.direction or direction == self.direction


def invalid_filters(filters: list[str]) -> ApiError:
    return ApiError(400, "SUB-508", f"Invalid event filters: [{', '.join(filters)}]")


def parse_filter(
    raw: str, *, account_id: int, extension_id: int, is_admin: bool, known_extensions: set[int]
) -> EventFilter:
    """Resolve `~`, check the subscriber may watch that mailbox, and validate the query."""
    parts = urlsplit(raw.strip())
    match = _PATH.match(parts.path)
    if match is None or parts.scheme or parts.netloc:
        raise invalid_filters([raw])
    account = account_id if match["account"] == "~" else int(match["account"])
    if account != account_id:
        raise ApiError(403, "SUB-406", "Not allowed subscribe for messages of other accounts")
    extension = extension_id if match["extension"] == "~" else int(match["extension"])
    if extension not in known_extensions:
        raise invalid_filters([raw])
    if extension != extension_id and not is_admin:
        raise ApiError(403, "SUB-405", "Not allowed subscribe for messages to other extensions")
    query = parse_qs(parts.query, keep_blank_values=True)
    if set(query) - {"type", "direction"} or any(len(v) != 1 for v in query.values()):
        raise invalid_filters([raw])
    message_type = query.get("type", [None])[0]
    direction = query.get("direction", [None])[0]
    instant = bool(match["instant"])
    if instant:
        if message_type != "SMS" or direction is not None:
            raise invalid_filters([raw])
        return EventFilter(account, extension, True, "SMS", None)
    if message_type is not None and message_type not in _TYPES:
        raise invalid_filters([raw])
    if direction is not None and direction not in _DIRECTIONS:
        raise invalid_filters([raw])
    return EventFilter(
        account, extension, False, _TYPES[message_type] if message_type else None, direction
    )


def from_text(text: str) -> EventFilter:
    """A stored (already resolved and validated) filter."""
    match = _PATH.match(urlsplit(text).path)
    if match is None:
        raise ValueError(text)
    query = parse_qs(urlsplit(text).query)
    message_type = query.get("type", [None])[0]
    return EventFilter(
        int(match["account"]),
        int(match["extension"]),
        bool(match["instant"]),
        _TYPES[message_type] if message_type else None,
        None if match["instant"] else query.get("direction", [None])[0],
    )
