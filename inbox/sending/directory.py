"""What the composers need to know about the people and numbers involved: who a user can page
(the enabled users of their RingCentral account, from the directory the inbox already caches
for the mailbox switcher) and which of their numbers a conversation uses (read from the
thread's own messages, so it costs no RingCentral call)."""

from __future__ import annotations

from collections.abc import Sequence

from accounts.models import User
from inbox.conversations.presenters import MessageView
from inbox.conversations.selectors import DirectoryEntry, account_directory_for_user


def account_extensions_for_user(*, user: User) -> tuple[DirectoryEntry, ...]:
    """The account's users other than `user`, by extension number; () without a connection."""
    others = [
        e for e in account_directory_for_user(user=user) if e.extension_id != user.rc_extension_id
    ]
    return tuple(sorted(others, key=lambda e: (e.extension_number, e.name)))


def conversation_own_number(
    *, messages: Sequence[MessageView], sms_numbers: Sequence[str]
) -> str | None:
    """The number of the user's that the conversation uses: the one its newest message went
    from (outbound) or to (inbound, the recipient among `sms_numbers`); None if it names none.
    `messages` are the thread's, oldest first."""
    if not messages:
        return None
    newest = messages[-1]
    if not newest.inbound:
        return newest.from_number or None
    return next((number for number in newest.to_numbers if number in sms_numbers), None)
