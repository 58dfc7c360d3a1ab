"""Support Line with Sam (agent) as a member; Alex (admin) may open it too; Riley (agent2)
is signed in and not a member."""

from __future__ import annotations

from tests.inbox.team.conftest import support_line  # noqa: F401  (fixture)
