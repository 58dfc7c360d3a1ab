"""Every operation the emulator serves is the spec's, counted in the spec's rate group."""

from __future__ import annotations

import re
from typing import Any

from emulator import endpoints  # noqa: F401  (registers the routes)
from emulator.web import ROUTES
from tests.emulator.openapi import document


def spec_operations() -> dict[str, dict[str, Any]]:
    found = {}
    for path, methods in document()["paths"].items():
        for method, operation in methods.items():
            if isinstance(operation, dict) and "operationId" in operation:
                found[operation["operationId"]] = {"path": path, "method": method, **operation}
    return found


def test_it_names_only_operations_that_exist_in_the_spec():
    known = spec_operations()
    served = {spec.operation for spec in ROUTES if spec.operation}
    assert served - set(known) == set()


def test_it_counts_each_operation_in_the_spec_throttling_group():
    known = spec_operations()
    mismatched = {
        spec.operation: (spec.group, known[spec.operation].get("x-throttling-group"))
        for spec in ROUTES
        if spec.operation and spec.group != known[spec.operation].get("x-throttling-group")
    }
    assert mismatched == {}


def test_it_serves_each_operation_at_the_spec_path_and_method():
    known = spec_operations()
    wrong = []
    for spec in ROUTES:
        if not spec.operation:
            continue
        operation = known[spec.operation]
        # path parameter names are ours (account_id for accountId): compare the shapes
        ours = re.sub(r"<[^>]+>", "{}", spec.rule)
        theirs = re.sub(r"\{[^}]+\}", "{}", operation["path"])
        if ours != theirs or operation["method"].upper() not in spec.methods:
            wrong.append((spec.operation, spec.rule, operation["path"], spec.methods))
    assert wrong == []


def test_it_covers_the_eleven_messages_operations_and_the_rest_it_promises():
    served = {spec.operation for spec in ROUTES if spec.operation}
    expected = {
        "listMessages", "readMessage", "updateMessage", "patchMessage", "deleteMessage",
        "deleteMessageByFilter", "readMessageContent", "createSMSMessage", "createMMS",
        "createInternalTextMessage", "createFaxMessage", "listFaxCoverPages", "syncMessages",
        "authorize", "getToken", "revokeToken", "readExtension", "listExtensions",
        "listExtensionPhoneNumbers", "createSubscription", "listSubscriptions",
        "readSubscription", "updateSubscription", "deleteSubscription", "renewSubscription",
    }  # fmt: skip
    assert expected - served == set()
