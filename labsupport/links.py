"""Links an instructor hands out: one Binder link and one nbgitpuller link per lesson and exercise notebook.

* A **Binder** link builds this repository with repo2docker (it reads ``environment.yml`` and ``postBuild``) and
  opens one notebook in JupyterLab: ``https://mybinder.org/v2/gh/OWNER/REPO/REF?urlpath=lab/tree/PATH``
  (``/v2/git/<encoded clone URL>/REF`` for a repository outside GitHub). Binder's own documentation and
  link form use exactly this ``urlpath`` parameter.
* An **nbgitpuller** link, on a JupyterHub that has nbgitpuller installed (see ``deploy/jupyterhub/``), clones or
  updates the course in the learner's home and then opens the notebook:
  ``HUB/hub/user-redirect/git-pull?repo=...&urlpath=lab/tree/<clone dir>/PATH&branch=REF``. The query is built as
  nbgitpuller's own link generator builds it (``docs/_static/link_gen/link.js``: form-encoded parameters, and the
  clone directory named the way ``git clone`` names it, so the path starts with the repository's name).

Run it from a shell::

    python -m labsupport.links --repo https://github.com/OWNER/REPO [--ref main] [--hub https://hub.example.org]

>>> binder_url("https://github.com/ada/k8s-vs-mesos", "main", "notebooks/00_welcome.ipynb")
'https://mybinder.org/v2/gh/ada/k8s-vs-mesos/main?urlpath=lab%2Ftree%2Fnotebooks%2F00_welcome.ipynb'
>>> nbgitpuller_url("https://hub.example.org", "https://github.com/ada/k8s-vs-mesos.git", "main", "notebooks/00_welcome.ipynb")
'https://hub.example.org/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fada%2Fk8s-vs-mesos.git&urlpath=lab%2Ftree%2Fk8s-vs-mesos%2Fnotebooks%2F00_welcome.ipynb&branch=main'
"""
from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from labsupport.core.errors import LabError
from labsupport.core.table import Table

__all__ = ["COURSE_ROOT", "binder_url", "clone_directory", "course_notebooks", "links", "nbgitpuller_url"]

COURSE_ROOT = Path(__file__).resolve().parent.parent
BINDER = "https://mybinder.org"
_GITHUB = re.compile(r"^https://github\.com/([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9._-]+?)(?:\.git)?/?$")


def _check_url(value: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LabError(f"{field}: give a URL such as https://github.com/OWNER/REPO, got {value!r}")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise LabError(f"{field}: {value!r} is not an http(s) URL")
    return value.strip()


def _check_ref(ref: str) -> str:
    # git check-ref-format forbids these; a ref with them cannot name a branch or tag
    if not isinstance(ref, str) or not ref or re.search(r"[\s~^:?*\[\\]|\.\.|@\{|^/|/$|\.lock$", ref):
        raise LabError(f"ref: {ref!r} is not a valid git branch, tag or commit name")
    return ref


def clone_directory(repo: str) -> str:
    """The folder ``git clone REPO`` creates (the last path part without ``.git``), as nbgitpuller assumes.

    >>> clone_directory("https://github.com/ada/k8s-vs-mesos.git")
    'k8s-vs-mesos'
    """
    last = repo.rstrip("/").split("/")[-1].split(":")[-1]
    return re.sub(r"(\.git|\.bundle)$", "", last)


def binder_url(repo: str, ref: str, path: str, binder: str = BINDER) -> str:
    """A mybinder.org (or other BinderHub) link that builds ``repo`` at ``ref`` and opens ``path`` in JupyterLab."""
    repo, ref, binder = _check_url(repo, "repo"), _check_ref(ref), _check_url(binder, "binder").rstrip("/")
    m = _GITHUB.match(repo)
    spec = f"gh/{m.group(1)}/{m.group(2)}/{quote(ref, safe='')}" if m else f"git/{quote(repo, safe='')}/{quote(ref, safe='')}"
    return f"{binder}/v2/{spec}?" + urlencode({"urlpath": f"lab/tree/{path}"})


def nbgitpuller_url(hub: str, repo: str, ref: str, path: str) -> str:
    """A JupyterHub link that pulls ``repo`` at ``ref`` into the learner's home with nbgitpuller, then opens ``path``."""
    hub, repo, ref = _check_url(hub, "hub").rstrip("/"), _check_url(repo, "repo"), _check_ref(ref)
    query = {"repo": repo, "urlpath": f"lab/tree/{clone_directory(repo)}/{path}", "branch": ref}
    return f"{hub}/hub/user-redirect/git-pull?" + urlencode(query)


def course_notebooks(root: Path | str = COURSE_ROOT) -> list[str]:
    """Every lesson and exercise notebook, as paths relative to the course folder, in course order."""
    root = Path(root)
    found = [f"{folder}/{p.name}" for folder in ("notebooks", "exercises")
             for p in sorted((root / folder).glob("[0-9][0-9]_*.ipynb"))]
    return sorted(found, key=lambda f: (f.split("/")[1][:2], f.startswith("exercises")))


def links(repo: str, ref: str = "main", hub: str | None = None, binder: str = BINDER,
          root: Path | str = COURSE_ROOT) -> Table:
    """A table with a Binder link (and an nbgitpuller link when ``hub`` is given) for every notebook."""
    rows = []
    for path in course_notebooks(root):
        row = {"NOTEBOOK": path, "BINDER": binder_url(repo, ref, path, binder)}
        if hub:
            row["NBGITPULLER"] = nbgitpuller_url(hub, repo, ref, path)
        rows.append(row)
    columns = ["NOTEBOOK", "BINDER"] + (["NBGITPULLER"] if hub else [])
    return Table(columns, rows, title=f"Links to {len(rows)} notebooks of {repo} at {ref}")


def _markdown(table: Table) -> str:
    cols = table.columns
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in table:
        lines.append("| " + " | ".join(r[c] if c == "NOTEBOOK" else f"[open]({r[c]})" for c in cols) + " |")
    return "\n".join(lines)


def _main(argv: Iterable[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m labsupport.links",
                                     description="Print Binder and nbgitpuller links for every lesson and exercise.")
    parser.add_argument("--repo", required=True, help="the course repository's clone URL, e.g. https://github.com/OWNER/REPO")
    parser.add_argument("--ref", default="main", help="branch, tag or commit (default: main)")
    parser.add_argument("--hub", help="your JupyterHub's URL, to add nbgitpuller links")
    parser.add_argument("--binder", default=BINDER, help=f"BinderHub to use (default: {BINDER})")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table to paste into a page")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        table = links(args.repo, args.ref, args.hub, args.binder)
    except LabError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(_markdown(table) if args.markdown else table)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
