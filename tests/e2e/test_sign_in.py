"""Signing in with RingCentral in a real browser, through the emulator's sign-in page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import RingCentralCredential
from tests.support.emulator import RunningEmulator


def sign_in_at_ringcentral(page: Any, person: dict[str, Any]) -> None:
    expect(page.get_by_role("heading", name="Sign in to RingCentral")).to_be_visible()
    page.get_by_label("Email or phone number").fill(person["username"])
    page.get_by_label("Password").fill(person["password"])
    page.get_by_role("button", name="Sign in", exact=True).click()


@pytest.mark.parametrize(("which", "role"), [("agent", "Agent"), ("admin", "Admin")])
def test_it_signs_in_through_the_ringcentral_sign_in_page(
    page: Any, live_server: Any, ringcentral: RunningEmulator, which: str, role: str
) -> None:
    person = ringcentral.user(which)
    page.goto(f"{live_server.url}/")

    page.get_by_role("link", name="Sign in with RingCentral").click()
    sign_in_at_ringcentral(page, person)

    # no page was asked for: signing in lands in the person's own mailbox
    expect(page).to_have_url(f"{live_server.url}/inbox/{person['extension_id']}/")
    page.get_by_role("link", name=person["name"]).click()
    expect(page).to_have_url(f"{live_server.url}/accounts/profile/")
    expect(page.get_by_role("heading", name="You are signed in")).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text(person["name"])
    expect(main).to_contain_text(f"Extension {person['extension_number']}")
    expect(main).to_contain_text(f"Role {role}")
    for number in person["sms_numbers"]:
        expect(main.get_by_role("listitem").filter(has_text=number)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    session = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"


def test_it_signs_out(page: Any, live_server: Any, ringcentral: RunningEmulator) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Sign in with RingCentral").click()
    sign_in_at_ringcentral(page, ringcentral.user("agent"))
    page.get_by_role("link", name=ringcentral.user("agent")["name"]).click()
    expect(page.get_by_role("heading", name="You are signed in")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("link", name="Sign in with RingCentral")).to_be_visible()
    page.goto(f"{live_server.url}/accounts/profile/")
    expect(page.get_by_role("heading", name="Sign in to RingCentral")).to_be_visible()


def test_it_offers_to_reconnect_after_the_session_is_revoked(
    page: Any, live_server: Any, ringcentral: RunningEmulator
) -> None:
    person = ringcentral.user("agent")
    page.goto(f"{live_server.url}/accounts/profile/")
    sign_in_at_ringcentral(page, person)
    expect(page.get_by_role("heading", name="You are signed in")).to_be_visible()
    requests.post(
        f"{ringcentral.url}/_emulator/revoke",
        json={"extensionId": person["extension_id"]},
        timeout=10,
    ).raise_for_status()
    # a minute later: the page checks the connection again once its last check has aged
    RingCentralCredential.objects.update(verified_at=timezone.now() - timedelta(minutes=1))

    page.reload()

    expect(page.get_by_role("heading", name="Reconnect to RingCentral")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Your RingCentral session has ended")
    page.get_by_role("button", name="Reconnect to RingCentral").click()
    sign_in_at_ringcentral(page, person)
    expect(page).to_have_url(f"{live_server.url}/accounts/profile/")
    expect(page.get_by_role("heading", name="You are signed in")).to_be_visible()


def test_it_tells_people_who_cancel_that_they_are_not_signed_in(
    page: Any, live_server: Any, ringcentral: RunningEmulator
) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Sign in with RingCentral").click()

    page.get_by_role("button", name="Cancel").click()

    expect(page.get_by_role("heading", name="You are not signed in")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("You cancelled signing in at RingCentral")
    page.get_by_role("link", name="Sign in again").click()
    expect(page.get_by_role("heading", name="Sign in to RingCentral")).to_be_visible()
