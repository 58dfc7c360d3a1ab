"""`paging` and `navigation` blocks as the platform builds them (REFERENCE §3).

Navigation links echo the effective filters (including defaults the client did not send),
and only the applicable links are present.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from emulator.errors import invalid_parameter

MAX_PER_PAGE = 1000
INT32_MAX = 2**31 - 1  # `page` and `perPage` are `format: int32` in the spec


def page_params(args: Any, *, default_per_page: int = 100) -> tuple[int, int]:
    """`page` (1-based, positive) and `perPage` (clamped to 1000) from a query."""
    try:
        page = int(args.get("page", 1))
    except ValueError as exc:
        raise invalid_parameter("page", args.get("page")) from exc
    if not 1 <= page <= INT32_MAX:
        raise invalid_parameter("page", page)
    try:
        per_page = int(args.get("perPage", default_per_page))
    except ValueError as exc:
        raise invalid_parameter("perPage", args.get("perPage")) from exc
    if not 0 <= per_page <= INT32_MAX:
        raise invalid_parameter("perPage", per_page)
    return page, min(per_page, MAX_PER_PAGE)


def href(base: str, filters: Sequence[tuple[str, str]], page: int, per_page: int) -> str:
    query = urlencode([*filters, ("page", str(page)), ("perPage", str(per_page))])
    return f"{base}?{query}"


def paging_blocks(
    base: str,
    filters: Sequence[tuple[str, str]],
    *,
    page: int,
    per_page: int,
    total: int,
    shown: int,
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(`uri`, `paging`, `navigation`) for one page of `total` elements showing `shown`."""
    total_pages = math.ceil(total / per_page) if per_page else 0
    paging: dict[str, Any] = {"perPage": per_page, "totalElements": total}
    if shown:
        start = (page - 1) * per_page
        paging.update(page=page, totalPages=total_pages, pageStart=start, pageEnd=start + shown - 1)
    elif per_page:
        paging.update(page=page, totalPages=total_pages)
    navigation: dict[str, Any] = {}
    if per_page:
        navigation["firstPage"] = {"uri": href(base, filters, 1, per_page)}
        if page > 1 and total_pages:
            navigation["previousPage"] = {
                "uri": href(base, filters, min(page - 1, total_pages), per_page)
            }
        if page < total_pages:
            navigation["nextPage"] = {"uri": href(base, filters, page + 1, per_page)}
        navigation["lastPage"] = {"uri": href(base, filters, max(total_pages, 1), per_page)}
    return href(base, filters, page, per_page), paging, navigation
