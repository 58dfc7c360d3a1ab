"""Pushed live updates in real Chromium: open pages hear of an inbound SMS through their event
stream (`inbox.live.stream`, served here by pytest-django's live server, so in its bounded WSGI
form) and show it without a reload and without polling the counter; when the stream is
refused, or the page is out of sight, they fall back to the poll. The webhook, the worker's
sync and the counter bump are real, as in test_live_inbox.py."""

from __future__ import annotations

import uuid
from typing import Any

from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.support import AGENT, customer_thread, sign_in
from tests.e2e.test_live_inbox import ringcentral, subscribed, worker  # noqa: F401  (fixtures)
from tests.inbox.live.support import inject_sms
from tests.support.celery_worker import Worker
from tests.support.emulator import RunningEmulator


def test_an_inbound_sms_arrives_through_the_stream_without_a_poll(
    page: Any,
    live_server: Any,
    ringcentral: RunningEmulator,  # noqa: F811
    worker: Worker,  # noqa: F811
) -> None:
    path, customer = customer_thread(ringcentral)
    extension = ringcentral.user(AGENT)["extension_id"]
    poll_path = reverse("inbox:live_state", args=[extension])
    stream_path = reverse("inbox:live_stream")
    requested: list[str] = []
    events: list[Any] = []
    page.context.on("request", lambda request: requested.append(request.url))
    sign_in(page, live_server, ringcentral, path)
    expect(page.get_by_role("heading", name="Reply by SMS")).to_be_visible()
    subscribed(ringcentral, worker)
    listing = page.context.new_page()
    listing.goto(f"{live_server.url}/inbox/{extension}/")
    for open_page in (page, listing):
        expect(open_page.locator("html[data-live-stream=open]")).to_have_count(1)
    page.evaluate(
        """() => { window.liveEvents = [];
             document.addEventListener("inbox:live-event",
               (event) => window.liveEvents.push(event.detail)); }"""
    )

    text = f"Is it in stock? ({uuid.uuid4().hex[:6]})"
    inject_sms(ringcentral, to_extension="102", sender=customer, text=text)

    expect(page.get_by_role("article").filter(has_text=text)).to_be_visible(timeout=10_000)
    expect(listing.locator("[data-row]").filter(has_text=text)).to_be_visible(timeout=10_000)
    events = page.evaluate("window.liveEvents")
    assert any(event["extension_id"] == int(extension) for event in events), events
    assert any(stream_path in url for url in requested), requested
    assert not [url for url in requested if poll_path in url]
    for open_page in (page, listing):
        assert open_page.evaluate("document.documentElement.dataset.live") == "on"


def test_a_page_whose_stream_is_refused_polls_instead(
    page: Any,
    live_server: Any,
    ringcentral: RunningEmulator,  # noqa: F811
    worker: Worker,  # noqa: F811
) -> None:
    path, customer = customer_thread(ringcentral)
    extension = ringcentral.user(AGENT)["extension_id"]
    poll_path = reverse("inbox:live_state", args=[extension])
    polls: list[str] = []
    page.context.route(f"**{reverse('inbox:live_stream')}*", lambda route: route.abort())
    page.context.on(
        "request", lambda request: polls.append(request.url) if poll_path in request.url else None
    )
    sign_in(page, live_server, ringcentral, path)
    expect(page.get_by_role("heading", name="Reply by SMS")).to_be_visible()
    subscribed(ringcentral, worker)
    expect(page.locator("html[data-live-stream=down]")).to_have_count(1)
    # the page's counter as the poll first reads it, so that the change is one
    with page.expect_response(lambda response: poll_path in response.url, timeout=15_000):
        pass
    text = f"Still there? ({uuid.uuid4().hex[:6]})"
    inject_sms(ringcentral, to_extension="102", sender=customer, text=text)

    expect(page.get_by_role("article").filter(has_text=text)).to_be_visible(timeout=15_000)
    assert polls


def test_a_page_out_of_sight_polls_and_streams_again_once_seen(
    page: Any,
    live_server: Any,
    ringcentral: RunningEmulator,  # noqa: F811
) -> None:
    """Over HTTP/1.1 a browser keeps six connections per site for all its tabs: a hidden page
    gives its stream up and polls
    until it is seen again."""
    path, _ = customer_thread(ringcentral)
    extension = ringcentral.user(AGENT)["extension_id"]
    poll_path = reverse("inbox:live_state", args=[extension])
    sign_in(page, live_server, ringcentral, path)
    expect(page.locator("html[data-live-stream=open]")).to_have_count(1)
    seen_as = """(hidden) => {
        Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
        document.dispatchEvent(new Event("visibilitychange"));
    }"""

    with page.expect_response(lambda response: poll_path in response.url, timeout=15_000):
        page.evaluate(seen_as, True)
    expect(page.locator("html[data-live-stream=off]")).to_have_count(1)
    with page.expect_response(lambda response: "/inbox/live/stream/" in response.url):
        page.evaluate(seen_as, False)
    expect(page.locator("html[data-live-stream=open]")).to_have_count(1)
