from __future__ import annotations

import logging

import pytest

from config.log_redaction import RedactSecretsFilter, redact
from tests.config.environment import clean_environment, run_python


@pytest.mark.parametrize(
    ("message", "secret"),
    [
        ("Authorization: Bearer U0pDMDFQMDFQQVMwMnxBQUF", "U0pDMDFQMDFQQVMwMnxBQUF"),
        ("headers={'Authorization': 'Bearer abc.def-ghi', 'Accept': '*/*'}", "abc.def-ghi"),
        ('{"authorization": "Basic ZGVtbzpzZWNyZXQ="}', "ZGVtbzpzZWNyZXQ="),
        ("META HTTP_AUTHORIZATION=Bearer tok123", "tok123"),
        ("grant_type=refresh_token&refresh_token=r-456&client_id=x", "r-456"),
        ('{"access_token": "a-789", "expires_in": 3600}', "a-789"),
        ("code=c1&code_verifier=v-012&redirect_uri=http://x", "v-012"),
        ("client_secret: demo-inbox-secret", "demo-inbox-secret"),
    ],
)
def test_it_redacts_credentials(message: str, secret: str) -> None:
    cleaned = redact(message)

    assert secret not in cleaned
    assert "[redacted]" in cleaned


def test_it_leaves_ordinary_messages_alone() -> None:
    message = "GET /restapi/v1.0/account/~/extension/~/message-store 200 (authorization ok)"

    assert redact(message) == message


def test_it_redacts_the_arguments_of_a_log_record() -> None:
    record = logging.LogRecord(
        "rcapi", logging.INFO, __file__, 1, "sending %s", ({"Authorization": "Bearer t-1"},), None
    )

    RedactSecretsFilter().filter(record)

    assert record.getMessage() == "sending {'Authorization': '[redacted]'}"


def test_it_keeps_credentials_out_of_the_configured_log_output() -> None:
    code = (
        "import django, logging; django.setup()\n"
        "logging.getLogger('inbox').warning('request headers %s', "
        "{'Authorization': 'Bearer secret-token-123'})\n"
        "try:\n"
        "    raise ValueError('refresh_token=secret-refresh-456 was rejected')\n"
        "except ValueError:\n"
        "    logging.getLogger('django.request').exception('refresh failed')\n"
    )

    result = run_python(code, clean_environment())

    assert result.returncode == 0, result.stderr
    assert "request headers" in result.stderr
    assert "refresh failed" in result.stderr
    assert "ValueError" in result.stderr
    assert "secret-token-123" not in result.stderr
    assert "secret-refresh-456" not in result.stderr
