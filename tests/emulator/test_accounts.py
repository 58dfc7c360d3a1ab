"""Extensions and their phone numbers: readExtension, listExtensions, listExtensionPhoneNumbers."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import requests

from emulator.identity import ACCOUNT_ID, MAIN_NUMBER
from tests.emulator.openapi import assert_matches_operation, assert_matches_schema
from tests.support.emulator import RunningEmulator


def get(emulator: RunningEmulator, who: str, path: str, **params) -> requests.Response:
    return emulator.session(who).get(emulator.api(path), params=params, timeout=10)


def query(uri: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(uri).query)


# --------------------------------------------------------------------------- readExtension


def test_it_reads_the_callers_own_extension_with_real_ids(emulator):
    user = emulator.user("agent")
    response = get(emulator, "agent", "/account/~/extension/~")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert_matches_schema(body, "GetExtensionInfoResponse")
    assert_matches_operation(body, "readExtension", 200)
    assert body["id"] == user["extension_id"]
    assert body["extensionNumber"] == user["extension_number"]
    assert body["uri"] == f"{emulator.url}/restapi/v1.0/account/{ACCOUNT_ID}/extension/{body['id']}"
    assert "~" not in body["uri"]
    assert body["account"] == {
        "uri": f"{emulator.url}/restapi/v1.0/account/{ACCOUNT_ID}",
        "id": str(ACCOUNT_ID),
    }
    assert body["permissions"]["admin"]["enabled"] is False
    assert body["contact"]["email"] == user["username"]
    assert body["name"] == user["name"]
    features = {f["featureName"]: f["enabled"] for f in body["serviceFeatures"]}
    assert features["SMS"] and features["Pager"] and features["Fax"]


def test_it_reads_an_extension_by_its_numeric_ids(emulator):
    user = emulator.user("admin")
    path = f"/account/{ACCOUNT_ID}/extension/{user['extension_id']}"
    body = get(emulator, "admin", path).json()
    assert body["id"] == user["extension_id"]
    assert body["permissions"]["admin"]["enabled"] is True


def test_it_lets_an_admin_read_an_agents_extension_without_service_features(emulator):
    agent = emulator.user("agent")
    response = get(emulator, "admin", f"/account/~/extension/{agent['extension_id']}")
    assert response.status_code == 200
    body = response.json()
    assert_matches_schema(body, "GetExtensionInfoResponse")
    assert body["id"] == agent["extension_id"]
    assert "serviceFeatures" not in body  # only when reading one's own extension


def test_it_refuses_an_agent_reading_the_admins_extension(emulator):
    admin = emulator.user("admin")
    response = get(emulator, "agent", f"/account/~/extension/{admin['extension_id']}")
    assert response.status_code == 403
    body = response.json()
    assert body["errorCode"] == "CMN-419"
    assert "[ReadExtensions]" in body["message"]
    assert_matches_schema(body, "ApiErrorResponseModel")


def test_it_answers_an_unknown_extension_with_cmn_102(emulator):
    response = get(emulator, "admin", "/account/~/extension/123456789")
    assert response.status_code == 404
    assert response.json()["errors"][0]["errorCode"] == "CMN-102"
    assert response.json()["parameterName"] == "extensionId"


# --------------------------------------------------------------------------- listExtensions


def test_it_lists_the_accounts_extensions_for_any_of_its_users(emulator):
    for who in ("agent", "admin"):
        response = get(emulator, who, "/account/~/extension")
        assert response.status_code == 200
        body = response.json()
        assert_matches_operation(body, "listExtensions", 200)
        numbers = [record["extensionNumber"] for record in body["records"]]
        assert {"101", "102", "103"} <= set(numbers)
        assert numbers == sorted(numbers, key=lambda n: (len(n), n))
        assert body["uri"] == (
            f"{emulator.url}/restapi/v1.0/account/{ACCOUNT_ID}/extension?page=1&perPage=100"
        )
        assert body["paging"]["page"] == 1
        assert body["paging"]["pageStart"] == 0
        assert body["paging"]["totalElements"] == len(body["records"])
        assert set(body["navigation"]) == {"firstPage", "lastPage"}


def test_it_shapes_list_records_like_the_spec_sample(emulator):
    body = get(emulator, "agent", "/account/~/extension", extensionNumber="101").json()
    (record,) = body["records"]
    admin = emulator.user("admin")
    assert record["id"] == admin["extension_id"]
    assert record["uri"].endswith(f"/account/{ACCOUNT_ID}/extension/{admin['extension_id']}")
    assert record["type"] == "User"
    assert record["status"] == "Enabled"
    assert record["permissions"]["admin"] == {"enabled": True}
    assert record["contact"]["businessPhone"] == admin["sms_numbers"][0]
    assert "serviceFeatures" not in record
    assert "account" not in record


def test_it_filters_by_status_type_email_and_number(emulator):
    agent = emulator.user("agent")
    by_email = get(emulator, "agent", "/account/~/extension", email=agent["username"].upper())
    assert [r["id"] for r in by_email.json()["records"]] == [agent["extension_id"]]
    enabled = get(emulator, "agent", "/account/~/extension", status=["Enabled", "Disabled"])
    assert len(enabled.json()["records"]) >= 3
    assert query(enabled.json()["uri"])[:2] == [("status", "Enabled"), ("status", "Disabled")]
    frozen = get(emulator, "agent", "/account/~/extension", status="Frozen").json()
    assert frozen["records"] == []
    assert_matches_operation(frozen, "listExtensions", 200)
    departments = get(emulator, "agent", "/account/~/extension", type="Department").json()
    assert departments["records"] == []
    users = get(emulator, "agent", "/account/~/extension", type="User").json()
    assert all(r["type"] == "User" for r in users["records"])
    nobody = get(emulator, "agent", "/account/~/extension", extensionNumber="999").json()
    assert nobody["records"] == []


def test_it_ignores_an_empty_status_filter(emulator):
    response = get(emulator, "agent", "/account/~/extension", status="")
    assert response.status_code == 200
    assert len(response.json()["records"]) >= 3


def test_it_refuses_unknown_filter_values_with_cmn_101(emulator):
    wrong = ({"status": "Asleep"}, {"type": "Robot"}, {"page": "0"}, {"perPage": "x"},
             {"perPage": "0"})  # fmt: skip
    for params in wrong:
        response = get(emulator, "agent", "/account/~/extension", **params)
        assert response.status_code == 400, params
        body = response.json()
        assert body["errorCode"] == "CMN-101"
        assert body["parameterName"] == next(iter(params))
        assert_matches_schema(body, "ParameterizedErrorResponseModel")


def test_it_pages_the_extension_list(emulator):
    body = get(emulator, "agent", "/account/~/extension", perPage=1, page=2).json()
    assert_matches_operation(body, "listExtensions", 200)
    assert len(body["records"]) == 1
    assert body["records"][0]["extensionNumber"] == "102"
    paging = body["paging"]
    assert paging["page"] == 2
    assert paging["perPage"] == 1
    assert paging["pageStart"] == 1
    assert paging["pageEnd"] == 1
    assert paging["totalPages"] == paging["totalElements"]
    navigation = body["navigation"]
    assert dict(query(navigation["previousPage"]["uri"]))["page"] == "1"
    assert dict(query(navigation["nextPage"]["uri"]))["page"] == "3"
    beyond = get(emulator, "agent", "/account/~/extension", perPage=1, page=99).json()
    assert beyond["records"] == []
    assert "pageStart" not in beyond["paging"]


def test_it_hides_other_accounts(emulator):
    response = get(emulator, "admin", "/account/123456789/extension")
    assert response.status_code == 404
    body = response.json()
    assert body["errorCode"] == "CMN-102"
    assert body["parameterName"] == "accountId"


def test_it_counts_list_extensions_in_the_medium_group_of_the_spec(emulator):
    get(emulator, "agent", "/account/~/extension")
    records = emulator.request_counts()["records"]
    groups = {r["rateGroup"] for r in records if r["operation"] == "listExtensions"}
    assert groups == {"Medium"}


# --------------------------------------------------------------------------- phone numbers


def test_it_lists_the_numbers_an_extension_may_use(emulator):
    admin = emulator.user("admin")
    response = get(emulator, "admin", "/account/~/extension/~/phone-number")
    assert response.status_code == 200
    body = response.json()
    assert_matches_operation(body, "listExtensionPhoneNumbers", 200)
    assert_matches_schema(body, "GetExtensionPhoneNumbersResponse")
    by_number = {record["phoneNumber"]: record for record in body["records"]}
    direct = by_number[admin["sms_numbers"][0]]
    assert {"SmsSender", "MmsSender"} <= set(direct["features"])
    assert direct["usageType"] == "DirectNumber"
    assert direct["extension"]["id"] == admin["extension_id"]
    assert direct["paymentType"] == "Local"
    toll_free = by_number["+18885550101"]
    assert "SmsSender" in toll_free["features"]
    assert "MmsSender" not in toll_free["features"]  # toll-free numbers do not send MMS
    assert toll_free["paymentType"] == "TollFree"
    main = by_number[MAIN_NUMBER]
    assert main["usageType"] == "MainCompanyNumber"
    assert "SmsSender" not in main["features"]
    assert "extension" not in main
    assert body["uri"].endswith(
        f"/extension/{admin['extension_id']}/phone-number?page=1&perPage=100"
    )
    assert body["paging"]["totalElements"] == len(body["records"]) == 3
    assert all(isinstance(record["id"], int) for record in body["records"])


def test_it_filters_numbers_by_usage_type_and_status(emulator):
    path = "/account/~/extension/~/phone-number"
    direct = get(emulator, "agent", path, usageType="DirectNumber").json()
    assert [r["usageType"] for r in direct["records"]] == ["DirectNumber"]
    assert ("usageType", "DirectNumber") in query(direct["uri"])
    both = get(emulator, "agent", path, usageType=["DirectNumber", "MainCompanyNumber"]).json()
    assert len(both["records"]) == 2
    pending = get(emulator, "agent", path, status="Pending").json()
    assert pending["records"] == []
    assert_matches_operation(pending, "listExtensionPhoneNumbers", 200)
    bad = get(emulator, "agent", path, usageType="Pigeon")
    assert bad.status_code == 400
    assert bad.json()["parameterName"] == "usageType"
    empty_page = get(emulator, "agent", path, perPage="0")
    assert empty_page.status_code == 400
    assert empty_page.json()["parameterName"] == "perPage"


def test_it_pages_phone_numbers(emulator):
    body = get(emulator, "admin", "/account/~/extension/~/phone-number", perPage=2, page=2).json()
    assert len(body["records"]) == 1
    assert body["paging"]["pageStart"] == 2
    assert "previousPage" in body["navigation"]
    assert "nextPage" not in body["navigation"]


def test_it_applies_the_extension_access_rules_to_phone_numbers(emulator):
    admin, agent = emulator.user("admin"), emulator.user("agent")
    as_admin = get(emulator, "admin", f"/account/~/extension/{agent['extension_id']}/phone-number")
    assert as_admin.status_code == 200
    assert agent["sms_numbers"][0] in {r["phoneNumber"] for r in as_admin.json()["records"]}
    as_agent = get(emulator, "agent", f"/account/~/extension/{admin['extension_id']}/phone-number")
    assert as_agent.status_code == 403
    assert as_agent.json()["errorCode"] == "CMN-419"
