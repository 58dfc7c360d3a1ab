"""(presence) Who is viewing, who is typing: how soon one person's page shows another's
arrival, typing and leaving, in Chromium, on a stack of its own.

The demo admin connects the team mailbox Support Line and makes Sam and Riley its members, as
an admin does through the team pages. Sam and Riley each have a browser context of their
own; Sam keeps a conversation of Support Line open, and his page records, with a
MutationObserver, every change of its presence line ("Riley is viewing") and when it
happened. Each round, Riley:

1. opens the conversation: from his page having loaded (DOMContentLoaded, when presence.js
   has started) until Sam's line says "Riley is viewing";
2. types in the composer: from his first keystroke until Sam's line says "Riley is typing…";
3. leaves it for the inbox's list: from the navigation's start until Sam's line no longer
   names him.

Both pages run in one Chromium, so both clocks are one. The aim is the README's: "Riley is
viewing" within 1 s; gone "within a second or two" after Riley leaves (the page says goodbye
with a beacon rather than waiting for the 10 s expiry). Sam's page asks who is there once a
second, so about half a second of every figure is that poll's wait.
"""

from __future__ import annotations

import random
import time
from typing import Any, cast

from bench.browser import Browser
from bench.measure import percentile
from bench.push import CHROMIUM, CHROMIUM_ARGS
from bench.report import Aim, Result
from bench.stack import BENCH_DIR, Stack, StackOptions
from emulator.identity import DEMO_USERS
from emulator.inbound import inbound_sms
from emulator.store import Store

VIEWING_AIM_SECONDS = 1.0  # "Riley is viewing" within 1 s (README)
TYPING_AIM_SECONDS = 1.0  # the same poll shows typing: the same aim
GONE_AIM_SECONDS = 2.0  # "within a second or two" of leaving
STEP_TIMEOUT = 15.0  # a step not seen by then is counted as missed
CUSTOMER = "+14155550142"
# Each step is timed right after Sam's page saw the one before, that is right after one of its
# once-a-second polls: acting at once would always wait nearly a whole poll. A pause of a
# random part of a second first puts Riley's actions anywhere in Sam's poll, as a person's are.
PHASE = random.Random(18)  # noqa: S311  (a seeded pause, not a secret)

# In Sam's page: every text its presence line takes, and when.
WATCH = """
() => {
  window.__seen = [];
  let last = null;
  const look = () => {
    const line = document.querySelector("[data-presence]");
    const text = line ? line.textContent.trim() : "";
    if (text !== last) {
      last = text;
      window.__seen.push({ text: text, at: Date.now() });
    }
  };
  new MutationObserver(look).observe(document.body,
    { subtree: true, childList: true, characterData: true });
  look();
}
"""
# In Riley's page: when his first keystroke went down.
KEYS = """
() => {
  window.__keyAt = null;
  document.addEventListener("keydown", () => {
    if (window.__keyAt === null) { window.__keyAt = Date.now(); }
  }, true);
}
"""
LOADED = """
() => {
  const nav = performance.getEntriesByType("navigation")[0];
  return performance.timeOrigin + nav.domContentLoadedEventEnd;
}
"""
SEEN_AFTER = """
([since, kind]) => {
  const wanted = {
    viewing: (text) => text.includes("Riley is viewing"),
    typing: (text) => text.includes("Riley is typing"),
    gone: (text) => !text.includes("Riley"),
  }[kind];
  const found = window.__seen.find((entry) => entry.at >= since && wanted(entry.text));
  return found ? found.at : null;
}
"""


def _demo(first_name: str) -> Any:
    return next(user for user in DEMO_USERS if user.first_name == first_name)


def _conversation(stack: Stack, team_number: str) -> int:
    """A customer's SMS to the team mailbox, a minute old: the conversation of the rounds."""
    store = Store(stack.emulator_db)
    try:
        with store.write() as db:
            message_id = inbound_sms(
                db, to_number=team_number, from_number=CUSTOMER,
                text="Where is my parcel?", created_ts=time.time() - 60,
            )[0]  # fmt: skip
        with store.read() as db:
            row = db.execute("SELECT conversation_id FROM message WHERE id = ?", (message_id,))
            return int(row.fetchone()[0])
    finally:
        store.close()


def _seen(page: Any, since: float, kind: str) -> float | None:
    """When Sam's line first showed `kind` at or after `since` (epoch ms); None by the
    deadline."""
    deadline = time.monotonic() + STEP_TIMEOUT
    while time.monotonic() < deadline:
        at = page.evaluate(SEEN_AFTER, [since, kind])
        if at is not None:
            return float(at)
        time.sleep(0.02)
    return None


def _step(page: Any, since: float, kind: str) -> float | None:
    at = _seen(page, since, kind)
    return None if at is None else max(0.0, (at - since) / 1000)


def _seconds(values: list[float | None]) -> dict[str, Any]:
    shown = [v for v in values if v is not None]
    if not shown:
        return {"n": 0, "missed": len(values), "each": values}
    return {
        "n": len(shown),
        "missed": len(values) - len(shown),
        "p50": round(percentile(shown, 0.5), 3),
        "p95": round(percentile(shown, 0.95), 3),
        "max": round(max(shown), 3),
        "each": [None if v is None else round(v, 3) for v in values],
    }


def rounds(sam: Any, riley: Any, thread: str, away: str, count: int) -> dict[str, Any]:
    """`count` rounds of Riley arriving, typing and leaving, timed on Sam's page."""
    steps: dict[str, list[float | None]] = {
        "viewing": [], "viewing_from_navigation": [], "typing": [], "gone": [],
    }  # fmt: skip
    composer = riley.locator("[data-sms-text]")
    for n in range(count):
        time.sleep(PHASE.uniform(0, 1))
        riley.goto(thread)
        riley.wait_for_selector("[data-presence]", state="attached")
        loaded = float(riley.evaluate(LOADED))
        started = float(riley.evaluate("() => performance.timeOrigin"))
        at = _seen(sam, started, "viewing")
        steps["viewing"].append(None if at is None else max(0.0, (at - loaded) / 1000))
        steps["viewing_from_navigation"].append(None if at is None else (at - started) / 1000)
        composer.click()
        time.sleep(PHASE.uniform(0, 1))
        composer.press_sequentially(f"On its way, round {n}", delay=30)
        key_at = riley.evaluate("() => window.__keyAt")
        steps["typing"].append(None if key_at is None else _step(sam, float(key_at), "typing"))
        composer.fill("")  # nothing left to keep: leaving asks nothing
        time.sleep(PHASE.uniform(0, 1))
        left = float(riley.evaluate("() => Date.now()"))
        riley.goto(away)
        steps["gone"].append(_step(sam, left, "gone"))
        # the next round starts with nobody on Sam's line
        _seen(sam, left, "gone")
    return {name: _seconds(values) for name, values in steps.items()}


def run(options: StackOptions, round_count: int) -> Result:
    """Start a stack, connect the team mailbox, open it in two browser contexts, time rounds."""
    import django
    from django.core.management import call_command
    from django.db import connections
    from playwright.sync_api import sync_playwright

    from bench.cli import say
    from bench.mailboxes import TEAM_MAILBOX, Need, prepare
    from bench.team import team_connect

    result = Result("presence")
    stack = Stack(options, BENCH_DIR / "presence-emulator.sqlite3")
    connections.close_all()
    stack.prepare()
    prepare(stack.emulator_db, Need(own_mailboxes=False))
    django.setup()
    call_command("migrate", "--noinput", verbosity=0)
    try:
        stack.start_emulator()
        stack.start_web()
        people: dict[str, Browser] = {}
        for name in ("Alex", "Sam", "Riley"):
            demo = _demo(name)
            people[name] = Browser(stack.web_url, username=demo.username, password=demo.password)
            people[name].sign_in()
        team = team_connect(people["Alex"], TEAM_MAILBOX, [_demo("Sam"), _demo("Riley")])
        conversation = _conversation(stack, team.number)
        thread = f"{stack.web_url}/inbox/{team.extension_id}/conversations/{conversation}/"
        away = f"{stack.web_url}/inbox/{team.extension_id}/"
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

            def page_of(name: str, script: str = "") -> Any:
                context = chromium.new_context(viewport={"width": 1440, "height": 900})
                context.add_cookies(
                    cast(
                        Any,
                        [
                            {"name": c.name, "value": c.value or "", "url": stack.web_url}
                            for c in people[name].http.cookies
                        ],
                    )
                )
                if script:
                    context.add_init_script(script=f"({script})();")
                page = context.new_page()
                page.set_default_timeout(STEP_TIMEOUT * 1000)
                return page

            sam, riley = page_of("Sam"), page_of("Riley", KEYS)
            sam.goto(thread)
            sam.wait_for_selector("[data-presence]", state="attached")
            sam.evaluate(WATCH)
            riley.goto(away)  # one load before the clock: the static files are cached
            say(f"presence: {round_count} rounds of Riley arriving, typing and leaving")
            figures = rounds(sam, riley, thread, away, round_count)
            chromium.close()
        result.figures.update(figures)
        _rows(result, figures)
    finally:
        stack.stop()
    return result


def _rows(result: Result, figures: dict[str, Any]) -> None:
    steps = [
        ("viewing", "Riley's page loaded → \"Riley is viewing\" on Sam's", VIEWING_AIM_SECONDS,
         "arrival"),
        ("typing", "Riley's first keystroke → \"Riley is typing…\"", TYPING_AIM_SECONDS,
         "typing"),
        ("gone", "Riley leaves → his name gone from Sam's line", GONE_AIM_SECONDS, "leaving"),
    ]  # fmt: skip
    for key, measure, aim, what in steps:
        found = figures[key]
        if not found.get("n"):
            result.notes.append(f"presence: no round reached Sam's page ({key})")
            continue
        result.row(
            f"{measure}: p50/p95 ({found['n']} rounds)",
            f"{found['p50']:.2f}/{found['p95']:.2f} s = {found['p95'] / 1.0:.2f}x the 1 s aim, "
            f"missed {found['missed']}",
            Aim(f"presence {what} p95 (s)", float(found["p95"]), aim),
        )
    navigation = figures["viewing_from_navigation"]
    if navigation.get("n"):
        result.row(
            'Riley\'s navigation start → "Riley is viewing" (page load included): p50/p95',
            f"{navigation['p50']:.2f}/{navigation['p95']:.2f} s",
        )
