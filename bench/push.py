"""(push) From RingCentral's webhook to the open page, in Chromium, on a stack of its own with
live updates on as in production: the emulator notifies the dashboard's webhook, the worker
syncs the mailbox into the index, the sync publishes the mailbox's change, the page's event
stream hears it and the page fetches and merges itself.

One person's inbox is open in Chromium. Each probe writes an inbound SMS into the emulator's
store (the clock starts) and the page records, with a MutationObserver, when the row with the
probe's text appears (the clock stops: both clocks are this machine's). The same probes run
again on a page whose event stream is switched off, which falls back to polling, so the two
paths are measured in one run on one machine. The page also reports the layout shift the
arriving rows cause (the browser's Layout Instability API), and what its first load downloads:
the scripts and stylesheets, compressed as the production static files are (gzip, level 9).
"""

from __future__ import annotations

import gzip
import re
import time
from dataclasses import replace
from typing import Any, cast
from urllib.parse import urljoin

import requests

from bench.browser import Browser
from bench.measure import percentile
from bench.report import Aim, Result
from bench.stack import BENCH_DIR, Stack, StackOptions
from emulator.inbound import inbound_sms
from emulator.store import Store

PUSH_AIM_SECONDS = 1.0  # p95, webhook → the row on the open page
FIRST_LOAD_AIM_KB = 150.0  # compressed JS and CSS of the first page
SHIFT_AIM = 0.01  # cumulative layout shift while rows arrive
PROBE_TIMEOUT = 30.0
PAUSE = 4.0  # seconds between probes: each SMS brings two notifications, 2 s apart

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# In the page: when each probe's row first shows, and the layout shift so far.
WATCH = """
() => {
  window.__arrivals = {};
  window.__shift = 0;
  const seen = () => {
    document.querySelectorAll("[data-row]").forEach((row) => {
      const found = /push-probe-(\\d+)/.exec(row.textContent);
      if (found && !(found[1] in window.__arrivals)) {
        window.__arrivals[found[1]] = Date.now();
      }
    });
  };
  new MutationObserver(seen).observe(document.body,
    { subtree: true, childList: true, characterData: true });
  new PerformanceObserver((list) => {
    list.getEntries().forEach((entry) => {
      if (!entry.hadRecentInput) { window.__shift += entry.value; }
    });
  }).observe({ type: "layout-shift", buffered: false });
}
"""
NO_STREAM = "window.EventSource = undefined;"  # the page falls back to its poll


def first_load(browser: Browser, path: str) -> dict[str, Any]:
    """The scripts and stylesheets the page loads, raw and gzip-compressed (level 9)."""
    page = browser.get(path).text
    assets = re.findall(r'<script src="([^"]+)"', page) + re.findall(
        r'<link rel="stylesheet" href="([^"]+)"', page
    )
    raw = compressed = 0
    files = {}
    for asset in assets:
        body = requests.get(urljoin(browser.web_url, asset), timeout=30).content
        packed = len(gzip.compress(body, compresslevel=9))
        files[asset] = {"bytes": len(body), "gzip_bytes": packed}
        raw += len(body)
        compressed += packed
    return {"files": files, "bytes": raw, "gzip_bytes": compressed}


def _probe_write(stack: Stack, to_number: str, number: int) -> float:
    store = Store(stack.emulator_db)
    try:
        with store.write() as db:
            inbound_sms(
                db,
                to_number=to_number,
                from_number=f"+1415301{number:04d}",
                text=f"push-probe-{number} where is my parcel?",
            )
    finally:
        store.close()
    return time.time() * 1000


def probes(page: Any, stack: Stack, to_number: str, numbers: range) -> list[float | None]:
    """Seconds from each probe's SMS to its row on `page` (None: it never showed)."""
    found: list[float | None] = []
    for number in numbers:
        time.sleep(PAUSE)
        written = _probe_write(stack, to_number, number)
        deadline = time.monotonic() + PROBE_TIMEOUT
        arrived = None
        while time.monotonic() < deadline:
            arrived = page.evaluate(f"() => window.__arrivals['{number}'] || null")
            if arrived is not None:
                break
            time.sleep(0.02)
        found.append(None if arrived is None else (arrived - written) / 1000)
    return found


def _seconds(values: list[float | None]) -> dict[str, float | int]:
    shown = [v for v in values if v is not None]
    if not shown:
        return {"n": 0, "missed": len(values)}
    return {
        "n": len(shown),
        "missed": len(values) - len(shown),
        "p50": round(percentile(shown, 0.5), 3),
        "p95": round(percentile(shown, 0.95), 3),
        "max": round(max(shown), 3),
    }


def run(options: StackOptions, probe_count: int) -> Result:
    """Start a stack with live updates on, one person signed in, and probe both paths."""
    import django
    from django.core.management import call_command
    from django.db import connections
    from playwright.sync_api import sync_playwright

    from bench.cli import say
    from bench.mailboxes import Need, prepare
    from bench.team import mailboxes_ready

    result = Result("push")
    stack = Stack(replace(options, live_updates=True), BENCH_DIR / "push-emulator.sqlite3")
    connections.close_all()
    stack.prepare()
    prepared = prepare(stack.emulator_db, Need(users=1))
    django.setup()
    call_command("migrate", "--noinput", verbosity=0)
    try:
        stack.start_emulator()
        stack.start_web()
        stack.start_worker()
        stack.start_beat()
        user = prepared.users[0]
        browser = Browser(stack.web_url, username=user.username, password=user.password)
        browser.sign_in()
        say("push: waiting for the mailbox's subscription and index")
        mailboxes_ready([user.extension_id])
        path = f"/inbox/{user.extension_id}/"
        loaded = first_load(browser, path)
        kb = loaded["gzip_bytes"] / 1024
        result.figures["first_load"] = loaded
        result.row(
            f"first load: {len(loaded['files'])} scripts and stylesheets, raw / gzip",
            f"{loaded['bytes'] / 1024:.0f} KB / {kb:.0f} KB",
            Aim("first load, compressed JS and CSS (KB)", kb, FIRST_LOAD_AIM_KB),
        )
        number = user.direct_number
        cookies = [
            {"name": c.name, "value": c.value or "", "url": stack.web_url}
            for c in browser.http.cookies
        ]
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            figures: dict[str, Any] = {}
            for label, script in (("stream", ""), ("poll", NO_STREAM)):
                context = chromium.new_context(viewport={"width": 1440, "height": 900})
                context.add_cookies(cast(Any, cookies))
                if script:
                    context.add_init_script(script)
                page = context.new_page()
                page.goto(f"{stack.web_url}{path}")
                page.wait_for_selector("[data-row]")
                time.sleep(2.0)  # the stream opened, the first fetches done
                page.evaluate(WATCH)
                say(f"push: {probe_count} probes, {label}")
                first = 1 if label == "stream" else 1 + probe_count
                times = probes(page, stack, number, range(first, first + probe_count))
                figures[label] = {
                    **_seconds(times),
                    "layout_shift": round(float(page.evaluate("() => window.__shift")), 4),
                    "each": times,
                }
                context.close()
            chromium.close()
        result.figures.update(figures)
        pushed, polled = figures["stream"], figures["poll"]
        if pushed.get("n"):
            result.row(
                f"webhook → row on the open list, event stream: p50/p95 ({pushed['n']} SMS)",
                f"{pushed['p50']:.2f}/{pushed['p95']:.2f} s, missed {pushed['missed']}",
                Aim("webhook → open page p95 (s)", float(pushed["p95"]), PUSH_AIM_SECONDS),
            )
        else:
            result.notes.append("no probe reached the page through the event stream")
        if polled.get("n"):
            ratio = (
                f" = {pushed['p95'] / polled['p95']:.2f}x the poll's p95"
                if pushed.get("n") and polled["p95"]
                else ""
            )
            result.row(
                f"webhook → row, stream off (2 s poll): p50/p95 ({polled['n']} SMS)",
                f"{polled['p50']:.2f}/{polled['p95']:.2f} s{ratio}",
            )
        shift = max(float(pushed["layout_shift"]), float(polled["layout_shift"]))
        result.row(
            "layout shift while the rows arrived (cumulative, worse page)",
            f"{shift:.4f}",
            Aim("layout shift while rows arrive", shift, SHIFT_AIM),
        )
    finally:
        stack.stop()
    return result
