"""The vendored front-end libraries are the pinned releases, byte for byte (scripts/vendor_static),
and nothing a page loads comes from another origin."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_vendored_files_are_the_pinned_releases() -> None:
    checked = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "vendor_static"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


def test_every_vendored_library_carries_its_licence() -> None:
    for folder in (ROOT / "static" / "vendor").iterdir():
        if folder.is_dir():
            assert (folder / "LICENSE").is_file(), folder.name


def test_no_template_loads_anything_from_another_origin() -> None:
    remote = re.compile(r"""<(?:script|link|img)\b[^>]*(?:src|href)=["'](?:https?:)?//""")
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if remote.search(path.read_text())
    ]
    assert offenders == []
