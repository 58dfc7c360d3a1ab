"""The address book as CSV: the export (cells a spreadsheet would run as formulas written as
text, as the audit log's export writes them) and the import (a row per contact, the rows it
refused listed with their row number and reason; a file too large, not CSV or not UTF-8
refused as a whole), each audited, and the round trip."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.bulk.views import csv_cell as audit_csv_cell
from inbox.contacts.services import csv_cell
from inbox.models import AuditEntry, Contact
from tests.inbox.conftest import extension_of
from tests.inbox.contacts.support import account_of, contact_make
from tests.support.emulator import RunningEmulator

EXPORT = reverse("inbox:contacts_export")
IMPORT = reverse("inbox:contacts_import")
HEADER = "name,company,notes,numbers\n"


@pytest.fixture
def bob(bob_client: Client, rc: RunningEmulator) -> User:
    return User.objects.get(rc_extension_id=extension_of(rc, "agent"))


def exported(client: Client) -> tuple[StreamingHttpResponse, str]:
    response = client.get(EXPORT)
    assert isinstance(response, StreamingHttpResponse)
    return response, b"".join(response.streaming_content).decode()


def upload(
    client: Client, content: bytes, name: str = "contacts.csv", kind: str = "text/csv"
) -> Any:
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content, content_type=kind)})


def refused_rows(page: str) -> list[tuple[str, str, str]]:
    return [
        (row, html.unescape(name), html.unescape(reason))
        for row, name, reason in re.findall(
            r'<tr data-refused-row="\d+"><td class="num">(\d+)</td>'
            r"<td>(.*?)</td><td>(.*?)</td></tr>",
            page,
        )
    ]


@pytest.mark.parametrize("cell", ["=1+1", "+16505550101", "-2", "@SUM(A1)", "\tx", "\rx", "ok", ""])
def test_the_export_guards_cells_as_the_audit_export_does(cell: str) -> None:
    assert csv_cell(cell) == audit_csv_cell(cell)


def test_it_exports_the_accounts_contacts_with_formulas_as_text(
    bob_client: Client, bob: User
) -> None:
    account = account_of(bob)
    contact_make(account_id=account, name="=HYPERLINK(\"http://evil\")", company="@corp",
                 notes="-rude, \"quoted\"", numbers=["+16505550123", "+16505550124"])  # fmt: skip
    contact_make(account_id=account, name="Omar Haddad", numbers=["+12095550777"])
    contact_make(account_id=account + 1, name="Elsewhere", numbers=["+12095550778"])

    response, text = exported(bob_client)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="contacts-')
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["name", "company", "notes", "numbers"],
        ["'=HYPERLINK(\"http://evil\")", "'@corp", "'-rude, \"quoted\"",
         "'+16505550123; +16505550124"],
        ["Omar Haddad", "", "", "'+12095550777"],
    ]  # fmt: skip
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CONTACTS_EXPORT)
    assert (entry.actor, entry.extension_id, entry.detail) == (
        bob,
        bob.rc_extension_id,
        "2 contacts",
    )


def test_it_imports_rows_and_reports_the_refused_ones(bob_client: Client, bob: User) -> None:
    account = account_of(bob)
    contact_make(account_id=account, name="Omar Haddad", numbers=["+12095550777"])
    content = (
        HEADER
        + "Fatima Rossi,Rossi Bakery,Texts after 5,(650) 555-0123 (Mobile); +44 20 7946 0958\n"
        + ",No name,,+16505550124\n"
        + "Bad Number,,,12345\n"
        + "Taken,,,+1 209 555 0777\n"
        + "\n"
        + "Twice,,,+16505550123\n"
        + f"{'L' * 121},,,+16505550125\n"
        + "No Number,,,\n"
        + "Too many,,,+16505550126,extra\n"
        + "'=Formula Inc,,,'+16505550127\n"
    ).encode()

    response = upload(bob_client, content)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Imported 2 contacts; 7 rows refused" in page
    assert refused_rows(page) == [
        ("3", "—", "Enter the contact's name."),
        ("4", "Bad Number",
         "“12345” is not a valid phone number: check the digits and the country code."),
        ("5", "Taken", "+12095550777 is already the number of Omar Haddad."),
        ("7", "Twice", "+16505550123 is already the number of Fatima Rossi."),
        ("8", "L" * 59 + "…", "The name is too long: at most 120 characters, not 121."),
        ("9", "No Number", "Enter at least one phone number."),
        ("10", "Too many", "The row has 5 cells; a row has 4."),
    ]  # fmt: skip
    fatima = Contact.objects.get(account_id=account, name="Fatima Rossi")
    assert (fatima.company, fatima.notes, fatima.created_by) == (
        "Rossi Bakery",
        "Texts after 5",
        bob,
    )
    assert [(n.number, n.label) for n in fatima.numbers.order_by("id")] == [
        ("+16505550123", "Mobile"),
        ("+442079460958", ""),
    ]
    formula = Contact.objects.get(account_id=account, name="=Formula Inc")
    assert list(formula.numbers.values_list("number", flat=True)) == ["+16505550127"]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CONTACTS_IMPORT)
    assert (entry.outcome, entry.detail) == (AuditEntry.Outcome.PARTLY, "2 imported, 7 refused")


def test_an_export_imports_back_as_it_was(
    bob_client: Client, bob: User, alice_client: Client
) -> None:
    account = account_of(bob)
    contact_make(account_id=account, name="@Fatima, \"Fa\" Rossi", company="=Bakery",
                 notes="Line one\nline two", numbers=["+16505550123"])  # fmt: skip
    contact_make(account_id=account, name="Omar Haddad", numbers=["+12095550777", "+12095550778"])
    _, text = exported(bob_client)
    before = sorted(
        (c.name, c.company, c.notes, tuple(c.numbers.values_list("number", flat=True)))
        for c in Contact.objects.all()
    )
    Contact.objects.all().delete()

    response = upload(alice_client, text.encode())

    assert "Imported 2 contacts" in response.content.decode()
    after = sorted(
        (c.name, c.company, c.notes, tuple(c.numbers.values_list("number", flat=True)))
        for c in Contact.objects.all()
    )
    assert after == before


def test_importing_the_same_file_again_refuses_every_row(bob_client: Client, bob: User) -> None:
    content = (HEADER + "Fatima Rossi,,,+16505550123\n").encode()
    upload(bob_client, content)

    again = upload(bob_client, content).content.decode()

    assert "No contact was imported; 1 row refused" in again
    assert Contact.objects.count() == 1
    outcomes = list(
        AuditEntry.objects.filter(action=AuditEntry.Action.CONTACTS_IMPORT)
        .order_by("id")
        .values_list("outcome", flat=True)
    )
    assert outcomes == [AuditEntry.Outcome.DONE, AuditEntry.Outcome.FAILED]


@pytest.mark.parametrize(
    ("content", "name", "kind", "sentence"),
    [
        (b"name,company,notes,numbers\n", "contacts.xlsx",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "“contacts.xlsx” is not a CSV file."),
        (b"\x89PNG\r\n", "picture.png", "image/png", "“picture.png” is not a CSV file."),
        ("name,company,notes,numbers\nJos\xe9,,,+16505550123\n".encode("latin-1"),
         "contacts.csv", "text/csv", "“contacts.csv” is not UTF-8 text."),
        (b"Name;Numbers\nFatima;+16505550123\n", "contacts.csv", "text/csv",
         "The first row must be the header name,company,notes,numbers"),
        (b"", "contacts.csv", "text/csv", "The submitted file is empty."),
        (b"name,company,notes,numbers\n\"unclosed\x00,,,\n", "contacts.csv", "text/csv",
         "is not a CSV file: it holds binary data."),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_utf8_csv_is_refused(
    bob_client: Client, bob: User, content: bytes, name: str, kind: str, sentence: str
) -> None:
    response = upload(bob_client, content, name, kind)

    assert response.status_code == 400
    assert sentence in html.unescape(response.content.decode())
    assert not Contact.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.CONTACTS_IMPORT).exists()


def test_a_file_over_5_mb_is_refused_unread(bob_client: Client, bob: User) -> None:
    row = "Fatima Rossi,,,+16505550123\n"
    content = (HEADER + row * (5 * 2**20 // len(row) + 10)).encode()

    response = upload(bob_client, content)

    assert response.status_code == 413
    assert "The file is larger than 5 MB, so it was not read." in html.unescape(
        response.content.decode()
    )
    assert not Contact.objects.exists()


def test_the_import_needs_the_csrf_token(bob: User, rc: RunningEmulator) -> None:
    from tests.inbox.conftest import signed_in

    strict = signed_in(rc, "agent")
    strict.handler.enforce_csrf_checks = True

    response = upload(strict, (HEADER + "Fatima Rossi,,,+16505550123\n").encode())

    assert response.status_code == 403
    assert not Contact.objects.exists()


def test_the_list_page_links_the_export_and_the_import(bob_client: Client, bob: User) -> None:
    page = bob_client.get(reverse("inbox:contacts")).content.decode()

    assert f'href="{EXPORT}" download' in page and f'href="{IMPORT}"' in page
    assert bob_client.get(IMPORT).status_code == 200
