"""Fax cover pages: `GET /restapi/v1.0/dictionary/fax-cover-page` (REFERENCE §10.2)."""

from __future__ import annotations

import pytest
import requests

from tests.emulator.openapi import assert_matches_operation, assert_matches_schema
from tests.emulator.sending import assert_error

EN_US = [
    "None",
    "Ancient",
    "Birthday",
    "Blank",
    "Clasmod",
    "Classic",
    "Confidential",
    "Contempo",
    "Elegant",
    "Express",
    "Formal",
    "Jazzy",
    "Modern",
    "Urgent",
]


def cover_pages(emulator, **query):
    return emulator.session("agent").get(
        f"{emulator.url}/restapi/v1.0/dictionary/fax-cover-page", params=query, timeout=10
    )


def href(emulator, page, per_page):
    return f"{emulator.url}/restapi/v1.0/dictionary/fax-cover-page?page={page}&perPage={per_page}"


def test_it_lists_the_en_us_cover_pages(emulator):
    response = cover_pages(emulator)
    assert response.status_code == 200, response.text
    body = response.json()
    assert_matches_schema(body, "ListFaxCoverPagesResponse")
    assert_matches_operation(body, "listFaxCoverPages", 200)
    assert body["records"] == [{"id": str(n), "name": name} for n, name in enumerate(EN_US)]
    assert body["uri"] == href(emulator, 1, 100)
    assert body["paging"] == {
        "page": 1,
        "totalPages": 1,
        "perPage": 100,
        "totalElements": 14,
        "pageStart": 0,
        "pageEnd": 13,
    }
    assert body["navigation"] == {
        "firstPage": {"uri": href(emulator, 1, 100)},
        "lastPage": {"uri": href(emulator, 1, 100)},
    }


def test_it_pages_the_list(emulator):
    body = cover_pages(emulator, page=2, perPage=5).json()
    assert_matches_schema(body, "ListFaxCoverPagesResponse")
    assert [record["id"] for record in body["records"]] == ["5", "6", "7", "8", "9"]
    assert body["paging"] == {
        "page": 2,
        "totalPages": 3,
        "perPage": 5,
        "totalElements": 14,
        "pageStart": 5,
        "pageEnd": 9,
    }
    assert body["navigation"] == {
        "firstPage": {"uri": href(emulator, 1, 5)},
        "previousPage": {"uri": href(emulator, 1, 5)},
        "nextPage": {"uri": href(emulator, 3, 5)},
        "lastPage": {"uri": href(emulator, 3, 5)},
    }


def test_it_answers_a_page_past_the_end_with_no_records(emulator):
    body = cover_pages(emulator, page=9, perPage=5).json()
    assert_matches_schema(body, "ListFaxCoverPagesResponse")
    assert body["records"] == []
    assert "pageStart" not in body["paging"]
    assert body["paging"]["totalElements"] == 14


@pytest.mark.parametrize(("name", "value"), [("page", "0"), ("page", "x"), ("perPage", "0")])
def test_it_refuses_invalid_paging_with_cmn_101(emulator, name, value):
    response = cover_pages(emulator, **{name: value})
    assert_error(response, 400, "CMN-101", f"Parameter [{name}] value is invalid.")


def test_it_needs_a_token(emulator):
    response = requests.get(f"{emulator.url}/restapi/v1.0/dictionary/fax-cover-page", timeout=10)
    assert_error(response, 401, "AGW-401")


def test_it_counts_as_a_light_request(emulator):
    before = cover_pages(emulator)
    assert before.status_code == 200
    counts = emulator.request_counts()["records"]
    assert any(
        row["operation"] == "listFaxCoverPages" and row["rateGroup"] == "Light" for row in counts
    )
