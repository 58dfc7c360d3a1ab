"""What happens in the inbox, for the features that follow it without being imported.

`mailbox_changed` is sent after a change a person made to a mailbox (read state, deletion):
live updates (`inbox.live`) listen and move the mailbox's change counter, so that the mailbox's
other open pages fetch themselves.
"""

from __future__ import annotations

from django.dispatch import Signal

# sent with account_id=…, extension_id=…
mailbox_changed = Signal()
