"""One command-line contract for files generated from the course's own sources (schedule.md, lessons.md).

``--write`` writes the file, ``--check`` fails (exit 1) if the committed file differs from what would be
generated (``make test`` runs it), no option prints the text.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_or_check(text: str, out: Path, argv: list[str]) -> int:
    if "--check" in argv:
        if not out.is_file() or out.read_text(encoding="utf-8") != text:
            print(f"{out.relative_to(ROOT)} is out of date: run `make schedule`", file=sys.stderr)
            return 1
        return 0
    if "--write" in argv:
        out.parent.mkdir(exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out.relative_to(ROOT)}")
        return 0
    print(text)
    return 0
