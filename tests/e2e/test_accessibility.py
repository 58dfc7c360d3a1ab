"""Accessibility in real Chromium: axe-core checks every main page in the light and the dark
theme, the workspace's list and thread at a desktop's size and a phone's, and finds nothing
serious or critical.

An admin signs in once; their session then opens one browser context per theme, each with
the theme's cookie (the switch's choice, which the server renders) and the same colour scheme
emulated (what the system would ask for). Signed-out pages (home, a refused sign-in) are
checked in the same context after its cookies are cleared.

axe-core is evaluated into each page with `page.evaluate`, not `page.add_script_tag`: the tag
Playwright adds is an inline script, which the site's policy (`script-src 'self'`) refuses,
while an evaluation comes from the browser's debugging protocol, which no page policy binds.
The pages are checked as they ship, policy and all.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import User
from inbox.models import BulkDeleteItem, BulkDeleteJob, TeamMailbox
from tests.e2e.support import cache_of_its_own, sign_in
from tests.emulator.factories import (
    conversation_of,
    make_fax,
    make_sms,
    make_voicemail,
    unique_number,
)
from tests.support.emulator import RunningEmulator
from tests.support.sends import sms_queue

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
ADMIN = "admin"
SUPPORT_LINE = "201"
THEMES = ("light", "dark")
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
BLOCKING = ("serious", "critical")
RUN_AXE = """() => axe.run(document, { resultTypes: ["violations"] }).then((results) =>
  results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    nodes: violation.nodes.map((node) => ({
      target: node.target.join(" "),
      html: node.html.slice(0, 200),
      summary: node.failureSummary,
    })),
  })))"""


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    cache_of_its_own(settings, "axe-e2e")


@dataclass(frozen=True)
class Screen:
    """A page to check: where it is, what shows it is ready, at which sizes, and what the
    person does there first (opens a menu, a dialog)."""

    name: str
    path: str
    ready: Callable[[Any], Any]
    sizes: tuple[dict[str, int], ...] = (DESKTOP,)
    then: Callable[[Any], Any] | None = None


def main_shown(page: Any) -> Any:
    return page.locator("main")


def list_shown(page: Any) -> Any:
    return page.locator("#list-pane [data-conversations]")


def shortcuts_opened(page: Any) -> None:
    page.locator("html[data-inbox-keys=ready]").wait_for(state="attached")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()


def menu_opened(page: Any) -> None:
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def filters_opened(page: Any) -> None:
    page.get_by_text("More filters").click()
    expect(page.get_by_label("Direction")).to_be_visible()


def notice_shown(page: Any) -> None:
    """What an action says it did, on the page it returns to."""
    page.get_by_role("button", name=re.compile("^Mark conversation (un)?read$")).click()
    expect(page.get_by_role("status").filter(has_text="Marked the conversation")).to_be_visible()


def thread_shown(page: Any) -> Any:
    """The thread, and beside it (where there is room) the list it fetched for itself."""
    if page.viewport_size["width"] >= 768:
        return page.locator("#list-pane [data-conversations]")
    return page.locator("#thread-title")


@dataclass
class Found:
    """Serious and critical violations, by page, theme and size."""

    seen: list[str]

    def add(self, where: str, violations: list[dict[str, Any]]) -> None:
        for violation in violations:
            if violation["impact"] not in BLOCKING:
                continue
            nodes = "\n".join(
                f"      {node['target']}\n        {node['html']}\n        "
                + node["summary"].replace("\n", "\n        ")
                for node in violation["nodes"]
            )
            self.seen.append(
                f"{where}: {violation['id']} ({violation['impact']}) {violation['help']}\n{nodes}"
            )


def axe_violations(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())  # see the module's docstring: not a script tag
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return violations


def check(page: Any, found: Found, theme: str, screen: Screen, base: str) -> None:
    for size in screen.sizes:
        page.set_viewport_size(size)
        page.goto(base + screen.path)
        expect(screen.ready(page).first).to_be_visible()
        page.wait_for_load_state("load")
        if screen.then is not None:
            screen.then(page)
        # the page is drawn in the theme under test, not the other one
        scheme = page.evaluate("() => getComputedStyle(document.documentElement).colorScheme")
        assert scheme == theme, f"{screen.name} in the {theme} theme: color-scheme {scheme}"
        where = f"{screen.name} [{theme}, {size['width']}x{size['height']}] {screen.path}"
        found.add(where, axe_violations(page))


@pytest.fixture
def admin_workspace(
    browser: Any, live_server: Any, ringcentral: RunningEmulator
) -> Iterator[tuple[dict[str, Any], list[Screen]]]:
    """The admin signed in (their browser state), with a conversation they took and replied
    to (the reply waits in the queue: no worker runs), a team mailbox and a bulk deletion
    waiting for its confirmation; the pages to check."""
    admin = ringcentral.user(ADMIN)
    extension = int(admin["extension_id"])
    customer = unique_number()
    make_sms(ringcentral.db_path, extension, other_number=customer,
             text="Is my order ready?", created_ts=time.time() - 600)  # fmt: skip
    make_sms(ringcentral.db_path, extension, other_number=customer, direction="Outbound",
             text="It is, come by at five.", created_ts=time.time() - 300)  # fmt: skip
    last = make_sms(ringcentral.db_path, extension, other_number=customer,
                    text="Great, thank you!", created_ts=time.time() - 120)  # fmt: skip
    conversation = conversation_of(ringcentral.db_path, last)
    fax = make_fax(ringcentral.db_path, extension, created_ts=time.time() - 900)
    voicemail = make_voicemail(ringcentral.db_path, extension, created_ts=time.time() - 1200)

    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    mailbox = f"/inbox/{extension}"
    thread = f"{mailbox}/conversations/{conversation}/"
    sign_in(page, live_server, ringcentral, thread, which=ADMIN)
    page.get_by_role("button", name="Assign to me").click()
    expect(page.locator("[data-ownership-assignee]")).to_have_text("Alex Morgan")
    state = context.storage_state()
    context.close()

    user = User.objects.get(rc_extension_id=extension)
    assert user.rc_account_id is not None
    sms_queue(user, text="Yes: the parcel is on its way.", to=customer)
    client = Client()
    client.force_login(user)
    support = ringcentral.user(SUPPORT_LINE)
    connected = client.post(reverse("inbox:team_connect_jwt"), {"jwt": support["jwt"]})
    assert connected.status_code == 302, connected.content.decode()
    team = TeamMailbox.objects.get(extension_id=int(support["extension_id"]))
    make_sms(ringcentral.db_path, team.extension_id, text="My parcel never came",
             created_ts=time.time() - 200)  # fmt: skip
    job = BulkDeleteJob.objects.create(
        owner=user,
        actor=user,
        account_id=user.rc_account_id,
        extension_id=extension,
        mailbox_label="Alex Morgan (ext. 101)",
        conversation_count=1,
        message_count=3,
    )
    BulkDeleteItem.objects.create(job=job, position=0, conversation_id=conversation)

    both = (DESKTOP, PHONE)
    screens = [
        Screen("the inbox list", f"{mailbox}/", list_shown, both),
        Screen("an open thread", thread, thread_shown, both),
        Screen("the further filters", f"{mailbox}/", list_shown, both, filters_opened),
        Screen("the sidebar's menu", f"{mailbox}/", list_shown, (PHONE,), menu_opened),
        Screen("the keyboard shortcuts", thread, thread_shown, (DESKTOP,), shortcuts_opened),
        Screen("a notice after an action", thread, thread_shown, both, notice_shown),
        Screen("a fax", f"{mailbox}/messages/{fax}/", main_shown, both),
        Screen("a voicemail", f"{mailbox}/messages/{voicemail}/", main_shown, both),
        Screen("a team mailbox's list", f"/inbox/{team.extension_id}/", list_shown),
        Screen("the Mine view", reverse("inbox:ownership_view_all", args=["mine"]), main_shown),
        Screen("the profile", reverse("accounts:profile"), main_shown),
        Screen("a missing page", "/inbox/no-such-page/", main_shown),
        Screen("the audit log", reverse("inbox:audit_log"), main_shown, both),
        Screen("operations", reverse("inbox:ops"), main_shown, both),
        Screen("team mailboxes", reverse("inbox:team_mailboxes"), main_shown, both),
        Screen("a bulk deletion", f"{mailbox}/bulk/{job.id}/", main_shown, both),
        Screen("recently deleted", f"{mailbox}/deleted/", main_shown),
        Screen("the fax form", f"{mailbox}/fax/new/", main_shown),
        Screen("a new conversation", f"{mailbox}/new/sms/", main_shown),
    ]
    yield state, screens


SIGNED_OUT = (
    Screen("home, signed out", "/", main_shown),
    Screen("a refused sign-in", "/accounts/callback/?error=access_denied", main_shown),
)


def test_no_page_has_a_serious_or_critical_violation_in_either_theme(
    browser: Any, live_server: Any, admin_workspace: tuple[dict[str, Any], list[Screen]]
) -> None:
    state, screens = admin_workspace
    found = Found([])
    for theme in THEMES:
        context = browser.new_context(storage_state=state, viewport=DESKTOP)
        context.set_default_timeout(15_000)
        context.add_cookies([{"name": "theme", "value": theme, "url": live_server.url}])
        page = context.new_page()
        page.emulate_media(color_scheme=theme)
        for screen in screens:
            check(page, found, theme, screen, live_server.url)
        context.clear_cookies()
        context.add_cookies([{"name": "theme", "value": theme, "url": live_server.url}])
        for screen in SIGNED_OUT:
            check(page, found, theme, screen, live_server.url)
        context.close()

    assert not found.seen, f"{len(found.seen)} serious or critical violations:\n\n" + (
        "\n\n".join(found.seen)
    )


def test_axe_would_see_a_violation(browser: Any, live_server: Any) -> None:
    """The check itself works: a page made to break a rule reports it."""
    page = browser.new_page()
    try:
        page.goto(f"{live_server.url}/")
        page.evaluate(
            """() => { const image = document.createElement("img");
            image.src = "/static/favicon.svg"; document.querySelector("main").append(image); }"""
        )
        ids = {violation["id"] for violation in axe_violations(page)}
        assert "image-alt" in ids, json.dumps(sorted(ids))
    finally:
        page.close()
