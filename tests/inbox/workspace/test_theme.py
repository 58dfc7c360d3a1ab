"""The theme switch: light or dark, remembered in a cookie the pages render with (no flash of
the other theme), and it follows the system until someone picks one."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

THEME = reverse("inbox:theme")


def test_it_renders_the_theme_the_cookie_holds(client: Client) -> None:
    client.cookies["theme"] = "dark"

    page = client.get(reverse("inbox:home")).content.decode()

    assert '<html lang="en" data-theme="dark">' in page
    assert 'value="light" data-theme-button' in page  # the switch offers the other one


def test_it_follows_the_system_without_a_choice_or_with_a_strange_one(client: Client) -> None:
    assert '<html lang="en">' in client.get(reverse("inbox:home")).content.decode()
    client.cookies["theme"] = '"><script>'
    assert '<html lang="en">' in client.get(reverse("inbox:home")).content.decode()


def test_the_switch_remembers_the_choice_and_goes_back(client: Client) -> None:
    answer = client.post(THEME, {"theme": "dark", "next": "/inbox/"})

    assert answer.status_code == 302
    assert answer["Location"] == "/inbox/"
    cookie = answer.cookies["theme"]
    assert cookie.value == "dark"
    assert int(cookie["max-age"]) >= 30 * 24 * 3600
    assert cookie["samesite"] == "Lax"


def test_anything_else_forgets_the_choice(client: Client) -> None:
    client.cookies["theme"] = "dark"

    answer = client.post(THEME, {"theme": "purple"})

    assert answer.cookies["theme"].value == ""  # deleted: the system decides again
    assert answer["Location"] == reverse("inbox:home")


def test_it_goes_back_within_the_site_only(client: Client) -> None:
    answer = client.post(THEME, {"theme": "light", "next": "https://evil.example/"})

    assert answer["Location"] == reverse("inbox:home")


def test_it_needs_the_forms_security_token(client: Client) -> None:
    guarded = Client(enforce_csrf_checks=True)

    assert guarded.post(THEME, {"theme": "dark"}).status_code == 403


def test_it_takes_no_get(client: Client) -> None:
    assert client.get(THEME).status_code == 405
