"""The schema helper itself: it must accept real shapes and reject wrong ones."""

from __future__ import annotations

import hashlib

import pytest

from tests.emulator.openapi import (
    REPO_ROOT,
    SPEC_PATH,
    assert_matches_operation,
    assert_matches_schema,
    response_schema_name,
    schema_for,
)

TOKEN = {
    "access_token": "U1BCMDFUMDRKV1MwMXxzLFSvXdw5PHMsVLEn",
    "token_type": "bearer",
    "expires_in": 3600,
    "refresh_token": "U1BCMDFUMDRKV1MwMXxzLFL4ec6A0XMsUv9w",
    "refresh_token_expires_in": 604800,
    "scope": "ReadMessages SMS",
    "owner_id": "5000000101",
    "endpoint_id": "8zXq6oaLT7WvwWITlGiA1A",
    "session_id": "8zXq6oaLT7WvwWITlGiA1Aabc",
}


# emulator/spec/SOURCE.md: RingCentral's document as published, never edited by hand
PUBLISHED_SPEC_SHA256 = "f2393ea64be639b495b30c4a8c04549c5e45f252088942aa9af08a71073135c8"


def test_it_reads_the_published_spec_from_inside_the_repository():
    assert SPEC_PATH.is_relative_to(REPO_ROOT)
    assert hashlib.sha256(SPEC_PATH.read_bytes()).hexdigest() == PUBLISHED_SPEC_SHA256


def test_it_accepts_a_well_formed_token_response():
    assert_matches_schema(TOKEN, "TokenInfo")


def test_it_rejects_a_wrong_body_and_names_the_path():
    wrong = {**TOKEN, "token_type": "mac", "expires_in": "3600"}
    with pytest.raises(AssertionError) as failure:
        assert_matches_schema(wrong, "TokenInfo")
    assert "at expires_in" in str(failure.value)
    assert "at token_type" in str(failure.value)


def test_it_rejects_a_missing_required_property():
    body = {key: value for key, value in TOKEN.items() if key != "session_id"}
    with pytest.raises(AssertionError, match="session_id"):
        assert_matches_schema(body, "TokenInfo")


def test_it_resolves_refs_across_the_document():
    errors = list(schema_for("GetExtensionInfoResponse").iter_errors({"id": 1, "contact": 5}))
    assert errors, "contact must be validated through its $ref"


def test_it_finds_an_operations_declared_response():
    assert response_schema_name("getToken", 200) == "TokenInfo"
    assert response_schema_name("readExtension", 200) == "GetExtensionInfoResponse"


def test_it_validates_inline_operation_schemas():
    error = {
        "error": "invalid_grant",
        "error_description": "Invalid resource owner credentials",
        "errors": [{"errorCode": "OAU-140", "message": "Invalid resource owner credentials"}],
    }
    assert_matches_operation(error, "getToken", 400)
    with pytest.raises(AssertionError, match="at error"):
        assert_matches_operation({**error, "error": "bad_thing"}, "getToken", 400)
    with pytest.raises(AssertionError, match="errors"):
        assert_matches_operation({"error": "invalid_grant", "errors": []}, "getToken", 400)


def test_it_treats_nullable_as_accepting_null():
    from tests.emulator.openapi import document

    nullable = [
        name
        for name, schema in document()["components"]["schemas"].items()
        if isinstance(schema.get("type"), list) and "null" in schema["type"]
    ] or [
        name
        for name, schema in document()["components"]["schemas"].items()
        for prop in (schema.get("properties") or {}).values()
        if isinstance(prop, dict) and isinstance(prop.get("type"), list) and "null" in prop["type"]
    ]
    assert nullable, "nullable: true must have been turned into a null type"
