"""Reads the composers need: who a user can page (the enabled users of their RingCentral
account, from the directory the inbox already caches for the mailbox switcher) and which of
their numbers a conversation uses. Both go through `inbox.selectors`' cache."""

from __future__ import annotations

from accounts.models import User
from inbox.cache import mailbox_key
from inbox.selectors import DirectoryEntry, Mailbox, _cached_reads, _directory_fetch, _Fetch
from rcapi import RingCentralClient

OWN_NUMBER_TTL = 24 * 3600


def account_extensions_for_user(*, user: User) -> tuple[DirectoryEntry, ...]:
    """The account's users other than `user`, by extension number; () without a connection."""
    if user.rc_account_id is None or user.rc_extension_id is None:
        return ()
    (entries,) = _cached_reads(user, [_directory_fetch(user)])
    others = [e for e in entries if e.extension_id != user.rc_extension_id]
    return tuple(sorted(others, key=lambda e: (e.extension_number, e.name)))


def conversation_own_number_for_user(
    *, user: User, mailbox: Mailbox, message_id: int
) -> str | None:
    """The number of `user`'s that message `message_id` went from (outbound) or to (inbound):
    the number the conversation uses. Read once from RingCentral, then cached: it never
    changes."""

    def operation(client: RingCentralClient) -> str:
        record = client.get_message(extension_id=mailbox.extension_id, message_id=message_id)
        if record.direction == "Outbound" and record.from_ is not None:
            return record.from_.phone_number or ""
        for party in record.to:
            if party.phone_number in user.sms_numbers:
                return party.phone_number or ""
        return ""

    key = mailbox_key(mailbox.account_id, mailbox.extension_id, "own-number", {"id": message_id})
    (number,) = _cached_reads(user, [_Fetch(key, OWN_NUMBER_TTL, operation)])
    return str(number) or None
