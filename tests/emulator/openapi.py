"""Validate emulator answers against the official RingCentral OpenAPI document.

    from tests.emulator.openapi import assert_matches_schema, assert_matches_operation

    assert_matches_schema(body, "GetMessageList")            # components/schemas/<name>
    assert_matches_operation(body, "listMessages", 200)      # the operation's declared answer
    assert_matches_operation(error, "getToken", 400)         # inline schemas work too

The YAML (1.7 MB) takes ~2 s to parse, so the normalised document is pickled under the
system temp dir, keyed by the spec file's mtime and size, and loaded once per process.

OpenAPI 3.0 is not JSON Schema; the document is normalised before validation:
- `nullable: true` adds `null` to `type` (and to `enum`);
- `oneOf` becomes `anyOf`: the spec's variants are open objects that overlap, and the
  `discriminator` that would pick one is not a JSON Schema keyword (it is ignored);
- `format`, `readOnly`, `writeOnly`, `example` stay annotations (no format checker);
- YAML timestamps (in examples and defaults) become ISO strings.
Draft 4 semantics match OpenAPI 3.0 best: boolean `exclusiveMinimum`, `$ref` siblings ignored.
"""

from __future__ import annotations

import datetime
import functools
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
import referencing
import referencing.jsonschema
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
# kept in the repository (emulator/spec/SOURCE.md says where it comes from)
SPEC_PATH = REPO_ROOT / "emulator" / "spec" / "rc-public-openapi.yml"
DOCUMENT_URI = "urn:ringcentral:rc-public-openapi"
MAX_REPORTED = 5


def _normalise(node: Any) -> Any:
    if isinstance(node, dict):
        out = {key: _normalise(value) for key, value in node.items()}
        if out.get("nullable") is True:
            kind = out.get("type")
            if isinstance(kind, str):
                out["type"] = [kind, "null"]
            elif kind is None and "enum" not in out:
                # nullable without a type (allOf/$ref wrappers): accept null beside the rest
                rest = {k: v for k, v in out.items() if k != "nullable"}
                out = {"anyOf": [rest, {"type": "null"}]}
            if isinstance(out.get("enum"), list) and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        if isinstance(out.get("oneOf"), list):
            out["anyOf"] = out.pop("oneOf")
        return out
    if isinstance(node, list):
        return [_normalise(value) for value in node]
    if isinstance(node, datetime.datetime | datetime.date):
        return node.isoformat()
    return node


def _spec_path() -> Path:
    override = os.environ.get("RC_OPENAPI_SPEC")
    path = Path(override) if override else SPEC_PATH
    if not path.is_file():
        raise FileNotFoundError(
            f"The RingCentral OpenAPI document is missing at {path}. It belongs in the "
            f"repository at {SPEC_PATH.relative_to(REPO_ROOT)}; RC_OPENAPI_SPEC may name another."
        )
    return path


@functools.cache
def document() -> dict[str, Any]:
    """The whole normalised spec, from the on-disk cache when it is current."""
    path = _spec_path()
    stat = path.stat()
    cache_dir = Path(tempfile.gettempdir()) / "rc-openapi-cache"
    cache = cache_dir / f"{path.stem}-{stat.st_mtime_ns}-{stat.st_size}-v1.pickle"
    if cache.is_file():
        with cache.open("rb") as handle:
            cached: dict[str, Any] = pickle.load(handle)  # noqa: S301 (our own cache file)
            return cached
    with path.open("rb") as handle:
        loaded = _normalise(yaml.load(handle, Loader=yaml.CSafeLoader))
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cache.with_suffix(f".{os.getpid()}.tmp")
    with partial.open("wb") as handle:
        pickle.dump(loaded, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, cache)  # atomic: parallel test processes never read half a file
    return loaded  # type: ignore[no-any-return]


@functools.cache
def _registry() -> referencing.Registry[Any]:
    resource = referencing.jsonschema.DRAFT4.create_resource(document())
    registry: referencing.Registry[Any] = referencing.Registry().with_resource(
        DOCUMENT_URI, resource
    )
    return registry


def _pointer(name_or_pointer: str) -> str:
    if name_or_pointer.startswith("#/"):
        return name_or_pointer
    return f"#/components/schemas/{name_or_pointer}"


def _resolve_pointer(pointer: str) -> Any:
    node: Any = document()
    for part in pointer.lstrip("#/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"{pointer} is not in the OpenAPI document")
        node = node[part]
    return node


@functools.cache
def schema_for(name: str) -> jsonschema.Draft4Validator:
    """A validator for `components/schemas/<name>` (or any `#/...` pointer into the spec)."""
    pointer = _pointer(name)
    _resolve_pointer(pointer)  # fail early, with a clear message, on a misspelt name
    return _validator({"$ref": f"{DOCUMENT_URI}{pointer}"})


def _validator(schema: dict[str, Any]) -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(schema, registry=_registry())


def _check(validator: jsonschema.Draft4Validator, instance: Any, label: str) -> None:
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    lines = []
    for error in errors[:MAX_REPORTED]:
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        lines.append(f"  at {where}: {error.message[:300]}")
    more = f"\n  ... and {len(errors) - MAX_REPORTED} more" if len(errors) > MAX_REPORTED else ""
    raise AssertionError(f"body does not match {label}:\n" + "\n".join(lines) + more)


def assert_matches_schema(instance: Any, name: str) -> None:
    """AssertionError naming the paths of the first failures when `instance` is not a `name`."""
    _check(schema_for(name), instance, name)


@functools.cache
def _operations() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path_item in document().get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                found[operation["operationId"]] = operation
    return found


def _deref(node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        node = _resolve_pointer(node["$ref"])
    return node


def response_schema(
    operation_id: str, status: int | str, content_type: str = "application/json"
) -> dict[str, Any]:
    """The schema an operation declares for `status` (exact code, then `4XX`, then default)."""
    operation = _operations().get(operation_id)
    if operation is None:
        raise KeyError(f"no operation {operation_id!r} in the OpenAPI document")
    responses = operation.get("responses", {})
    code = str(status)
    for key in (code, f"{code[0]}XX", "default"):
        if key in responses:
            response = _deref(responses[key])
            break
    else:
        raise KeyError(f"{operation_id} declares no {status} response ({sorted(responses)})")
    content = response.get("content") or {}
    wanted = content_type.split(";")[0].strip().lower()
    media = content.get(wanted)
    if media is None:  # e.g. `application/json;charset=utf-8` in the spec
        media = next((v for k, v in content.items() if k.split(";")[0].lower() == wanted), None)
    if media is None or "schema" not in media:
        raise KeyError(f"{operation_id} {status} has no {content_type} schema ({sorted(content)})")
    schema: dict[str, Any] = media["schema"]
    return schema


def response_schema_name(
    operation_id: str, status: int | str, content_type: str = "application/json"
) -> str:
    """The `components/schemas` name of an operation's answer (KeyError when inline)."""
    ref = response_schema(operation_id, status, content_type).get("$ref", "")
    prefix = "#/components/schemas/"
    if not ref.startswith(prefix):
        raise KeyError(f"{operation_id} {status} declares an inline schema, not a named one")
    return str(ref[len(prefix) :])


def assert_matches_operation(
    instance: Any,
    operation_id: str,
    status: int | str,
    content_type: str = "application/json",
) -> None:
    """Validate a body against what the spec declares `operation_id` answers with `status`."""
    schema = response_schema(operation_id, status, content_type)
    validator = _validator(_absolute_refs(schema))
    _check(validator, instance, f"{operation_id} {status} {content_type}")


def _absolute_refs(node: Any) -> Any:
    """Inline response schemas sit outside the registry: anchor their refs in the document."""
    if isinstance(node, dict):
        return {
            key: (f"{DOCUMENT_URI}{value}" if key == "$ref" and isinstance(value, str)
                  and value.startswith("#/") else _absolute_refs(value))
            for key, value in node.items()
        }  # fmt: skip
    if isinstance(node, list):
        return [_absolute_refs(value) for value in node]
    return node
