"""The people of the load test (`python -m bench.load` runs locust on this file): each is one of the
prepared agents, signed in beforehand (`LOAD_PEOPLE`: their session and CSRF cookies and the
mailbox they work: their own, or in the team mode the team mailbox they are members of),
working it as a person at a browser does.

A person opens the conversation list, picks a conversation and opens it, replies to one
thread in three (the reply composer's form, as the browser posts it, then the thread it
redirects to), searches in one round in four (a word the customers write, or a few digits of
their numbers, across every mailbox the person may open), and thinks 2 to 6 s between steps.
While a page is open its scripts run beside: the live poll every 2 s (`/live/`, and the page
fetched again when the counter moves), and the send status poll every 1.5 s while a reply is
unfinished.

Every request carries `X-Bench-Phase` (gunicorn logs it, so the server's own time per page can
be read from the access log); every answer is recorded with its time into `LOAD_SAMPLES` when
the run ends. A page that answers, but not with what a person needs (no conversations in the
list, no composer in a thread, a reply not redirected), counts as an error.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import uuid
from pathlib import Path
from typing import Any

import gevent  # type: ignore[import-untyped]
from locust import HttpUser, between, events, task
from locust.env import Environment
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

LIVE_EVERY = 2.0  # static/js/live.js
STATUS_EVERY = 1.5  # static/js/sending.js
REPLY_SHARE = float(os.environ.get("LOAD_REPLY_SHARE", 1 / 3))
SEARCH_SHARE = float(os.environ.get("LOAD_SEARCH_SHARE", 1 / 4))
# words of the demo customers' messages (emulator/demo.py), and digits of their numbers
SEARCHES = ("order", "refund", "invoice", "delivery", "warranty", "damaged", "555", "650")

CONVERSATION_LINK = r'href="/inbox/{extension}/conversations/(\d+)/'
COMPOSER = re.compile(r'<section class="composer" id="composer".*?</section>', re.S)
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
IDEMPOTENCY_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
FROM_NUMBER = re.compile(r'<option value="([^"]+)"[^>]*selected')
UNFINISHED_SEND = re.compile(r'data-send-id="(\d+)" data-final="false"')
SEARCH_RESULTS = 'id="search-results"'

# As a browser does: a GET sent on a kept-alive connection that the server closed at that very
# moment (its idle timeout, config/gunicorn.py `keepalive`, against a person's think time of 2
# to 6 s) is sent once more on a new connection, instead of failing. Nothing else is retried:
# not a reply (a POST), not an answer with an error status, not a connection refused.
BROWSER_RETRY = Retry(
    total=1, connect=0, read=1, redirect=0, status=0, other=0,
    allowed_methods=frozenset({"GET"}), raise_on_status=False,
)  # fmt: skip

PEOPLE: list[dict[str, Any]] = json.loads(Path(os.environ["LOAD_PEOPLE"]).read_text())
_next_person = itertools.count()
SAMPLES: list[tuple[str, float, float, bool]] = []  # (page, started, milliseconds, ok)


@events.request.add_listener  # type: ignore[untyped-decorator]
def record(
    name: str, response_time: float, exception: BaseException | None, start_time: float, **_: Any
) -> None:
    SAMPLES.append((name, start_time, response_time, exception is None))


@events.quitting.add_listener  # type: ignore[untyped-decorator]
def write_samples(environment: Environment, **_: Any) -> None:
    Path(os.environ["LOAD_SAMPLES"]).write_text(json.dumps(SAMPLES))


class Person(HttpUser):
    wait_time = between(2, 6)

    def on_start(self) -> None:
        index = next(_next_person)
        person = PEOPLE[index % len(PEOPLE)]
        self.extension_id = int(person.get("mailbox") or person["extension_id"])
        for name, value in person["cookies"].items():
            self.client.cookies.set(name, value)
        adapter = self.client.get_adapter("http://")
        assert isinstance(adapter, HTTPAdapter)
        adapter.max_retries = BROWSER_RETRY
        seed = int(os.environ.get("LOAD_SEED", "1")) * 1000 + index
        self.choices = random.Random(seed)  # noqa: S311  (a person's choices, not a secret)
        self.link = re.compile(CONVERSATION_LINK.format(extension=self.extension_id))
        self.conversations: list[int] = []
        self.on_screen = ""  # the page open in the browser, for the live refresh
        self.counter: int | None = None
        self.unfinished: set[int] = set()
        self.scripts = gevent.spawn(self.page_scripts)

    def on_stop(self) -> None:
        self.scripts.kill()

    # ------------------------------------------------------------------ what the person does

    @task
    def work(self) -> None:
        self.open_list()
        self.wait()  # type: ignore[no-untyped-call]
        if not self.conversations:
            return
        conversation = self.choices.choice(self.conversations)
        thread = self.open_thread(conversation)
        if thread and self.choices.random() < REPLY_SHARE:
            self.wait()  # type: ignore[no-untyped-call]
            self.reply(conversation, thread)
        if self.choices.random() < SEARCH_SHARE:
            self.wait()  # type: ignore[no-untyped-call]
            self.search(self.choices.choice(SEARCHES))

    def open_list(self) -> None:
        path = f"/inbox/{self.extension_id}/"
        with self.page("list", path) as answer:
            found = [int(n) for n in dict.fromkeys(self.link.findall(answer.text))]
            if answer.status_code == 200 and not found:
                answer.failure("the list shows no conversation")
        if found:
            self.conversations = found

    def open_thread(self, conversation: int) -> str:
        path = f"/inbox/{self.extension_id}/conversations/{conversation}/"
        with self.page("thread", path) as answer:
            composer = COMPOSER.search(answer.text)
            if answer.status_code == 200 and composer is None:
                answer.failure("the thread has no reply composer")
            self.unfinished.update(int(n) for n in UNFINISHED_SEND.findall(answer.text))
            return composer.group(0) if composer else ""

    def reply(self, conversation: int, composer: str) -> None:
        fields = {
            "csrfmiddlewaretoken": _first(CSRF_FIELD, composer),
            "idempotency_key": _first(IDEMPOTENCY_KEY, composer),
            "from_number": _first(FROM_NUMBER, composer),
            "text": f"Thanks, we are on it. ({uuid.uuid4().hex[:8]})",
        }
        path = f"/inbox/{self.extension_id}/conversations/{conversation}/reply/"
        with self.client.post(
            path,
            data=fields,
            # the browser sends the empty file field of the composer: a multipart form
            files={"attachments": ("", b"", "application/octet-stream")},
            headers={"X-Bench-Phase": "reply"},
            name="reply",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"the reply answered {answer.status_code}, not a redirect")
                return
        self.open_thread(conversation)

    def search(self, text: str) -> None:
        with self.page("search", f"/inbox/search/?q={text}") as answer:
            if answer.status_code == 200 and SEARCH_RESULTS not in answer.text:
                answer.failure("the search page shows no results section")

    # ------------------------------------------------------------------ the page's scripts

    def page(self, phase: str, path: str, **headers: str) -> Any:
        self.on_screen = path
        return self.client.get(
            path, headers={"X-Bench-Phase": phase, **headers}, name=phase, catch_response=True
        )

    def page_scripts(self) -> None:
        """live.js and sending.js of the page on screen, on their own timers."""
        next_live = next_status = time.monotonic()
        while True:
            now = time.monotonic()
            if self.on_screen and now >= next_live:
                next_live = now + LIVE_EVERY
                self.live_poll()
            if self.unfinished and now >= next_status:
                next_status = now + STATUS_EVERY
                self.status_poll()
            gevent.sleep(0.1)

    def live_poll(self) -> None:
        path = f"/inbox/{self.extension_id}/live/"
        with self.client.get(
            path,
            headers={"X-Bench-Phase": "live", "Accept": "application/json"},
            name="live",
            catch_response=True,
        ) as answer:
            counter = answer.json().get("counter") if answer.status_code == 200 else None
        moved = self.counter is not None and counter is not None and counter != self.counter
        self.counter = counter if counter is not None else self.counter
        if moved:
            with self.page("live-refresh", self.on_screen, **{"X-Live-Refresh": "1"}):
                pass

    def status_poll(self) -> None:
        ids = ",".join(str(n) for n in sorted(self.unfinished))
        with self.client.get(
            f"/inbox/{self.extension_id}/sends/status/?ids={ids}",
            headers={"X-Bench-Phase": "send-status", "Accept": "application/json"},
            name="send-status",
            catch_response=True,
        ) as answer:
            if answer.status_code == 200:
                for send in answer.json()["sends"]:
                    if send["final"]:
                        self.unfinished.discard(int(send["id"]))


def _first(pattern: re.Pattern[str], text: str) -> str:
    found = pattern.search(text)
    return found.group(1) if found else ""
