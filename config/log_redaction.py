"""A logging filter that keeps credentials out of log output.

Authorization headers, OAuth tokens, client secrets and PKCE verifiers are replaced with
`[redacted]` in every message, whatever logged them and in whichever of the usual shapes
(`Authorization: Bearer …`, `{'Authorization': '…'}`, `access_token=…`, `"refresh_token": "…"`).
"""

from __future__ import annotations

import logging
import re

_SENSITIVE_FIELDS = (
    r"(?:http_)?authorization|access_token|refresh_token|id_token|client_secret|code_verifier"
    r"|password"
)
_PATTERN = re.compile(
    # the name, optionally quoted, then ':' or '=', then an optional quote
    rf"""(?P<name>["']?\b(?:{_SENSITIVE_FIELDS})["']?\s*[:=]\s*["']?)"""
    # the value: an optional scheme word ("Bearer", "Basic") and the credential itself
    r"""(?P<value>(?:(?:bearer|basic)\s+)?[^\s"',&;}\]]+)""",
    re.IGNORECASE,
)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    return _PATTERN.sub(lambda match: match.group("name") + REDACTED, text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
