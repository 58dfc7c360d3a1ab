"""Helpers of the sending tests: request bodies built by hand or by the official Python SDK,
error checks against the spec, and waiting for the delivery life."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import requests
from ringcentral import SDK
from ringcentral.http.api_exception import ApiException

from tests.emulator.factories import store
from tests.emulator.openapi import assert_matches_schema
from tests.support.emulator import RunningEmulator

ME = "/restapi/v1.0/account/~/extension/~"
BOUNDARY = "Boundary_1_14413901_1361871080888"  # the [SPEC21] samples' boundary


def sdk_platform(emulator: RunningEmulator, which: str = "admin") -> tuple[Any, Any]:
    """(sdk, platform) of the official SDK, logged in with the user's JWT."""
    creds = emulator.credentials
    sdk = SDK(creds["client_id"], creds["client_secret"], emulator.url, "emulator-tests", "1.0")
    platform = sdk.platform()
    platform.login(jwt=emulator.user(which)["jwt"])
    return sdk, platform


def sdk_send(
    emulator: RunningEmulator,
    path: str,
    body: dict[str, Any],
    files: Sequence[tuple[str, bytes, str]],
    *,
    mixed: bool = False,
    which: str = "admin",
) -> requests.Response:
    """POST through `MultipartBuilder` exactly as SDK users do: the JSON part named `json`
    (file name `request.json`), then one `attachment` part per file."""
    sdk, platform = sdk_platform(emulator, which)
    builder = sdk.create_multipart_builder()
    builder.set_body(body)
    for item in files:
        builder.add(item)
    if mixed:
        builder.set_multipart_mixed(True)
    request = builder.request(ME + path)
    try:
        response: requests.Response = platform.send_request(request).response()
    except ApiException as exc:  # the SDK raises on 4xx/5xx; the tests look at the answer
        response = exc.api_response().response()
    return response


def multipart(parts: Sequence[tuple[dict[str, str], bytes]], boundary: str = BOUNDARY) -> bytes:
    """A multipart body from (headers, data) pairs, CRLF line breaks."""
    out = bytearray()
    for headers, data in parts:
        out += f"--{boundary}\r\n".encode()
        for name, value in headers.items():
            out += f"{name}: {value}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


def content_type(kind: str, boundary: str = BOUNDARY) -> dict[str, str]:
    return {"Content-Type": f"multipart/{kind}; boundary={boundary}"}


def form_field(name: str, value: str) -> tuple[dict[str, str], bytes]:
    """One plain field as in the [SPEC21] fax form-data sample."""
    return (
        {
            "Content-Disposition": f'form-data; name="{name}"',
            "Content-Transfer-Encoding": "8bit",
            "Content-Type": "text/plain",
        },
        value.encode(),
    )


def form_file(
    name: str, file_name: str | None, data: bytes, kind: str
) -> tuple[dict[str, str], bytes]:
    disposition = f'form-data; name="{name}"'
    if file_name is not None:
        disposition += f'; filename="{file_name}"'
    return {"Content-Disposition": disposition, "Content-Type": kind}, data


def assert_error(response: requests.Response, status: int, code: str, message: str | None = None):
    """The legacy error envelope of REFERENCE §13.1, valid against the spec's error model."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["errorCode"] == code, body
    assert body["errors"][0]["errorCode"] == code
    if message is not None:
        assert body["message"] == message
    assert_matches_schema(body, "ParameterizedErrorResponseModel")
    return body


def message_url(emulator: RunningEmulator, message_id: int) -> str:
    return emulator.api(f"/account/~/extension/~/message-store/{message_id}")


def wait_for(
    http: requests.Session,
    url: str,
    done: Callable[[dict[str, Any]], bool],
    *,
    timeout: float = 10.0,
) -> tuple[dict[str, Any], list[str]]:
    """Poll a message until `done(record)`; returns it and the statuses seen on the way."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        record: dict[str, Any] = http.get(url, timeout=10).json()
        status = record.get("messageStatus", "")
        if not seen or seen[-1] != status:
            seen.append(status)
        if done(record):
            return record, seen
        if time.monotonic() > deadline:
            raise AssertionError(f"message never got there; statuses seen: {seen}: {record}")
        time.sleep(0.05)


def final(record: dict[str, Any]) -> bool:
    return record.get("messageStatus") not in ("Queued", "Sent") or (
        record.get("type") == "Fax" and record.get("messageStatus") == "Sent"
    )


def mailbox_rows(db_path: Path, extension_id: int, where: str, *args: Any) -> list[Any]:
    """Messages of one mailbox, straight from the store (other users' copies)."""
    with store(db_path).read() as db:
        return db.execute(
            f"SELECT * FROM message WHERE extension_id = ? AND {where} ORDER BY id",  # noqa: S608
            (extension_id, *args),
        ).fetchall()
