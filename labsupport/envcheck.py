"""Check that the installed packages are the pinned ones.

The pins are read from ``requirements.txt`` at the repository root (the only list of
versions), so the check can never drift from what ``make lab`` installs.

>>> pins = read_pins(REQUIREMENTS)
>>> "jupyterlab" in pins and "nbval" in pins
True
"""
from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from labsupport.core.table import Table

__all__ = ["REQUIREMENTS", "read_pins", "check_environment"]

REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"
_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s#;]+)")


def read_pins(path: Path | str = REQUIREMENTS, direct_only: bool = True) -> dict[str, str]:
    """Map each pinned package to its version; only the direct dependencies unless ``direct_only=False``."""
    pins: dict[str, str] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if direct_only and line.startswith("# --- transitive"):
            break
        m = _PIN.match(line)
        if m:
            pins[m.group(1)] = m.group(2)
    return pins


def check_environment(path: Path | str = REQUIREMENTS, show: bool = True) -> Table:
    """Print ``[ OK ]`` or ``[FAIL]`` for each direct dependency: installed version vs pinned version.

    Returns the table (columns CHECK, PACKAGE, INSTALLED, PINNED); ``all(r["CHECK"] == "[ OK ]" for r in t)``
    tells whether the environment is right.
    """
    rows = []
    for name, pinned in read_pins(path).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "missing"
        rows.append({"CHECK": "[ OK ]" if installed == pinned else "[FAIL]", "PACKAGE": name,
                     "INSTALLED": installed, "PINNED": pinned})
    table = Table(["CHECK", "PACKAGE", "INSTALLED", "PINNED"], rows)
    if show:
        print(table)
        bad = [r["PACKAGE"] for r in rows if r["CHECK"] != "[ OK ]"]
        print("\nAll packages match their pins." if not bad else
              f"\n{len(bad)} package(s) differ from the pins: run `make lab` again, or `pip install -r requirements.txt`.")
    return table
