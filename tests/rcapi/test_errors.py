"""The boundary from HTTP answers to typed errors, on answer bodies shaped as REFERENCE §13
and §15.5 quote them. (The same mapping is exercised against the emulator in the other
test modules; these pin the envelope rules that the emulator alone cannot vary.)"""

from __future__ import annotations

import json
from typing import Any

import requests

from rcapi.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Unavailable,
    error_from_response,
    retry_after_of,
)


def answer(status: int, body: Any, headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response.headers.update(headers or {})
    return response


def test_it_reads_the_code_inside_errors_before_the_top_level_one():
    body = {"errorCode": "TokenInvalid", "message": "OAuth token is invalid",
            "errors": [{"errorCode": "OAU-213", "message": "Token not found"}]}  # fmt: skip
    error = error_from_response(answer(401, body))
    assert isinstance(error, AuthExpired)
    assert error.error_code == "OAU-213"
    assert error.status == 401
    assert "Token not found" in str(error)


def test_it_falls_back_to_the_top_level_code_and_parameter():
    body = {"errorCode": "CMN-102", "message": "Resource for parameter [messageId] is not found",
            "errors": [], "parameterName": "messageId"}  # fmt: skip
    error = error_from_response(answer(404, body))
    assert isinstance(error, Rejected)
    assert (error.error_code, error.parameter_name) == ("CMN-102", "messageId")
    assert error.transient is False


def test_it_reads_oauth_errors():
    dead = {"error": "invalid_grant", "error_description": "Token not found",
            "errors": [{"errorCode": "OAU-213", "message": "Token not found"}]}  # fmt: skip
    assert isinstance(error_from_response(answer(400, dead)), AuthExpired)
    old_style = {"error": "invalid_grant", "error_description": "Refresh token has expired"}
    error = error_from_response(answer(400, old_style))
    assert isinstance(error, AuthExpired)
    assert "Refresh token has expired" in str(error)
    wrong_app = {"error": "invalid_client", "error_description": "Invalid client"}
    assert isinstance(error_from_response(answer(401, wrong_app)), Rejected)


def test_it_makes_429_a_transient_rate_limit_with_its_retry_after():
    body = {"errorCode": "CMN-301", "message": "Request rate exceeded", "errors": []}
    error = error_from_response(answer(429, body, {"Retry-After": "42"}), group="Heavy")
    assert isinstance(error, RateLimited)
    assert (error.retry_after, error.group, error.transient) == (42.0, "Heavy", True)
    default = error_from_response(answer(429, body))
    assert isinstance(default, RateLimited)
    assert default.retry_after == 60.0  # none given: a window


def test_it_makes_5xx_and_odd_bodies_unavailable():
    gateway = error_from_response(answer(502, b"<html>Bad gateway</html>"))
    assert isinstance(gateway, Unavailable)
    assert gateway.transient and gateway.may_have_taken_effect
    assert str(gateway) == "RingCentral answered 502"
    busy = error_from_response(answer(503, {"errorCode": "CMN-201", "errors": []}))
    assert isinstance(busy, Unavailable)
    assert busy.may_have_taken_effect is False


def test_it_never_repeats_a_secret_the_server_echoes():
    body = {"errorCode": "CMN-101", "message": "Parameter [token] value [s3cr3t-t0ken] is invalid."}
    error = error_from_response(answer(400, body), secrets=["s3cr3t-t0ken"])
    assert "s3cr3t-t0ken" not in str(error)
    assert "s3cr3t-t0ken" not in repr(error)


def test_it_reads_retry_after_as_seconds_or_a_date():
    assert retry_after_of({"retry-after": "7"}) == 7.0
    assert retry_after_of({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # passed
    assert retry_after_of({"Retry-After": "soon"}) is None
    assert retry_after_of({}) is None
