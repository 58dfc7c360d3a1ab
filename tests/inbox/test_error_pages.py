"""Error pages in the product's own look, with a way back to the inbox; the favicon.

Django's test client runs with DEBUG off, so these are the pages people get in production.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse

from config.urls import handler500
from config.urls import urlpatterns as site_patterns
from tests.inbox.conftest import extension_of
from tests.support.emulator import RunningEmulator

BRAND = '<a class="brand" href="/">Team Inbox</a>'
WAY_BACK = 'href="/inbox/"'


def crashing_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


def refusing_view(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("secret reason for the log")


# the site's own pages, and two that fail the way a bug or a refusal would
urlpatterns = [
    path("api/crash/", crashing_view),  # before the API's own catch-all
    *site_patterns,
    path("crash/", crashing_view),
    path("refuse/", refusing_view),
]
__all__ = ["handler500", "urlpatterns"]  # the site's 500 handler, as in config.urls
with_failing_views = pytest.mark.urls(__name__)


@pytest.mark.django_db
def test_it_answers_an_unknown_page_with_the_products_404(client: Client) -> None:
    response = client.get("/no-such-page/")

    page = response.content.decode()
    assert response.status_code == 404
    assert BRAND in page
    assert "<h1" in page and "Page not found" in page
    assert WAY_BACK in page
    assert "The requested resource was not found on this server" not in page


def test_it_shows_a_stranger_the_products_404_while_signed_in(
    bob_client: Client, rc: RunningEmulator
) -> None:
    admins_mailbox = reverse("inbox:conversations", args=[extension_of(rc, "admin")])

    response = bob_client.get(admins_mailbox)

    page = response.content.decode()
    assert response.status_code == 404
    assert BRAND in page and "Page not found" in page
    assert "Signed in as" in page  # the usual header, with the person's own links
    assert WAY_BACK in page


def test_it_keeps_the_apis_404s_json(bob_client: Client, rc: RunningEmulator) -> None:
    admins_mailbox = reverse("api:conversations", args=[extension_of(rc, "admin")])

    response = bob_client.get(admins_mailbox)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert BRAND.encode() not in response.content


@with_failing_views
@pytest.mark.django_db
def test_it_answers_a_refusal_with_the_products_403(client: Client) -> None:
    response = client.get("/refuse/")

    page = response.content.decode()
    assert response.status_code == 403
    assert BRAND in page
    assert "not allowed" in page
    assert WAY_BACK in page
    assert "secret reason for the log" not in page


@pytest.mark.django_db
def test_it_answers_a_form_without_its_security_token_with_the_products_403() -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("accounts:logout"))

    page = response.content.decode()
    assert response.status_code == 403
    assert BRAND in page
    assert "Reload the page" in page
    assert WAY_BACK in page
    assert "CSRF verification failed" not in page


@pytest.mark.django_db
def test_it_answers_a_bad_request_with_the_products_400(client: Client) -> None:
    response = client.get("/", HTTP_HOST="not-this-site.example")

    page = response.content.decode()
    assert response.status_code == 400
    assert BRAND in page
    assert WAY_BACK in page
    assert "Bad Request (400)" not in page


@with_failing_views
@pytest.mark.django_db
def test_it_answers_a_crash_with_a_self_contained_500() -> None:
    client = Client(raise_request_exception=False)

    response = client.get("/crash/")

    page = response.content.decode()
    assert response.status_code == 500
    assert "Team Inbox" in page and "Something went wrong" in page
    assert WAY_BACK in page
    assert "a bug in a view" not in page
    # nothing it needs can fail in turn: no stylesheet, script or base page to load
    assert "<link" not in page and "<script" not in page
    assert "<style>" in page


@pytest.mark.django_db
def test_it_links_its_favicon_from_every_page(client: Client) -> None:
    page = client.get(reverse("inbox:home")).content.decode()

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page


@pytest.mark.django_db
def test_it_serves_the_favicon(client: Client) -> None:
    response = client.get("/static/favicon.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(response.streaming_content)  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_it_sends_browsers_asking_for_favicon_ico_to_the_icon(client: Client) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
    assert "max-age=86400" in response["Cache-Control"]


@pytest.mark.parametrize(
    "address",
    [
        "/inbox/99999999999999999999/",
        "/inbox/{bob}/conversations/99999999999999999999/",
        "/inbox/{bob}/messages/99999999999999999999/",
    ],
)
def test_it_answers_an_id_past_int64_in_a_page_address_with_the_products_404(
    bob_client: Client, rc: RunningEmulator, address: str
) -> None:
    response = bob_client.get(address.format(bob=extension_of(rc, "agent")))

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@with_failing_views
def test_it_answers_a_crash_under_the_api_with_a_json_500() -> None:
    client = Client(raise_request_exception=False)

    response = client.get("/api/crash/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "server_error"
    assert "a bug in a view" not in response.content.decode()
