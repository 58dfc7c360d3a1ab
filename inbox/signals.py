"""What happens in the inbox, for the features that follow it without being imported.

`mailbox_changed` is sent after a change a person made to a mailbox (read state, deletion):
live updates (`inbox.live`) listen and move the mailbox's change counter, so that the mailbox's
other open pages fetch themselves. `team_mailbox_disconnecting` is sent before an admin's
disconnection of a team mailbox ends its session. `messages_indexed` is sent after the
message sync put new received messages into the conversation index (`inbox.index`): ownership
listens, to reopen the conversations they arrived in. `inbound_messages_indexed` carries the
records of those new received messages themselves, the first sync's too: opt-out
(`inbox.optout`) reads customers' STOP and START in them.
"""

from __future__ import annotations

from django.dispatch import Signal

# sent with account_id=…, extension_id=…
mailbox_changed = Signal()

# sent with team=… (an `inbox.models.TeamMailbox`) before its session is ended at RingCentral,
# while its token still works: live updates drop its subscription
team_mailbox_disconnecting = Signal()

# sent with account_id=…, extension_id=…, threads=… (a frozenset of thread keys (kind, id):
# ("conversation", id), or ("message", id) for a fax or voicemail) that received a new inbound
# message in one sync, after the index committed; never for the first sync of a mailbox, which
# only fills the index
messages_indexed = Signal()

# sent with account_id=…, extension_id=…, messages=… (a tuple of `rcapi.Message`: each received
# message, alive, that the index had not held before) after the index committed; also for the
# first sync of a mailbox, whose history may hold a customer's STOP
inbound_messages_indexed = Signal()
