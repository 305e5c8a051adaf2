"""``kubectl drain`` and ``kubectl uncordon``: planned maintenance of one node.

As ``staging/src/k8s.io/kubectl/pkg/drain`` (kubectl 1.37): drain **cordons** the node
(``spec.unschedulable: true``), then checks the Pods on it:

* mirror (static) Pods are skipped -- the API server cannot delete them;
* DaemonSet Pods stop the drain unless ``ignore_daemonsets`` ("cannot delete DaemonSet-managed
  Pods (use --ignore-daemonsets to ignore)");
* Pods without a controller stop it unless ``force`` ("cannot delete Pods that declare no
  controller (use --force to override)");
* Pods with ``emptyDir`` volumes stop it unless ``delete_emptydir_data``.

Then every other Pod is **evicted** through the Eviction API (:mod:`.eviction`). An eviction
refused with 429 (a PodDisruptionBudget) is retried every 5 s until it succeeds or ``timeout``
runs out (kubectl's default ``--timeout=0s``: forever). The drain finishes when every evicted
Pod is gone. The :class:`DrainResult` keeps the lines kubectl would print and fills in as
simulated time passes.

>>> from labsupport import k8s
>>> cluster = k8s.Cluster(seed=0)
>>> cluster.add_node("node-1"); cluster.add_node("node-2")
>>> _ = cluster.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
...                    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
...                             "template": {"metadata": {"labels": {"app": "web"}},
...                                          "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}})
>>> cluster.run(5)
>>> result = cluster.drain(cluster.pods()[0].node); cluster.run(40)
>>> result.done, result.lines[-1][1].endswith("drained")
(True, True)
"""
from __future__ import annotations

from labsupport.core import LabError, Table
from labsupport.k8s.eviction import evict
from labsupport.k8s.objects import controller_of

__all__ = ["Drain", "DrainResult", "DrainError", "EVICTION_RETRY_SECONDS", "cordon", "uncordon"]

#: kubectl drain waits this long before retrying a refused eviction.
EVICTION_RETRY_SECONDS = 5.0
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


class DrainError(LabError):
    """The drain cannot start: Pods that kubectl will not evict without a flag."""


def cordon(store, name: str, value: bool = True) -> str:
    """Set ``spec.unschedulable``; returns kubectl's line (``node/x cordoned`` / ``already cordoned``)."""
    node = store.get("Node", None, name)
    word = "cordoned" if value else "uncordoned"
    if bool(node["spec"].get("unschedulable")) == value:
        return f"node/{name} already {word}"
    if value:
        node["spec"]["unschedulable"] = True
    else:
        node["spec"].pop("unschedulable", None)
    store.update(node, actor="kubectl", verb="patch")
    return f"node/{name} {word}"


def uncordon(store, name: str) -> str:
    """``kubectl uncordon``: the node takes new Pods again."""
    return cordon(store, name, False)


class DrainResult:
    """What a drain did so far: ``lines`` (kubectl's output), ``evicted``, ``blocked`` (Pod -> message), ``done``."""

    def __init__(self, node: str) -> None:
        self.node = node
        self.lines: list[tuple[float, str]] = []
        self.evicted: list[str] = []
        self.blocked: dict[str, str] = {}
        self.done = False
        self.timed_out = False

    def table(self) -> Table:
        """The output lines with their simulated times."""
        return Table(["TIME", "OUTPUT"], [{"TIME": round(t, 3), "OUTPUT": line} for t, line in self.lines], title=f"kubectl drain {self.node}")

    def __repr__(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()


class Drain:
    """One running ``kubectl drain`` (started by :meth:`start`)."""

    def __init__(self, store, sim, node: str, *, ignore_daemonsets: bool = False, force: bool = False,
                 delete_emptydir_data: bool = False, timeout: float | None = None) -> None:
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
            raise LabError(f"timeout: must be a number of seconds > 0 or None (wait forever), got {timeout!r}")
        self.store, self.sim = store, sim
        self.result = DrainResult(node)
        self.flags = (ignore_daemonsets, force, delete_emptydir_data)
        self.deadline = None if timeout is None else sim.now + timeout
        self.pending: list[tuple[str, str]] = []
        self.waiting: list[tuple[str, str]] = []

    def _say(self, line: str) -> None:
        self.result.lines.append((self.sim.now, line))

    def start(self) -> DrainResult:
        ignore_ds, force, emptydir = self.flags
        node = self.result.node
        pods = [p for p in self.store.by_index("pods-by-node", node) if p["metadata"].get("deletionTimestamp") is None]
        problems, warnings = {}, []
        todo = []
        for p in pods:
            key = f"{p['metadata']['namespace']}/{p['metadata']['name']}"
            if MIRROR_ANNOTATION in (p["metadata"].get("annotations") or {}):
                continue
            ref = controller_of(p)
            terminal = (p.get("status") or {}).get("phase") in ("Succeeded", "Failed")
            if ref is not None and ref["kind"] == "DaemonSet":
                if ignore_ds:
                    warnings.append(key)
                else:
                    problems.setdefault("cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore)", []).append(key)
                continue
            if ref is None and not terminal and not force:
                problems.setdefault("cannot delete Pods that declare no controller (use --force to override)", []).append(key)
                continue
            if any("emptyDir" in v for v in p["spec"].get("volumes") or ()) and not emptydir and not terminal:
                problems.setdefault("cannot delete Pods with local storage (use --delete-emptydir-data to override)", []).append(key)
                continue
            todo.append((p["metadata"]["namespace"], p["metadata"]["name"]))
        self._say(cordon(self.store, node))
        if problems:
            msg = ", ".join(f"{what}: {', '.join(keys)}" for what, keys in problems.items())
            self._say(f'error: unable to drain node "{node}" due to error: {msg}, continuing command...')
            raise DrainError(f'node: unable to drain node "{node}" (it stays cordoned): {msg}')
        if warnings:
            self._say(f"Warning: ignoring DaemonSet-managed Pods: {', '.join(warnings)}")
        self.pending = todo
        self._attempt()
        return self.result

    def _attempt(self) -> None:
        retry = []
        for ns, name in self.pending:
            self._say(f"evicting pod {ns}/{name}")
            res = evict(self.store, ns, name, actor="kubectl")
            if res.allowed or res.code == 404:
                self.result.blocked.pop(name, None)
                self.waiting.append((ns, name))
            else:
                self.result.blocked[name] = f"{res.message} ({res.cause})" if res.cause else res.message
                self._say(f'error when evicting pods/"{name}" -n "{ns}" (will retry after {EVICTION_RETRY_SECONDS:g}s): {res.message}')
                retry.append((ns, name))
        self.pending = retry
        self._check_done()
        if self.pending and not self.result.done:
            if self.deadline is not None and self.sim.now + EVICTION_RETRY_SECONDS > self.deadline:
                self.sim.schedule_at(self.deadline, self._time_out, label="kubectl drain timeout")
            else:
                self.sim.schedule(EVICTION_RETRY_SECONDS, self._attempt, label="kubectl drain retry")

    def _check_done(self) -> None:
        still = []
        for ns, name in self.waiting:
            if self.store.get("Pod", ns, name) is None:
                self.result.evicted.append(name)
                self._say(f"pod/{name} evicted")
            else:
                still.append((ns, name))
        self.waiting = still
        if not self.pending and not self.waiting:
            self.result.done = True
            self._say(f"node/{self.result.node} drained")
        elif not self.pending:
            self.sim.schedule(1.0, self._check_done, label="kubectl drain wait")

    def _time_out(self) -> None:
        self.result.timed_out = True
        names = ", ".join(f"{ns}/{n}" for ns, n in self.pending)
        self._say(f'error: unable to drain node "{self.result.node}" due to error: global timeout reached, pending: {names}')
        self.pending = []
