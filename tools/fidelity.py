"""``make fidelity``: how many upstream table-test cases labsupport reproduces, per upstream test file.

Discovers ``tests/upstream/k8s/cases_*.py`` and ``tests/upstream/mesos/cases_*.py`` (format:
``tests/upstream/README.md``), runs every case and prints, per upstream file: cases ported, cases
passing, cases not expressible in the simulator, and the reasons for the latter grouped with counts.

    python tools/fidelity.py              # text report; exit status 1 if a case fails
    python tools/fidelity.py --markdown   # the same as a Markdown table (for the README)
"""
from __future__ import annotations

import argparse
import sys
import traceback
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "upstream"))

from upstream_cases import case_modules, check_module, run_case  # noqa: E402


def collect() -> tuple[dict, list[str]]:
    """``{(system, upstream_file): {"ported", "passing", "failures", "reasons"}}`` and module problems."""
    rows: dict = defaultdict(lambda: {"ported": 0, "passing": 0, "failures": [], "reasons": Counter()})
    problems: list[str] = []
    for system, mod in case_modules():
        problems += check_module(mod)
        for case in getattr(mod, "CASES", []):
            row = rows[(system, case["upstream_file"])]
            row["ported"] += 1
            try:
                run_case(mod, case)
            except Exception as e:  # noqa: BLE001 - any error is a failing case, reported by id
                last = traceback.format_exception_only(type(e), e)[-1].strip()
                row["failures"].append(f"{mod.__name__}::{case['id']}: {last}")
            else:
                row["passing"] += 1
        for ne in getattr(mod, "NOT_EXPRESSIBLE", []):
            rows[(system, ne["upstream_file"])]["reasons"][ne["reason"]] += 1
    return dict(sorted(rows.items())), problems


def text_report(rows: dict) -> str:
    out = []
    totals = Counter()
    for (system, path), r in rows.items():
        ne = sum(r["reasons"].values())
        totals.update(ported=r["ported"], passing=r["passing"], ne=ne)
        out.append(f"{system:5s} {path}")
        out.append(f"      ported {r['ported']:3d}   passing {r['passing']:3d}   not expressible {ne:3d}")
        for reason, n in sorted(r["reasons"].items()):
            out.append(f"        - {n} x {reason}")
        for f in r["failures"]:
            out.append(f"        FAIL {f}")
    out.append(f"total: {totals['ported']} ported, {totals['passing']} passing, {totals['ne']} not expressible, "
               f"{len(rows)} upstream files")
    return "\n".join(out)


def markdown_report(rows: dict) -> str:
    """Counts only (the reasons are in the text report), for the README."""
    out = ["| system | upstream test file | ported | passing | not expressible |", "|---|---|---:|---:|---:|"]
    totals = Counter()
    for (system, path), r in rows.items():
        ne = sum(r["reasons"].values())
        totals.update(ported=r["ported"], passing=r["passing"], ne=ne)
        out.append(f"| {system} | `{path}` | {r['ported']} | {r['passing']} | {ne} |")
    out.append(f"| | **total** | **{totals['ported']}** | **{totals['passing']}** | **{totals['ne']}** |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table instead of text")
    args = ap.parse_args(argv)
    rows, problems = collect()
    print(markdown_report(rows) if args.markdown else text_report(rows))
    for p in problems:
        print("PROBLEM", p)
    failed = any(r["failures"] for r in rows.values()) or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
