"""Results: each benchmark's figures, its aims with pass or miss, one table, one JSON file."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Aim:
    """`value` against `limit`: at most (`at_least=False`) or at least."""

    what: str
    value: float
    limit: float
    at_least: bool = False

    @property
    def passed(self) -> bool:
        return self.value >= self.limit if self.at_least else self.value <= self.limit

    def text(self) -> str:
        return f"{'≥' if self.at_least else '≤'} {self.limit:g}"


@dataclass
class Row:
    measure: str
    figure: str
    aim: Aim | None = None


@dataclass
class Result:
    name: str
    figures: dict[str, Any] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""

    def row(self, measure: str, figure: str, aim: Aim | None = None) -> None:
        self.rows.append(Row(measure, figure, aim))

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "figures": self.figures,
            "aims": [
                {**asdict(r.aim), "passed": r.aim.passed} for r in self.rows if r.aim is not None
            ],
            "notes": self.notes,
            "error": self.error,
        }


def table(results: list[Result]) -> str:
    lines: list[tuple[str, str, str, str, str]] = [
        ("benchmark", "measure", "figure", "aim", "verdict")
    ]
    for result in results:
        if result.error:
            lines.append((result.name, "error", result.error[:80], "", "ERROR"))
        for row in result.rows:
            aim = row.aim
            lines.append(
                (
                    result.name,
                    row.measure,
                    row.figure,
                    aim.text() if aim else "",
                    ("pass" if aim.passed else "MISS") if aim else "",
                )
            )
    widths = [max(len(line[i]) for line in lines) for i in range(5)]
    rendered = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]
    rendered.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(rendered)


def write_json(path: Path, header: dict[str, Any], results: list[Result]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {**header, "benchmarks": {r.name: r.as_json() for r in results}}
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
