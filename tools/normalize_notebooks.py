"""Strip run-specific metadata from executed notebooks so a re-run changes nothing but real outputs.

Removes per-cell execution timestamps (``metadata.execution``) that nbclient records; outputs are kept as they are.
Usage: python tools/normalize_notebooks.py NOTEBOOK...
"""
from __future__ import annotations

import sys

import nbformat


def normalize(path: str) -> bool:
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if "execution" in cell.metadata:
            del cell.metadata["execution"]
            changed = True
    if changed:
        nbformat.write(nb, path)
    return changed


if __name__ == "__main__":
    for p in sys.argv[1:]:
        if normalize(p):
            print(f"normalized {p}")
