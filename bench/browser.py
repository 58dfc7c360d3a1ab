"""A person at the dashboard, over plain HTTP: signed in through the real OAuth flow (the
dashboard's login, the emulator's sign-in page, the dashboard's callback), then a session
cookie and a CSRF token like a browser's."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

PHASE_HEADER = "X-Bench-Phase"  # logged by gunicorn, so server times can be told apart


class SignInFailed(RuntimeError):
    pass


class Browser:
    def __init__(self, web_url: str, *, username: str, password: str) -> None:
        self.web_url = web_url
        self.username = username
        self.password = password
        self.http = requests.Session()

    def sign_in(self) -> None:
        start = self.http.get(
            f"{self.web_url}/accounts/login/", params={"next": "/inbox/"},
            allow_redirects=False, timeout=30,
        )  # fmt: skip
        if start.status_code != 302:
            raise SignInFailed(f"login answered {start.status_code}")
        authorize_url = start.headers["Location"]
        # the emulator's side is a different site: no dashboard cookies go there
        rc = requests.Session()
        authorize = rc.get(authorize_url, allow_redirects=False, timeout=30)
        if authorize.status_code != 302:
            raise SignInFailed(f"authorize answered {authorize.status_code}: {authorize.text}")
        page = urljoin(authorize_url, authorize.headers["Location"])
        request_id = parse_qs(urlsplit(page).query)["request"][0]
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(authorize_url))
        answer = rc.post(
            f"{origin}/restapi/oauth/login",
            data={"request": request_id, "username": self.username, "password": self.password},
            allow_redirects=False, timeout=30,
        )  # fmt: skip
        if answer.status_code != 302:
            raise SignInFailed(f"sign-in page answered {answer.status_code}: {answer.text}")
        back = urlsplit(answer.headers["Location"])
        done = self.http.get(
            f"{self.web_url}/accounts/callback/?{back.query}", allow_redirects=False, timeout=60
        )
        if done.status_code != 302:
            raise SignInFailed(f"callback answered {done.status_code}: {done.text[:500]}")
        # a page with a form sets the CSRF cookie that writes need
        self.http.get(f"{self.web_url}/accounts/profile/", timeout=30)

    def csrf(self) -> str:
        return str(self.http.cookies.get("csrftoken", ""))

    def get(self, path: str, *, phase: str = "", **kwargs: Any) -> requests.Response:
        headers = {PHASE_HEADER: phase, **kwargs.pop("headers", {})}
        return self.http.get(f"{self.web_url}{path}", headers=headers, timeout=120, **kwargs)

    def post(self, path: str, *, phase: str = "", **kwargs: Any) -> requests.Response:
        headers = {PHASE_HEADER: phase, "X-CSRFToken": self.csrf(), **kwargs.pop("headers", {})}
        return self.http.post(
            f"{self.web_url}{path}", headers=headers, timeout=120, allow_redirects=False, **kwargs
        )
