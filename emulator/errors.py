"""The platform's two error shapes: the legacy API envelope and the OAuth (RFC 6749) body.

The wire format keeps top-level `errorCode`/`message` beside `errors[]` (REFERENCE §13.1);
OAuth endpoints answer `{error, error_description, errors[]}` (§15.5).
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answer of a `/restapi/v1.0` endpoint."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        parameter_name: str | None = None,
        parameter_value: str | None = None,
        headers: dict[str, str] | None = None,
        item_code: str | None = None,
        item_message: str | None = None,
    ) -> None:
        super().__init__(message)
        # 401 token answers carry a different code in errors[0] than at the top level
        self.item_code = item_code
        self.item_message = item_message
        self.status = status
        self.code = code
        self.message = message
        self.parameter_name = parameter_name
        self.parameter_value = parameter_value
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body = error_body(self.code, self.message, self.parameter_name, self.parameter_value)
        if self.item_code:
            body["errors"][0]["errorCode"] = self.item_code
            body["errors"][0]["message"] = self.item_message or self.message
        return body


def error_body(
    code: str,
    message: str,
    parameter_name: str | None = None,
    parameter_value: str | None = None,
) -> dict[str, Any]:
    item: dict[str, Any] = {"errorCode": code, "message": message}
    if parameter_name is not None:
        item["parameterName"] = parameter_name
    if parameter_value is not None:
        item["parameterValue"] = parameter_value
    body: dict[str, Any] = {"errorCode": code, "message": message, "errors": [item]}
    if parameter_name is not None:
        body["parameterName"] = parameter_name
    return body


class OAuthError(Exception):
    """An error answer of `/restapi/oauth/*`."""

    def __init__(self, status: int, error: str, description: str, code: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.code = code

    def body(self) -> dict[str, Any]:
        return {
            "error": self.error,
            "error_description": self.description,
            "errors": [{"errorCode": self.code, "message": self.description}],
        }


def invalid_parameter(name: str, value: object | None = None) -> ApiError:
    return ApiError(
        400,
        "CMN-101",
        f"Parameter [{name}] value is invalid.",
        parameter_name=name,
        parameter_value=None if value is None else str(value),
    )


def not_found(name: str) -> ApiError:
    return ApiError(
        404, "CMN-102", f"Resource for parameter [{name}] is not found", parameter_name=name
    )


def batch_limit(limit: int) -> ApiError:
    return ApiError(400, "CMN-106", f"Batch request is limited to {limit} entries")
