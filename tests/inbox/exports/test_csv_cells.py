"""One rule for every CSV the dashboard writes (inbox/csv_cells.py): a cell a spreadsheet
would run as a formula gets a leading ', which the address book's import takes off again.
The audit log's export, the address book's and the exports all use it, not copies of it."""

from __future__ import annotations

import csv
import io

import pytest

import inbox.bulk.views
import inbox.contacts.services
from inbox import csv_cells
from inbox.csv_cells import CsvLines, csv_cell, csv_cell_read


@pytest.mark.parametrize(
    ("written", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+16505550101", "'+16505550101"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_a_formulas_start_is_written_as_text_and_read_back(written: object, cell: str) -> None:
    assert csv_cell(written) == cell
    assert csv_cell_read(cell) == ("" if written is None else str(written))


def test_a_quote_that_starts_no_formula_is_kept_when_read() -> None:
    assert csv_cell_read("'quoted'") == "'quoted'"


def test_lines_are_csv_with_every_cell_guarded() -> None:
    line = CsvLines().line(["=cmd|' /C calc'!A0", 'say "hi"', "two\nlines", 7])

    assert line.endswith("\r\n")
    assert next(csv.reader(io.StringIO(line, newline=""))) == [
        "'=cmd|' /C calc'!A0", 'say "hi"', "two\nlines", "7",
    ]  # fmt: skip


def test_the_audit_log_and_the_address_book_use_the_one_rule() -> None:
    assert inbox.bulk.views.csv_cell is csv_cells.csv_cell
    assert inbox.contacts.services.csv_cell is csv_cells.csv_cell
    assert not hasattr(inbox.bulk.views, "CSV_FORMULA_STARTS")
    assert not hasattr(inbox.contacts.services, "CSV_FORMULA_STARTS")
