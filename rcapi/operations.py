"""The rate group of every operation the client calls, from the spec's `x-throttling-group`
(REFERENCE §14), so a call takes its slot from the right budget before it is sent.

Answers also name their group (`X-Rate-Limit-Group`); the table is needed anyway because
the slot must be taken before there is an answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

LIGHT = "Light"
MEDIUM = "Medium"
HEAVY = "Heavy"
AUTH = "Auth"
GROUPS = (LIGHT, MEDIUM, HEAVY, AUTH)

RATE_GROUPS: Mapping[str, str] = MappingProxyType(
    {
        # reads
        "listMessages": LIGHT,
        "readMessage": LIGHT,
        "syncMessages": LIGHT,
        "readExtension": LIGHT,
        "listExtensionPhoneNumbers": LIGHT,
        "listFaxCoverPages": LIGHT,
        "listSubscriptions": LIGHT,
        "readSubscription": LIGHT,
        "renewSubscription": LIGHT,
        # changes, downloads and sends
        "updateMessage": MEDIUM,
        "patchMessage": MEDIUM,
        "deleteMessage": MEDIUM,
        "deleteMessageByFilter": MEDIUM,
        "readMessageContent": MEDIUM,
        "createSMSMessage": MEDIUM,
        "createMMS": MEDIUM,
        "createInternalTextMessage": MEDIUM,
        "createSubscription": MEDIUM,
        "updateSubscription": MEDIUM,
        "deleteSubscription": MEDIUM,
        "listExtensions": MEDIUM,  # the spec puts the account's extension list in Medium
        # fax
        "createFaxMessage": HEAVY,
        # OAuth
        "getToken": AUTH,
        "revokeToken": AUTH,
    }
)


def normalize_group(name: str | None) -> str | None:
    """`light` (as the header spells it) → `Light`; unknown names are kept as they are."""
    if not name:
        return None
    return next((group for group in GROUPS if group.lower() == name.strip().lower()), name)
