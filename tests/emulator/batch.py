"""Reading and writing bulk (batch) Message Store bodies in tests, independently of the emulator.

`multipart/mixed` answers are split with the standard library's `email` parser — as the
official Python SDK does — not with the emulator's own parser.
"""

from __future__ import annotations

import json
from email import policy
from email.parser import BytesParser
from typing import Any

import requests

VND = "application/vnd.ringcentral.multipart+json"


def parse_mixed(response: requests.Response) -> tuple[list[dict[str, Any]], list[Any]]:
    """(manifest entries, part bodies) of a 207 multipart/mixed answer; a body is None when
    its part is empty (a 204)."""
    content_type = response.headers["Content-Type"]
    assert content_type.startswith("multipart/mixed;"), content_type
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + response.content)
    parts = list(message.iter_parts())
    assert parts, "no parts"
    payloads = [bytes(part.get_payload(decode=True) or b"") for part in parts]
    for part in parts:
        assert part.get_content_type() == "application/json"
    manifest = json.loads(payloads[0])["response"]
    bodies = [json.loads(data) if data.strip() else None for data in payloads[1:]]
    assert len(manifest) == len(bodies), "manifest and parts disagree"
    return manifest, bodies


def build_mixed(bodies: list[Any], boundary: str = "Boundary_1_2_3") -> tuple[str, bytes]:
    """(Content-Type, body) of a multipart/mixed request with one JSON part per body."""
    out = b""
    for body in bodies:
        out += f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode()
        out += json.dumps(body).encode() + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/mixed; boundary={boundary}", out
