"""Fixtures of the ownership tests: Support Line (a team mailbox with Sam as its member) and
the signed-in people of `tests.inbox.conftest`."""

from __future__ import annotations

from tests.inbox.team.conftest import support_line  # noqa: F401  (a fixture)
