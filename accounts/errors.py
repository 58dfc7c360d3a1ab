"""What can stop a person from using RingCentral here, as errors that carry a sentence for them.

`ReconnectRequired` is rendered by `accounts.middleware.ReconnectMiddleware` as the
"Reconnect to RingCentral" page, wherever a view meets it.
"""

from __future__ import annotations


class ReconnectRequired(Exception):
    """The person's RingCentral session has ended (revoked, expired, or signed out): they must
    sign in with RingCentral again. The message is a sentence they can read."""


class SignInError(Exception):
    """A sign-in that cannot go on. `message` says what happened, for the person signing in;
    `status` is the HTTP status of the page that shows it."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
