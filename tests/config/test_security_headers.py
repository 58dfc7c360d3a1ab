"""The content security policy: on pages, the API and the error pages, with no inline script
or style allowed; and no page of the dashboard holds what it refuses (a `<script>` without a
source, an event handler attribute, a `<style>` element, a `style` attribute, a
`javascript:` address), so the policy never has to give way to the site's own markup.

The one inline style is templates/500.html's, self-contained on purpose: the policy allows it
by its hash, which must be the hash of what that page really sends.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.test import Client
from django.urls import path, reverse

from accounts.models import User
from config.urls import handler500
from config.urls import urlpatterns as site_patterns
from inbox.conversations.proxy import SANDBOX_POLICY
from inbox.models import BulkDeleteItem, BulkDeleteJob
from tests.emulator.factories import (
    attachment_ids,
    conversation_of,
    make_fax,
    make_sms,
    unique_number,
)
from tests.inbox.conftest import (  # noqa: F401  (fixtures)
    alice_client,
    bob_client,
    extension_of,
    own_cache,
    own_rate_budget,
    rc,
)
from tests.inbox.support import own_day
from tests.support.emulator import (  # noqa: F401  (fixtures)
    RunningEmulator,
    emulator,
    emulator_factory,
    emulator_template,
)

TEMPLATES = Path(settings.BASE_DIR) / "templates"
HEADER = "Content-Security-Policy"


def crashing_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


urlpatterns = [*site_patterns, path("crash/", crashing_view)]
__all__ = ["handler500", "urlpatterns"]  # the site's 500 handler, as in config.urls
with_a_crashing_view = pytest.mark.urls(__name__)


def policy_of(response: HttpResponseBase) -> dict[str, list[str]]:
    """The response's policy as {directive: [sources]}."""
    directives: dict[str, list[str]] = {}
    for part in response[HEADER].split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} twice in {response[HEADER]!r}"
        directives[name] = sources
    return directives


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def assert_the_sites_policy(response: HttpResponseBase) -> None:
    policy = policy_of(response)
    sign_in = urlsplit(settings.RINGCENTRAL_AUTHORIZE_URL)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"][0] == "'self'"
    # beside 'self' only hashes: nothing like 'unsafe-inline', nonces or other origins
    assert all(source.startswith("'sha256-") for source in policy["style-src"][1:])
    # data: images only: the tab's icon with the unread count drawn on it, Swagger UI's icons
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'", f"{sign_in.scheme}://{sign_in.netloc}"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


class InlineCode(HTMLParser):
    """What a page holds that the policy would refuse: one line per finding."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.findings.append("a <script> without src")
        if tag == "style":
            self.findings.append("a <style> element")
            self._in_style = True
            self.styles.append("")
        for name, value in attrs:
            if name == "style":
                self.findings.append(f'a style="…" attribute on <{tag}>')
            if re.fullmatch(r"on[a-z]+", name):
                self.findings.append(f"an {name} handler on <{tag}>")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.findings.append(f"a javascript: {name} on <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles[-1] += data


def inline_code_in(page: str) -> InlineCode:
    parser = InlineCode()
    parser.feed(page)
    parser.close()
    return parser


# --- the header ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_sends_the_policy_with_a_page(client: Client) -> None:
    response = client.get(reverse("inbox:home"))

    assert response.status_code == 200
    assert_the_sites_policy(response)


def test_it_sends_the_policy_with_the_api(
    bob_client: Client,  # noqa: F811
    rc: RunningEmulator,  # noqa: F811
) -> None:
    response = bob_client.get(reverse("api:mailboxes"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert_the_sites_policy(response)


def test_it_lets_forms_lead_to_the_ringcentral_sign_in_the_settings_name(
    client: Client, db: None, settings: Any
) -> None:
    """Reconnecting submits a form to /accounts/login/, which redirects to RingCentral: the
    origin follows RINGCENTRAL_AUTHORIZE_URL, read for each response."""
    settings.RINGCENTRAL_AUTHORIZE_URL = "https://login.ringcentral.example:8443/base"

    response = client.get(reverse("inbox:home"))

    assert policy_of(response)["form-action"] == [
        "'self'",
        "https://login.ringcentral.example:8443",
    ]


@pytest.mark.django_db
def test_it_sends_the_policy_with_the_error_pages(client: Client) -> None:
    not_found = client.get("/no-such-page/")
    bad_request = client.get("/", HTTP_HOST="not-this-site.example")
    no_csrf = Client(enforce_csrf_checks=True).post(reverse("accounts:logout"))

    assert [not_found.status_code, bad_request.status_code, no_csrf.status_code] == [404, 400, 403]
    for response in (not_found, bad_request, no_csrf):
        assert_the_sites_policy(response)


@with_a_crashing_view
@pytest.mark.django_db
def test_it_allows_the_500_pages_own_style_by_its_hash_and_nothing_else_inline() -> None:
    response = Client(raise_request_exception=False).get("/crash/")

    assert response.status_code == 500
    assert_the_sites_policy(response)
    found = inline_code_in(response.content.decode())
    assert found.findings == ["a <style> element"]
    assert len(found.styles) == 1
    assert sha256_source(found.styles[0]) in policy_of(response)["style-src"]


def test_it_lets_the_api_docs_draw_swagger_uis_data_images(client: Client, db: None) -> None:
    """Swagger UI's stylesheet draws its icons from data: URLs. Its start-up script is served
    from the page's own address, not inline."""
    page = client.get(reverse("api:docs"))
    script = client.get(reverse("api:docs"), {"script": ""})

    assert page.status_code == 200
    assert_the_sites_policy(page)
    assert inline_code_in(page.content.decode()).findings == []
    assert '<script src="/api/docs/?script="></script>' in page.content.decode()
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in script.content


def test_it_leaves_the_attachment_proxy_its_own_stricter_policy(
    bob_client: Client,  # noqa: F811
    rc: RunningEmulator,  # noqa: F811
) -> None:
    bob = extension_of(rc, "agent")
    fax = make_fax(rc.db_path, bob, created_ts=own_day()[0])
    url = reverse("inbox:attachment", args=[bob, fax, attachment_ids(rc.db_path, fax)[0]])

    response = bob_client.get(url)

    assert response.status_code == 200
    assert response[HEADER] == SANDBOX_POLICY


# --- pages hold nothing the policy refuses ---------------------------------------------------


@pytest.fixture
def bobs_pages(rc: RunningEmulator) -> dict[str, str]:  # noqa: F811
    """The pages an agent works in, on a conversation and a fax of their own."""
    bob = extension_of(rc, "agent")
    day, _ = own_day()
    customer = unique_number()
    first = make_sms(rc.db_path, bob, other_number=customer, text="<b>Is my order ready?</b>",
                     created_ts=day + 10)  # fmt: skip
    make_sms(rc.db_path, bob, other_number=customer, text="Yes, come by at 5.",
             created_ts=day + 20, direction="Outbound", message_status="Delivered")  # fmt: skip
    fax = make_fax(rc.db_path, bob, created_ts=day + 30)
    return {
        "home": reverse("inbox:home"),
        "the sign-in landing": reverse("accounts:profile"),
        "conversation list": reverse("inbox:conversations", args=[bob]),
        "thread": reverse("inbox:thread", args=[bob, conversation_of(rc.db_path, first)]),
        "fax": reverse("inbox:message", args=[bob, fax]),
        "compose SMS": reverse("inbox:sms_new", args=[bob]),
        "compose pager": reverse("inbox:pager_new", args=[bob]),
        "new fax": reverse("inbox:fax_new", args=[bob]),
        "deleted list": reverse("inbox:deleted", args=[bob]),
    }


@pytest.fixture
def alices_pages(
    rc: RunningEmulator,  # noqa: F811
    alice_client: Client,  # noqa: F811
) -> dict[str, str]:
    """An admin's pages: a bulk delete's preview, the audit log, the operations page."""
    alice = User.objects.get(rc_extension_id=extension_of(rc, "admin"))
    job = BulkDeleteJob.objects.create(
        owner=alice,
        actor=alice,
        account_id=alice.rc_account_id or 0,
        extension_id=extension_of(rc, "agent"),
        mailbox_label="Bob (ext. 102)",
        conversation_count=1,
        message_count=2,
    )
    BulkDeleteItem.objects.create(job=job, position=0, conversation_id=11)
    return {
        "bulk page": reverse("inbox:bulk_job", args=[job.extension_id, job.id]),
        "audit page": reverse("inbox:audit_log"),
        "ops page": reverse("inbox:ops"),
    }


def assert_no_inline_code(client: Client, pages: dict[str, str], *, status: int = 200) -> None:
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == status, (name, url, response.status_code)
        assert_the_sites_policy(response)
        findings = inline_code_in(response.content.decode()).findings
        assert findings == [], f"{name} ({url}): {findings}"


def test_no_page_an_agent_works_in_holds_inline_code(
    bob_client: Client,  # noqa: F811
    bobs_pages: dict[str, str],
) -> None:
    assert_no_inline_code(bob_client, bobs_pages)
    assert_no_inline_code(bob_client, {"404": "/inbox/no-such-page/"}, status=404)


def test_no_admin_page_holds_inline_code(
    alice_client: Client,  # noqa: F811
    alices_pages: dict[str, str],
) -> None:
    assert_no_inline_code(alice_client, alices_pages)


@pytest.mark.django_db
def test_no_page_for_people_signed_out_holds_inline_code(client: Client) -> None:
    failed = client.get(reverse("accounts:callback"), {"error": "access_denied", "state": "x"})

    assert failed.status_code in {400, 403}
    assert "You are not signed in" in failed.content.decode()
    assert inline_code_in(failed.content.decode()).findings == []
    assert_no_inline_code(client, {"home": reverse("inbox:home")})
    assert_no_inline_code(client, {"404": "/no-such-page/"}, status=404)


def test_no_template_holds_inline_code_but_the_500_pages_hashed_style() -> None:
    """Every template, rendered by a test above or not (a confirmation page, the reconnect
    page): checked in its source, where a template tag may hide nothing of this kind."""
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 30

    for template in templates:
        source = template.read_text(encoding="utf-8")
        findings = inline_code_in(source)
        if template == TEMPLATES / "500.html":
            assert findings.findings == ["a <style> element"]
            continue
        assert findings.findings == [], f"{template.relative_to(TEMPLATES)}: {findings.findings}"
        # attributes a template tag writes (`{% if … %} style=…`) are found by the parser too,
        # but not ones built inside a tag's quotes: look for the words as well
        assert not re.search(r"\bstyle=|<style|\bon[a-z]+=", source), template
