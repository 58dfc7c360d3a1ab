"""CSV cells a spreadsheet opens as text, whatever a customer or a colleague wrote in them.

A cell starting with `=`, `+`, `-` or `@` (or a tab or carriage return, which some
spreadsheets skip before looking) is run as a formula when the file is opened: a customer's
text such as `=HYPERLINK("http://…")` would become a link, or worse. Every CSV the dashboard
writes (the audit log's export, the address book's, conversation and mailbox exports) passes
each cell through `csv_cell`, which puts a `'` before such a start: spreadsheets show the
cell as the text it is and hide the mark. `csv_cell_read` takes the mark off again for a file
read back (the address book's import).

`CsvLines` writes rows as CSV lines one at a time, for responses streamed row by row.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_FORMULA_STARTS) else text


def csv_cell_read(text: str) -> str:
    """A cell as `csv_cell` was given it: the ' it put before a formula's start taken off."""
    if text.startswith("'") and text[1:].startswith(CSV_FORMULA_STARTS):
        return text[1:]
    return text


class _Echo:
    """A file that gives back what is written to it: `csv.writer` then returns each line."""

    def write(self, value: str) -> str:
        return value


class CsvLines:
    """Rows as CSV lines (`\\r\\n` ends each, as the csv module writes them), every cell
    guarded by `csv_cell`."""

    def __init__(self) -> None:
        self._writer = csv.writer(_Echo())

    def line(self, cells: Iterable[object]) -> str:
        line: str = self._writer.writerow([csv_cell(cell) for cell in cells])
        return line
