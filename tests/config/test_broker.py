"""The embedded broker (kombu's filesystem transport, config/broker.py) never hands a worker a
message that is still being written."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from queue import Empty
from typing import Any

import pytest
from kombu.connection import Connection

TRANSPORT = "config.broker:Transport"


@pytest.fixture
def channel(tmp_path: Path) -> Iterator[Any]:
    folder = tmp_path / "messages"
    folder.mkdir()
    (tmp_path / "control").mkdir()
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "control_folder": str(tmp_path / "control"),
    }
    with Connection("filesystem://", transport=TRANSPORT, transport_options=options) as conn:
        yield conn.default_channel


def poll(channel: Any) -> Any:
    try:
        return channel._get("sends")
    except Empty:
        return None


def test_the_embedded_settings_use_this_transport() -> None:
    from django.conf import settings

    if os.environ.get("REDIS_URL"):
        assert settings.CELERY_BROKER_URL.startswith("redis")
        # kombu's Redis transport, surviving the broker's restart (test_redis_broker.py)
        if settings.CELERY_BROKER_URL.startswith("redis://"):
            assert settings.CELERY_BROKER_TRANSPORT == "config.redis_broker:Transport"
    else:
        assert settings.CELERY_BROKER_TRANSPORT == TRANSPORT


def test_a_worker_polling_while_a_message_is_written_finds_nothing_then_the_whole_message(
    channel: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []

    def polled_first(real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            seen.append(poll(channel))
            return real(*args, **kwargs)

        return call

    # kombu serialises after creating the message file, and a rename publishes it: a worker
    # polling at either moment must not take a file that is empty or half written
    monkeypatch.setattr("kombu.transport.filesystem.dumps", polled_first(filesystem_dumps()))
    monkeypatch.setattr("config.broker.dumps", polled_first(filesystem_dumps()))
    monkeypatch.setattr("config.broker.os.replace", polled_first(os.replace))
    channel._put("sends", {"body": "x" * 100_000})

    assert seen and all(found is None for found in seen)
    assert poll(channel) == {"body": "x" * 100_000}
    assert poll(channel) is None


def test_messages_keep_their_order_and_no_partial_file_is_left(channel: Any) -> None:
    for n in range(5):
        channel._put("sends", {"n": n})

    assert [poll(channel) for _ in range(6)] == [
        {"n": 0},
        {"n": 1},
        {"n": 2},
        {"n": 3},
        {"n": 4},
        None,
    ]
    assert not list(Path(channel.data_folder_out).iterdir())


def test_a_publisher_reading_an_exchange_while_it_is_first_bound_finds_no_empty_table(
    channel: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []

    def read_first(real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            seen.append(channel.get_table("tasks"))  # what a publisher reads at this moment
            return real(*args, **kwargs)

        return call

    # the table is written aside and linked into place whole: just before, there is none
    monkeypatch.setattr("config.broker.os.link", read_first(os.link))
    channel._queue_bind("tasks", "sends", "", "sends")
    monkeypatch.undo()
    channel._queue_bind("tasks", "tracks", "", "tracks")  # a later binding joins the table

    assert seen == [[]]
    assert sorted(binding.queue for binding in channel.get_table("tasks")) == ["sends", "tracks"]
    assert not [p for p in Path(channel.control_folder).iterdir() if p.name.startswith(".")]


def filesystem_dumps() -> Callable[..., Any]:
    from kombu.utils.json import dumps

    return dumps
