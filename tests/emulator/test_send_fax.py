"""Sending faxes: `POST …/extension/{extensionId}/fax` (REFERENCE §10.1)."""

from __future__ import annotations

import json
import sqlite3

import pytest
import requests

from emulator import media
from tests.emulator.factories import make_fax, unique_number
from tests.emulator.openapi import assert_matches_operation, assert_matches_schema
from tests.emulator.sending import (
    assert_error,
    content_type,
    form_field,
    form_file,
    multipart,
    sdk_send,
)

PDF = media.pdf_document(["page one", "page two", "page three"])
FAX = "/account/~/extension/~/fax"


def post(emulator, parts, kind="form-data", which="admin"):
    return emulator.session(which).post(
        emulator.api(FAX), data=multipart(parts), headers=content_type(kind), timeout=60
    )


def json_part(body, name="json"):
    return form_file(name, "request.json", json.dumps(body).encode(), "application/json")


def pdf_part(name="doc.pdf", data=PDF):
    return form_file("attachment", name, data, "application/pdf")


def recipients(*numbers):
    return {"to": [{"phoneNumber": n} for n in numbers]}


def test_it_sends_a_fax_built_by_the_official_sdk(emulator):
    to = unique_number()
    body = {"to": [{"phoneNumber": to}], "faxResolution": "High", "coverPageText": "sdk fax"}
    response = sdk_send(emulator, "/fax", body, [("report.pdf", PDF, "application/pdf")])
    assert response.status_code == 200, response.text
    record = response.json()
    assert_matches_schema(record, "FaxResponse")
    assert_matches_operation(record, "createFaxMessage", 200)
    assert record["type"] == "Fax"
    assert record["direction"] == "Outbound"
    assert record["messageStatus"] == "Queued"
    assert record["readStatus"] == "Unread"
    assert record["to"] == [{"phoneNumber": to, "messageStatus": "Queued"}]
    assert record["faxPageCount"] == 0
    assert record["faxResolution"] == "High"
    assert record["coverIndex"] == 0
    assert record["coverPageText"] == "sdk fax"
    assert record["from"]["phoneNumber"] == "+16505550101"
    [document] = record["attachments"]
    assert document["type"] == "RenderedDocument"
    assert document["contentType"] == "application/pdf"
    assert "fileName" not in document  # FaxResponse spells it `filename`
    stored = emulator.session("admin").get(document["uri"], timeout=10)
    assert stored.content == PDF  # a single PDF is faxed as it came


def test_it_sends_a_fax_as_multipart_mixed_from_the_sdk(emulator):
    response = sdk_send(
        emulator,
        "/fax",
        recipients(unique_number()),
        [("a.pdf", PDF, "application/pdf")],
        mixed=True,
    )
    assert response.status_code == 200, response.text
    assert response.json()["messageStatus"] == "Queued"


def test_it_reads_one_form_field_per_parameter_as_the_reference_sample(emulator):
    """[SPEC21] "Multipart/Form-data": every field its own part, `to` repeated, three text
    attachments of which the first has no file name."""
    first, second = unique_number(), unique_number()
    response = post(
        emulator,
        [
            form_field("coverPageText", ""),
            form_field("coverIndex", "2"),
            form_field("faxResolution", "High"),
            form_field("sendTime", "2030-03-19T08:00:00.000Z"),
            form_field("isoCode", "GB"),
            form_field("to", first),
            form_field("to", second),
            form_file("attachment", None, b"attachment1", "text/plain"),
            form_file("attachment", "1", b"attachment2", "text/plain"),
            form_file("attachment", "2", b"attachment3", "text/plain"),
        ],
    )
    assert response.status_code == 200, response.text
    record = response.json()
    assert_matches_schema(record, "FaxResponse")
    assert [p["phoneNumber"] for p in record["to"]] == [first, second]
    assert all(p["messageStatus"] == "Queued" for p in record["to"])
    assert record["coverIndex"] == 2
    assert "coverPageText" not in record  # sent empty, as the sample's answer shows
    rendered = emulator.session("admin").get(record["attachments"][0]["uri"], timeout=10)
    assert rendered.content.startswith(b"%PDF")
    assert media.pdf_page_count(rendered.content) == 3  # one page per text document


def test_it_reads_the_multipart_mixed_sample_of_the_reference(emulator):
    """docs fax-multipart-formats: JSON envelope, then a document without a Content-Type;
    the old sample's `country.isoCode` is accepted beside the spec's `isoCode`."""
    to = unique_number()
    envelope = {
        "to": [{"phoneNumber": to, "name": "John Smith"}],
        "faxResolution": "Low",
        "country": {"isoCode": "IE"},
        "sendTime": "2013-02-26T09:31:20.882Z",
    }
    response = post(
        emulator,
        [
            ({"Content-Type": "application/json"}, json.dumps(envelope).encode()),
            ({"Content-Disposition": 'attachment; filename="fax.txt"'}, b"Hello, World!\n"),
        ],
        kind="mixed",
    )
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["to"] == [{"phoneNumber": to, "name": "John Smith", "messageStatus": "Queued"}]
    assert record["faxResolution"] == "Low"


def test_it_ignores_a_sender_given_by_the_client(emulator):
    body = {**recipients(unique_number()), "from": {"phoneNumber": "+16505550102"}}
    response = post(emulator, [json_part(body), pdf_part()])
    assert response.status_code == 200, response.text
    assert response.json()["from"]["phoneNumber"] == "+16505550101"


def test_it_sends_a_cover_page_alone(emulator):
    body = {**recipients(unique_number()), "coverIndex": 13, "coverPageText": "Call me"}
    response = post(emulator, [json_part(body)])
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["coverIndex"] == 13
    rendered = emulator.session("admin").get(record["attachments"][0]["uri"], timeout=10)
    assert media.pdf_page_count(rendered.content) == 1


def test_it_renders_several_documents_into_one_pdf(emulator):
    png = media.png_image(20, 20, seed=1)
    response = post(
        emulator,
        [
            json_part(recipients(unique_number())),
            pdf_part(),
            form_file("attachment", "notes.txt", b"line\n" * 100, "text/plain"),
            form_file("attachment", "photo.png", png, "image/png"),
        ],
    )
    assert response.status_code == 200, response.text
    [document] = response.json()["attachments"]
    rendered = emulator.session("admin").get(document["uri"], timeout=10).content
    assert media.pdf_page_count(rendered) == 3 + 3 + 1  # PDF pages, 100 lines of text, a picture


# --------------------------------------------------------------------------- errors


def test_it_requires_a_document_or_a_cover_page(emulator):
    response = post(emulator, [json_part(recipients(unique_number()))])
    body = assert_error(response, 400, "CMN-101", "Parameter [attachment] value is invalid.")
    assert body["parameterName"] == "attachment"


def test_it_refuses_an_empty_document_with_msg_347(emulator):
    response = post(emulator, [json_part(recipients(unique_number())), pdf_part(data=b"")])
    assert_error(response, 400, "MSG-347", "Attachment body is empty")


def test_it_refuses_an_unsupported_document_with_msg_348(emulator):
    response = post(
        emulator,
        [
            json_part(recipients(unique_number())),
            pdf_part(),
            form_file("attachment", "setup.exe", b"MZ\x90\x00", "application/octet-stream"),
        ],
    )
    assert_error(
        response, 415, "MSG-348", "Unsupported attachment media type, attachment [2]: [setup.exe]"
    )


@pytest.mark.parametrize("name", ["a&b.pdf", "me@home.pdf", "#1.pdf", "100%.pdf", "x*y.pdf"])
def test_it_refuses_file_names_with_reserved_characters(emulator, name):
    response = post(emulator, [json_part(recipients(unique_number())), pdf_part(name)])
    body = assert_error(response, 400, "CMN-101", "Parameter [attachment] value is invalid.")
    assert body["errors"][0]["parameterValue"] == name


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("coverIndex", 14),
        ("coverIndex", "first"),
        ("coverIndex", -1),
        ("coverPageText", "c" * 1025),
        ("faxResolution", "Medium"),
        ("sendTime", "tomorrow"),
        ("isoCode", "GBR"),
    ],
)
def test_it_refuses_invalid_options_with_cmn_101(emulator, field, value):
    body = {**recipients(unique_number()), field: value}
    response = post(emulator, [json_part(body), pdf_part()])
    assert_error(response, 400, "CMN-101", f"Parameter [{field}] value is invalid.")


def test_it_accepts_the_longest_cover_page_text(emulator):
    body = {**recipients(unique_number()), "coverIndex": 1, "coverPageText": "c" * 1024}
    assert post(emulator, [json_part(body), pdf_part()]).status_code == 200


def test_it_refuses_missing_or_malformed_recipients(emulator):
    assert_error(
        post(emulator, [json_part({}), pdf_part()]),
        400,
        "CMN-101",
        "Parameter [to] value is invalid.",
    )
    response = post(emulator, [json_part(recipients("fax me")), pdf_part()])
    assert_error(response, 400, "CMN-101", "Parameter [to.phoneNumber] value is invalid.")
    number = unique_number()
    twice = post(emulator, [json_part(recipients(number, number)), pdf_part()])
    assert_error(twice, 400, "CMN-406")


def test_it_refuses_an_unparsable_envelope_with_msg_349(emulator):
    bad = form_file("json", "request.json", b'{"to": [', "application/json")
    assert_error(post(emulator, [bad, pdf_part()]), 400, "MSG-349", "Unable to parse fax envelope")


def test_it_wants_a_file_name_on_every_multipart_mixed_document(emulator):
    envelope = ({"Content-Type": "application/json"}, json.dumps(recipients(unique_number())))
    head = (envelope[0], envelope[1].encode())
    no_disposition = post(emulator, [head, ({"Content-Type": "text/plain"}, b"hi")], kind="mixed")
    assert_error(no_disposition, 400, "MSG-350", "No content disposition")
    no_name = post(emulator, [head, ({"Content-Disposition": "attachment"}, b"hi")], kind="mixed")
    assert_error(no_name, 400, "MSG-351", "No file name in content disposition")


def test_it_limits_the_documents_to_50_megabytes(emulator):
    big = b"\0" * (25 * 1024 * 1024 + 1)
    response = post(
        emulator,
        [json_part(recipients(unique_number())), pdf_part("a.pdf", big), pdf_part("b.pdf", big)],
    )
    assert_error(response, 400, "MSG-337", "Attachment size limit exceeded")


def test_it_refuses_a_body_over_55_megabytes_with_413(emulator):
    big = b"\0" * (56 * 1024 * 1024)
    try:
        response = post(emulator, [json_part(recipients(unique_number())), pdf_part("a.pdf", big)])
    except requests.ConnectionError:
        pytest.fail("the emulator dropped the connection instead of answering 413")
    assert_error(response, 413, "CMN-104")


def test_it_lets_nobody_send_as_another_user(emulator):
    agent = emulator.user("agent")
    response = emulator.session("admin").post(
        emulator.api(f"/account/~/extension/{agent['extension_id']}/fax"),
        data=multipart([json_part(recipients(unique_number())), pdf_part()]),
        headers=content_type("form-data"),
        timeout=10,
    )
    assert_error(response, 403, "CMN-404")


# --------------------------------------------------------------------------- resend / forward


def resend(emulator, body):
    return emulator.session("admin").post(emulator.api(FAX), json=body, timeout=10)


def test_it_forwards_a_received_fax(emulator):
    admin = emulator.user("admin")
    received = make_fax(emulator.db_path, admin["extension_id"], content=PDF)
    to = unique_number()
    response = resend(emulator, {"originalMessageId": str(received), **recipients(to)})
    assert response.status_code == 200, response.text
    record = response.json()
    assert_matches_schema(record, "FaxResponse")
    assert record["id"] != received
    assert record["to"][0]["phoneNumber"] == to
    assert record["messageStatus"] == "Queued"
    forwarded = emulator.session("admin").get(record["attachments"][0]["uri"], timeout=10)
    assert forwarded.content == PDF


def test_it_resends_a_sent_fax_to_its_recipients(emulator):
    admin = emulator.user("admin")
    to = unique_number()
    sent = make_fax(emulator.db_path, admin["extension_id"], direction="Outbound", other_number=to)
    response = resend(emulator, {"originalMessageId": sent})
    assert response.status_code == 200, response.text
    assert [p["phoneNumber"] for p in response.json()["to"]] == [to]


def test_it_refuses_to_resend_what_cannot_be_resent_with_msg_343(emulator):
    admin = emulator.user("admin")
    received = make_fax(emulator.db_path, admin["extension_id"])
    without_recipients = resend(emulator, {"originalMessageId": received})
    message = "Fax resend is not allowed for message in current state"
    assert_error(without_recipients, 406, "MSG-343", message)
    queued = post(
        emulator,
        [
            json_part({**recipients(unique_number()), "sendTime": "2099-01-01T00:00:00Z"}),
            pdf_part(),
        ],
    )
    again = resend(emulator, {"originalMessageId": queued.json()["id"]})
    assert_error(again, 406, "MSG-343", message)


def test_it_refuses_to_resend_an_unknown_fax(emulator):
    response = resend(emulator, {"originalMessageId": "987654321098"})
    assert_error(
        response, 400, "CMN-102", "Resource for parameter [originalMessageId] is not found"
    )
    missing = resend(emulator, {"to": [{"phoneNumber": unique_number()}]})
    assert_error(missing, 400, "CMN-101", "Parameter [originalMessageId] value is invalid.")


def test_it_refuses_to_resend_a_fax_of_another_mailbox(emulator):
    agent = emulator.user("agent")
    theirs = make_fax(emulator.db_path, agent["extension_id"])
    response = resend(emulator, {"originalMessageId": theirs, **recipients(unique_number())})
    assert_error(response, 400, "CMN-102")


def test_it_refuses_a_deleted_fax_as_original(emulator):
    admin = emulator.user("admin")
    deleted = make_fax(emulator.db_path, admin["extension_id"], availability="Deleted")
    response = resend(emulator, {"originalMessageId": deleted, **recipients(unique_number())})
    assert_error(response, 400, "CMN-102")


def test_it_faxes_from_the_company_number_when_the_user_has_none(fresh_emulator):
    """With no number of their own the user faxes from the company number."""
    agent = fresh_emulator.user("agent")
    with sqlite3.connect(fresh_emulator.db_path) as db:
        db.execute("DELETE FROM phone_number WHERE extension_id = ?", (agent["extension_id"],))
    response = post(
        fresh_emulator, [json_part(recipients(unique_number())), pdf_part()], which="agent"
    )
    assert response.status_code == 200, response.text
    assert response.json()["from"]["phoneNumber"] == "+16505550100"


def test_it_names_the_fax_permission_when_an_agent_targets_another_mailbox(emulator):
    admin = emulator.user("admin")
    response = emulator.session("agent").post(
        emulator.api(f"/account/~/extension/{admin['extension_id']}/fax"),
        data=multipart([json_part(recipients(unique_number())), pdf_part()]),
        headers=content_type("form-data"),
        timeout=10,
    )
    assert_error(
        response,
        403,
        "CMN-419",
        "In order to call this API endpoint for another extension, user needs to have "
        "[OutboundFaxes] permission granted with extended scope",
    )
