"""Select all matching with a part of a number: the list shows the conversations whose other
party's number holds those digits (from the index, as RingCentral matches whole numbers only),
so the selection holds the same conversations, counted through RingCentral as every selection
is. Over a window older than the index the list shows nothing and says why; the selection is
refused with that reason instead of silently selecting nothing."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.models import BulkDeleteJob
from tests.emulator.factories import make_sms
from tests.inbox.conftest import extension_of, signed_in
from tests.inbox.index.conftest import recorded, sync  # noqa: F401  (fixture)
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder

CUSTOMER = "+12097731234"  # no demo number holds 77312 or 773-1234
NEIGHBOUR = "+12097731299"  # the same first digits, a different customer
OTHER = "+13125550177"
DAY = 86400.0


@pytest.fixture
def alice_browser(fresh_rc: RunningEmulator, recorded: TaskRecorder) -> Client:  # noqa: F811
    return signed_in(fresh_rc, "admin")


@pytest.fixture
def alice(alice_browser: Client, fresh_rc: RunningEmulator) -> User:
    return User.objects.get(rc_extension_id=extension_of(fresh_rc, "admin"))


def test_all_matching_a_part_of_a_number_selects_the_conversations_the_list_shows(
    fresh_rc: RunningEmulator, alice: User, alice_browser: Client
) -> None:
    extension_id = extension_of(fresh_rc, "admin")
    now = time.time()
    for text, number, ago in [
        ("Partial digits here", CUSTOMER, 3),
        ("And again", CUSTOMER, 2),
        ("A neighbour", NEIGHBOUR, 2),
        ("Someone else", OTHER, 1),
    ]:
        make_sms(fresh_rc.db_path, extension_id, other_number=number, text=text,
                 created_ts=now - ago * DAY)  # fmt: skip
    assert sync(alice).full
    listed = alice_browser.get(
        reverse("inbox:conversations", args=[extension_id]), {"number": "773-12"}
    ).content.decode()
    assert "Partial digits here" not in listed  # the newest of the thread is the row
    assert "And again" in listed and "A neighbour" in listed and "Someone else" not in listed

    preview = alice_browser.post(
        reverse("inbox:bulk_preview", args=[extension_id]),
        {"all_matching": "1", "number": "773-12"},
    )

    assert preview.status_code == 302, preview.content
    job = BulkDeleteJob.objects.get()
    assert preview["Location"] == reverse("inbox:bulk_job", args=[extension_id, job.id])
    assert job.conversation_count == 2
    assert job.message_count == 3
    assert sorted(job.items.values_list("party", flat=True)) == ["(209) 773-1234", "(209) 773-1299"]
    assert job.filters == {"number": "77312"}  # as the list's link back shows it


def test_all_matching_a_part_of_a_number_beyond_the_index_is_refused_with_the_reason(
    fresh_rc: RunningEmulator, alice: User, alice_browser: Client
) -> None:
    extension_id = extension_of(fresh_rc, "admin")
    make_sms(fresh_rc.db_path, extension_id, other_number=CUSTOMER, text="From long ago",
             created_ts=time.time() - 80 * DAY)  # fmt: skip
    assert sync(alice).full
    start = (datetime.now(UTC) - timedelta(days=120)).date().isoformat()

    preview = alice_browser.post(
        reverse("inbox:bulk_preview", args=[extension_id]),
        {"all_matching": "1", "number": "773-12", "start": start},
    )

    assert preview.status_code == 302
    assert preview["Location"] == reverse("inbox:conversations", args=[extension_id])
    assert not BulkDeleteJob.objects.exists()
    said = [str(m) for m in get_messages(preview.wsgi_request)]
    assert said == [
        "Part of a number cannot be looked up this far back: enter the whole number, "
        "or choose later dates."
    ]
