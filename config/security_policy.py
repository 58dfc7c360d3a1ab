"""The Content-Security-Policy of every response: django-csp's middleware with the policy of
`CONTENT_SECURITY_POLICY` (settings), plus RingCentral's sign-in page as a place a form may
lead to.

Signing in goes through RingCentral: /accounts/login/ redirects the browser to RingCentral's
authorize page. Browsers check `form-action` on every redirect a form's submission follows,
so a form that ends at /accounts/login/ (the "Reconnect to RingCentral" button, or any form
sent after the session ended) would be stopped on its way if the policy named this site
alone. The origin is read from the settings for each response, so it follows them wherever
they point (tests point them at emulators of their own).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        report_only: bool = False,
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only:
            update = dict(parts.update or {})
            sign_in = origin_of(settings.RINGCENTRAL_AUTHORIZE_URL)
            update["form-action"] = [*update.get("form-action", ()), sign_in]
            parts.update = update
        return parts
