"""A conversation's CSV is streamed with flat memory: the peak of Python's allocations while
a 5,000-message conversation is exported and read is about what it is for a 500-message one
(the rows are read a batch at a time and each chunk goes out before the next is made), where
holding the file or its rows would take ten times as much."""

from __future__ import annotations

import tracemalloc

from django.urls import reverse

from accounts.models import User
from tests.inbox.exports.support import long_thread, served, server_closes

TEXT = "Could you check the delivery window for my order, please? " * 4  # ~240 characters


def export_peak(user: User, conversation_id: int) -> tuple[int, int]:
    """(peak bytes allocated while the export is made and read, bytes exported)."""
    url = reverse("inbox:conversation_export_csv", args=[user.rc_extension_id, conversation_id])
    tracemalloc.start()
    try:
        response = served(user, url)
        assert response.streaming
        size = 0
        for chunk in response.streaming_content:
            size += len(chunk)  # read and dropped, as a server sends it on
        server_closes(response)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, size


def test_a_5000_message_conversation_exports_with_flat_memory(bob: User) -> None:
    long_thread(bob, 500, conversation_id=500, text=TEXT)
    long_thread(bob, 5000, conversation_id=5000, text=TEXT)
    export_peak(bob, 500)  # once first: what the first request loads (templates, code) is left out

    small_peak, small_size = export_peak(bob, 500)
    large_peak, large_size = export_peak(bob, 5000)

    assert large_size > 9 * small_size  # ten times the rows went out
    assert large_peak < 2 * small_peak, (small_peak, large_peak)
