from __future__ import annotations

from django.test import Client
from django.urls import reverse


def test_it_welcomes_signed_out_visitors(client: Client) -> None:
    response = client.get(reverse("inbox:home"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Team Inbox</title>" in page
    assert "SMS, MMS, pager messages, faxes and" in page
    assert (
        '<a class="button" href="/accounts/login/?next=/inbox/">Sign in with RingCentral</a>'
    ) in page


def test_it_lays_out_the_page_for_keyboard_and_screen_reader_users(client: Client) -> None:
    page = client.get(reverse("inbox:home")).content.decode()

    assert '<a class="skip-link" href="#main">Skip to main content</a>' in page
    assert '<main id="main" tabindex="-1">' in page
    assert '<nav aria-label="Main">' in page
    assert 'href="/" aria-current="page">Home</a>' in page


def test_it_serves_the_stylesheet(client: Client) -> None:
    page = client.get(reverse("inbox:home")).content.decode()

    response = client.get("/static/css/app.css")

    assert 'href="/static/css/app.css"' in page
    assert response.status_code == 200
    assert b".skip-link" in b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_it_offers_signed_in_visitors_their_inbox(bob_client: Client) -> None:
    page = bob_client.get(reverse("inbox:home")).content.decode()

    assert '<a class="button" href="/inbox/">Open your inbox</a>' in page
