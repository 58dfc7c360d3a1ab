"""Fixtures of the notes tests: Support Line (a team mailbox with Sam as its member, Riley
signed in and not one) and a customer's conversation in it."""

from __future__ import annotations

import time

import pytest

from inbox.models import TeamMailbox
from tests.emulator.factories import conversation_of, make_sms, unique_number
from tests.inbox.team.conftest import support_line  # noqa: F401  (a fixture)
from tests.support.emulator import RunningEmulator


@pytest.fixture
def team_thread(rc: RunningEmulator, support_line: TeamMailbox) -> tuple[int, int]:  # noqa: F811
    """(mailbox, conversation): a customer's unread SMS to Support Line, a minute old."""
    message = make_sms(
        rc.db_path,
        support_line.extension_id,
        other_number=unique_number(),
        text="My order is late",
        created_ts=time.time() - 60,
    )
    return support_line.extension_id, conversation_of(rc.db_path, message)
