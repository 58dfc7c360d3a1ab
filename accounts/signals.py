"""What sign-in tells the apps that serve signed-in people, without knowing them.

`signed_in` is sent after a person signed in with RingCentral (their credential is stored);
`signing_out` before their RingCentral session is revoked, while their token still works.
Both are sent with `user=`. The inbox listens (live updates start and stop on them).

`extension_connected` is sent after an admin (`by=`) connected an extension no person owns
(`connected=`, an `accounts.services.ConnectedExtension`): the inbox makes it a team mailbox.
"""

from __future__ import annotations

from django.dispatch import Signal

signed_in = Signal()
signing_out = Signal()
extension_connected = Signal()
