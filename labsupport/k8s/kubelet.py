"""Kubelet: the agent on each node that runs the Pods bound to it and reports back.

Timings this simulation uses (all simulated seconds, all deterministic):

=========================================  =======  ==========================================
what                                        value    Kubernetes source / default
=========================================  =======  ==========================================
Lease renewal (heartbeat)                   10 s     ``nodeLeaseDurationSeconds`` 40 x 0.25
Node status report when nothing changed     300 s    ``nodeStatusReportFrequency`` 5m
Pod sandbox + IP (CNI)                      0.5 s    (chosen)
image pull, per image not yet on the node   3 s      (chosen); ``IfNotPresent``, or ``Always``
                                                     for ``:latest`` / untagged images
container start                             0.5 s    (chosen)
CrashLoopBackOff delay after the n-th exit  10 s x 2^(n-1), at most 300 s, reset after
                                            10 min of running (:func:`crashloop_delay`)
readiness with a ``readinessProbe``         ready at the first probe tick at or after
                                            ``initialDelaySeconds`` (ticks every
                                            ``periodSeconds``, default 10 s, first at start)
graceful termination                        SIGTERM, the process exits 1 s later; SIGKILL at
                                            ``terminationGracePeriodSeconds`` (default 30)
=========================================  =======  ==========================================

**What the containers do** is read from their ``command``/``args``, the way a learner
would write a throw-away container (see :func:`container_behaviour`; the script reading itself is
:mod:`labsupport.core.shell`, shared with the Mesos command tasks):

* no command, or a command that is not one of the forms below (``nginx``, ``python app.py``):
  a server that runs until stopped;
* ``["sleep", "30"]`` or ``["sh", "-c", "sleep 30"]``: runs 30 s, exits 0 (Completed);
* ``["sh", "-c", "sleep 5; exit 1"]``: runs 5 s, exits 1 (Error) -> restarts -> CrashLoopBackOff;
* ``["sh", "-c", "exit 1"]`` or ``["false"]``: exits 1 at once; ``["true"]``: exits 0 at once;
* ``: "${DATABASE_URL:?must be set}"``: the shell stops with exit code 1 when the container's
  ``env`` has no non-empty ``DATABASE_URL`` (simplified: bash exits 1, dash 2), else goes on;
* ``trap '' TERM`` anywhere in the script: ignores SIGTERM, so it is killed (exit 137) at
  the end of the grace period.

A ``readinessProbe`` whose ``exec.command`` is ``["false"]`` or ``["sh", "-c", "exit 1"]``
always fails (the Pod never becomes Ready); every other probe succeeds. A ``livenessProbe``
that fails the same way gets the container killed (exit 137) after ``failureThreshold``
(default 3) failed probes, and restarted per ``restartPolicy`` with the usual back-off
(:func:`liveness_kill_delay`). Startup probes are accepted but not simulated. Init containers run one after the
other before the app containers; one without a recognised command completes in 1 s.

>>> container_behaviour({"name": "c", "image": "busybox", "command": ["sh", "-c", "sleep 5; exit 1"]})
Behaviour(runs_for=5.0, exit_code=1, ignores_sigterm=False)
>>> [crashloop_delay(n) for n in range(1, 8)]
[10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0]
"""
from __future__ import annotations

import ipaddress
import math
import shlex

from labsupport.core import Simulation, priorities
from labsupport.core.shell import Behaviour, script_behaviour
from labsupport.k8s.objects import is_pod_terminal, set_condition
from labsupport.k8s.quantity import parse_count, parse_cpu, parse_memory, pod_requests
from labsupport.k8s.store import DELETED, APIStore, WatchEvent

__all__ = [
    "Kubelet",
    "KubeletRouter",
    "Behaviour",
    "container_behaviour",
    "crashloop_delay",
    "readiness_delay",
    "liveness_kill_delay",
    "LEASE_RENEW_SECONDS",
    "NODE_STATUS_REPORT_SECONDS",
    "SANDBOX_SECONDS",
    "IMAGE_PULL_SECONDS",
    "CONTAINER_START_SECONDS",
    "SIGTERM_EXIT_SECONDS",
    "BACKOFF_INITIAL",
    "BACKOFF_MAX",
    "BACKOFF_RESET_SECONDS",
]

LEASE_RENEW_SECONDS = 10.0
NODE_STATUS_REPORT_SECONDS = 300.0
SANDBOX_SECONDS = 0.5
IMAGE_PULL_SECONDS = 3.0
CONTAINER_START_SECONDS = 0.5
SIGTERM_EXIT_SECONDS = 1.0
INIT_CONTAINER_DEFAULT_SECONDS = 1.0
BACKOFF_INITIAL = 10.0
BACKOFF_MAX = 300.0
BACKOFF_RESET_SECONDS = 600.0


def env_names(container: dict) -> set[str]:
    """Names of the container's ``env`` entries with a non-empty value or a ``valueFrom``."""
    return {e.get("name") for e in container.get("env") or () if e.get("value") or e.get("valueFrom")}


def container_script(container: dict) -> str | None:
    argv = list(container.get("command") or ()) + list(container.get("args") or ())
    if not argv:
        return None
    if len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] in ("sh", "bash", "ash") and argv[1] == "-c":
        return argv[2]
    return " ".join(shlex.quote(a) for a in argv)


def container_behaviour(container: dict, default_seconds: float | None = None) -> Behaviour:
    """Read a container's simulated behaviour from its ``command``/``args`` (module docstring).

    ``default_seconds`` is how long an unrecognised command runs (None: forever).

    >>> container_behaviour({"command": ["sleep", "30"]})
    Behaviour(runs_for=30.0, exit_code=0, ignores_sigterm=False)
    >>> container_behaviour({"image": "nginx"})
    Behaviour(runs_for=None, exit_code=0, ignores_sigterm=False)
    >>> container_behaviour({"command": ["sh", "-c", "trap '' TERM; sleep infinity"]})
    Behaviour(runs_for=None, exit_code=0, ignores_sigterm=True)
    """
    script = container_script(container)
    if script is None:
        return Behaviour(default_seconds, 0, False)
    return script_behaviour(script, env_names(container), default_seconds)


def crashloop_delay(exits: int) -> float:
    """Back-off before restarting a container after its ``exits``-th exit in a row: 10 s doubling, at most 300 s.

    From https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts.

    >>> crashloop_delay(1), crashloop_delay(3), crashloop_delay(10)
    (10.0, 40.0, 300.0)
    """
    if exits < 1:
        return 0.0
    return min(BACKOFF_INITIAL * 2 ** (exits - 1), BACKOFF_MAX)


def readiness_delay(probe: dict | None) -> float | None:
    """Seconds from container start to Ready: 0 without a probe; None if the probe always fails.

    The probe worker ticks every ``periodSeconds`` (default 10) from container start and
    skips ticks before ``initialDelaySeconds``; the first success makes the Pod Ready.

    >>> readiness_delay(None), readiness_delay({"initialDelaySeconds": 5, "periodSeconds": 10}), readiness_delay({"periodSeconds": 3})
    (0.0, 10.0, 0.0)
    """
    if probe is None:
        return 0.0
    cmd = (probe.get("exec") or {}).get("command")
    if cmd:
        b = container_behaviour({"command": cmd}, default_seconds=0.0)
        if b.exit_code != 0:
            return None
    period = probe.get("periodSeconds", 10) or 10
    delay = probe.get("initialDelaySeconds", 0) or 0
    return float(math.ceil(delay / period) * period)


def liveness_kill_delay(probe: dict | None) -> float | None:
    """Seconds from container start until a failing ``livenessProbe`` gets it killed; None if it never fails.

    The first probe runs at the first ``periodSeconds`` tick at or after ``initialDelaySeconds``;
    after ``failureThreshold`` failures in a row the kubelet kills the container.

    >>> liveness_kill_delay({"exec": {"command": ["false"]}, "initialDelaySeconds": 5, "periodSeconds": 10})
    30.0
    >>> liveness_kill_delay({"httpGet": {"path": "/healthz", "port": 8080}}) is None
    True
    """
    if probe is None:
        return None
    cmd = (probe.get("exec") or {}).get("command")
    if not cmd or container_behaviour({"command": cmd}, default_seconds=0.0).exit_code == 0:
        return None
    period = probe.get("periodSeconds", 10) or 10
    first = math.ceil((probe.get("initialDelaySeconds", 0) or 0) / period) * period
    return float(first + ((probe.get("failureThreshold", 3) or 3) - 1) * period)


def _image_always(container: dict) -> bool:
    policy = container.get("imagePullPolicy")
    if policy:
        return policy == "Always"
    image = container.get("image") or ""
    tail = image.rsplit("/", 1)[-1]
    return "@" not in image and (":" not in tail or tail.endswith(":latest"))


_BEHAVIOUR_CACHE: dict[int, tuple[dict, Behaviour, bool]] = {}


class _Container:
    __slots__ = ("spec", "behaviour", "restarts", "exits_in_row", "started_at", "state", "timer", "last", "ready_at", "backoff_until")

    def __init__(self, spec: dict) -> None:
        self.spec = spec
        hit = _BEHAVIOUR_CACHE.get(id(spec))
        if hit is None or hit[0] is not spec:  # containers of one template are shared: parse once
            if len(_BEHAVIOUR_CACHE) >= 4096:
                _BEHAVIOUR_CACHE.clear()
            hit = _BEHAVIOUR_CACHE[id(spec)] = (spec, container_behaviour(spec), _image_always(spec))
        self.behaviour = hit[1]
        self.restarts = 0
        self.exits_in_row = 0
        self.started_at: float | None = None
        self.state = "waiting"  # waiting | running | terminated
        self.timer = None
        self.last: dict | None = None
        self.ready_at: float | None = None
        self.backoff_until: float | None = None


class _PodRun:
    """The kubelet's private record of one Pod it runs."""

    __slots__ = ("key", "uid", "containers", "ip", "started", "terminating", "init_index", "start_time", "done", "requests")

    def __init__(self, key: tuple, uid: str) -> None:
        self.key = key
        self.uid = uid
        self.containers: list[_Container] = []
        self.ip: str | None = None
        self.started = False
        self.terminating = False
        self.init_index = 0
        self.start_time: float | None = None
        self.done = False
        self.requests: dict[str, int] | None = None  # charged to the node while not None


class Kubelet:
    """Runs the Pods bound to one node; renews the node's Lease; reports Pod status."""

    def __init__(self, node_name: str, store: APIStore, sim: Simulation, pod_cidr: str | None) -> None:
        self.node_name = node_name
        self.actor = f"kubelet/{node_name}"
        self.store = store
        self.sim = sim
        self.pod_cidr = pod_cidr
        self.alive = True
        self.images: set[str] = set()
        self.runs: dict[tuple, _PodRun] = {}
        self._ips_in_use: set[str] = set()
        self._used = {"cpu": 0, "memory": 0, "pods": 0}
        self._capacity: dict[str, int] | None = None  # node allocatable, parsed once
        self._due: dict[float, list] = {}
        self._incoming: list[tuple] = []
        self._next_ip = 2
        self._heartbeat = None

    # --------------------------------------------------------- heartbeats
    def start(self) -> None:
        """Create the node's Lease and start renewing it every 10 s."""
        lease = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": self.node_name, "namespace": "kube-node-lease"},
            "spec": {"holderIdentity": self.node_name, "leaseDurationSeconds": 40, "renewTime": self.sim.now},
        }
        if self.store.get("Lease", "kube-node-lease", self.node_name) is None:
            self.store.create(lease, actor=self.actor)
        self._heartbeat = self.sim.schedule(LEASE_RENEW_SECONDS, self._renew, label=f"{self.actor} lease")
        self._report_at = self.sim.now + NODE_STATUS_REPORT_SECONDS

    def _renew(self) -> None:
        if not self.alive:
            return
        lease = self.store.get("Lease", "kube-node-lease", self.node_name)
        if lease is None:
            return
        lease["spec"]["renewTime"] = self.sim.now
        self.store.update(lease, actor=self.actor)
        if self.sim.now >= self._report_at:
            self._post_node_status()
        self._heartbeat = self.sim.schedule(LEASE_RENEW_SECONDS, self._renew, label=f"{self.actor} lease")

    def _post_node_status(self) -> None:
        """Report the node's conditions; a Ready condition that turns True again records a ``NodeReady`` Event.

        As the kubelet's ``ReadyCondition`` setter (``pkg/kubelet/nodestatus/setters.go``): an Event
        ``Node <name> status is now: NodeReady`` only when the Ready status changes, e.g. back from the
        ``Unknown`` the node lifecycle controller set while the node was silent.
        """
        node = self.store.get("Node", None, self.node_name)
        if node is None:
            return
        now = self.sim.now
        was_ready = any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"]["conditions"])
        for c in node["status"]["conditions"]:
            healthy = "True" if c["type"] == "Ready" else "False"
            reason = {"Ready": "KubeletReady", "MemoryPressure": "KubeletHasSufficientMemory",
                      "DiskPressure": "KubeletHasNoDiskPressure", "PIDPressure": "KubeletHasSufficientPID"}[c["type"]]
            message = "kubelet is posting ready status" if c["type"] == "Ready" else None
            set_condition(node, c["type"], healthy, now, reason, message)
            c["lastHeartbeatTime"] = now
        self._report_at = now + NODE_STATUS_REPORT_SECONDS
        self.store.update(node, actor=self.actor, verb="update status")
        if not was_ready:
            self.store.record_event(node, "NodeReady", f"Node {self.node_name} status is now: NodeReady", source=self.actor)

    def stop(self) -> None:
        """The node becomes unreachable: no more heartbeats or status updates (containers keep their state)."""
        self.alive = False
        if self._heartbeat is not None:
            self._heartbeat.cancel()

    def resume(self) -> None:
        """The node is reachable again: post status, renew the Lease, resync every Pod bound here."""
        self.alive = True
        self._post_node_status()
        self._renew()
        for pod in self.store.by_index("pods-by-node", self.node_name):
            run = self.runs.get((pod["metadata"]["namespace"], pod["metadata"]["name"]))
            if pod["metadata"].get("deletionTimestamp") is not None:
                if run is None or not run.terminating:
                    self._terminate(pod)
            elif run is None:
                self._admit(pod)
            elif run.started and not run.done:
                self._post(pod, run)

    # ------------------------------------------------------------ pods
    def on_pod(self, ev: WatchEvent) -> None:
        """Called (through :class:`KubeletRouter`) for every write to a Pod bound to this node."""
        pod = ev.object
        key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
        if ev.type == DELETED:
            run = self.runs.pop(key, None)
            if run is not None:
                self._forget(run)
            return
        if not self.alive:
            return
        run = self.runs.get(key)
        if run is not None and run.uid != pod["metadata"]["uid"]:
            self._forget(self.runs.pop(key))
            run = None
        if pod["metadata"].get("deletionTimestamp") is not None:
            if run is None or not run.terminating:
                self._terminate(pod)
            return
        if run is None and not is_pod_terminal(pod):
            # the kubelet's sync loop picks up new Pods in batches, at the same simulated instant
            if not self._incoming:
                self.sim.schedule(0, self._admit_incoming, priority=priorities.KUBELET_ADMIT, label=self.actor)
            self._incoming.append((key, pod["metadata"]["uid"]))

    def _admit_incoming(self) -> None:
        incoming, self._incoming = self._incoming, []
        for key, uid in incoming:
            pod = self.store.get("Pod", *key)
            if (self.alive and pod is not None and pod["metadata"]["uid"] == uid and key not in self.runs
                    and pod["metadata"].get("deletionTimestamp") is None and not is_pod_terminal(pod)):
                self._admit(pod)

    def _release(self, run: _PodRun) -> None:
        """Stop charging the Pod's requests to the node (it finished or is gone)."""
        if run.requests is not None:
            for k, v in run.requests.items():
                self._used[k] -= v
            run.requests = None

    def _forget(self, run: _PodRun) -> None:
        self._release(run)
        for c in run.containers:
            if c.timer is not None:
                c.timer.cancel()
        if run.ip:
            self._ips_in_use.discard(run.ip)

    def _later(self, run: _PodRun, delay: float, fn) -> None:
        """Run ``fn`` after ``delay`` unless the Pod is gone or the kubelet is down by then.

        Work due at the same instant on this node shares one simulated event (the kubelet's
        sync loop handles many Pods per iteration), which keeps 150,000 Pods cheap.
        """
        t = self.sim.now + delay
        due = self._due.get(t)
        if due is None:
            due = self._due[t] = []
            self.sim.schedule_at(t, lambda: self._run_due(t), label=self.actor)
        due.append((run, fn))

    def _run_due(self, t: float) -> None:
        for run, fn in self._due.pop(t, ()):
            if self.alive and self.runs.get(run.key) is run:
                fn()

    def _admit(self, pod: dict) -> None:
        key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
        requests = pod_requests(pod)
        reject = self._admission_failure(requests)
        run = _PodRun(key, pod["metadata"]["uid"])
        self.runs[key] = run
        run.start_time = self.sim.now
        if reject is None:
            run.requests = requests
            for k, v in run.requests.items():
                self._used[k] += v
        else:
            reason, message = reject
            run.done = True
            st = pod.setdefault("status", {})
            st.update({"phase": "Failed", "reason": reason, "message": message, "startTime": self.sim.now})
            self.store.update(pod, actor=self.actor, verb="update status")
            self.store.record_event(pod, reason, message, type="Warning", source=self.actor)
            return
        spec = pod["spec"]
        run.containers = [_Container(c) for c in spec.get("containers") or ()]
        inits = spec.get("initContainers") or ()
        delay = SANDBOX_SECONDS
        if self.pod_cidr is None:
            self.store.record_event(pod, "FailedCreatePodSandBox", "Failed to create pod sandbox: no podCIDR assigned to node (CIDRNotAvailable)", type="Warning", source=self.actor)
            return  # stays ContainerCreating, as with a real CNI that has no range
        for c in inits:
            if c.get("image", "") not in self.images or _image_always(c):
                delay += IMAGE_PULL_SECONDS
        for c in run.containers:
            if c.spec.get("image", "") not in self.images or _BEHAVIOUR_CACHE[id(c.spec)][2]:
                delay += IMAGE_PULL_SECONDS
        self._later(run, delay, lambda: self._volumes_then_sandbox(run))

    #: issue 15: ``volumes_ready(pod, node) -> bool`` (set by the Cluster); the volume manager's wait for attached volumes
    volumes_ready = None
    VOLUME_POLL_SECONDS = 1.0

    def _volumes_then_sandbox(self, run: _PodRun) -> None:
        pod = self.store.get("Pod", *run.key)
        if self.volumes_ready is not None and pod is not None and pod["spec"].get("volumes") and not self.volumes_ready(pod, self.node_name):
            self._later(run, self.VOLUME_POLL_SECONDS, lambda: self._volumes_then_sandbox(run))
            return
        self._sandbox_ready(run)

    def _admission_failure(self, req: dict[str, int]) -> tuple[str, str] | None:
        """``(reason, message)`` if a Pod asking for ``req`` (from :func:`pod_requests`) does not fit next to the admitted Pods."""
        cap = self._capacity
        if cap is None:
            node = self.store.get("Node", None, self.node_name)
            if node is None:
                return None
            alloc = node["status"]["allocatable"]
            cap = self._capacity = {"cpu": parse_cpu(alloc["cpu"]), "memory": parse_memory(alloc["memory"]), "pods": parse_count(alloc.get("pods", 110))}
        used = self._used
        for res in ("pods", "cpu", "memory"):
            if used[res] + req[res] > cap[res]:
                # as pkg/kubelet/lifecycle/predicate.go: plain integers (millicores for cpu, bytes for memory)
                return f"OutOf{res}", (
                    f"Pod was rejected: Node didn't have enough resource: {res}, requested: {req[res]}, "
                    f"used: {used[res]}, capacity: {cap[res]}"
                )
        return None

    def _allocate_ip(self) -> str:
        net = ipaddress.ip_network(self.pod_cidr)
        size = net.num_addresses
        for _ in range(size):
            n = self._next_ip
            self._next_ip = n + 1 if n + 1 < size - 1 else 2
            ip = str(net.network_address + n)
            if ip not in self._ips_in_use:
                self._ips_in_use.add(ip)
                return ip
        raise RuntimeError(f"no free IP in {self.pod_cidr}")

    def _sandbox_ready(self, run: _PodRun) -> None:
        pod = self.store.get("Pod", *run.key)
        if pod is None:
            return
        run.ip = self._allocate_ip()
        for c in list(pod["spec"].get("initContainers") or ()) + list(pod["spec"].get("containers") or ()):
            self.images.add(c.get("image", ""))
        self._run_init(pod, run)

    def _run_init(self, pod: dict, run: _PodRun) -> None:
        inits = pod["spec"].get("initContainers") or ()
        if run.init_index >= len(inits):
            self._start_containers(pod, run)
            return
        c = inits[run.init_index]
        b = container_behaviour(c, default_seconds=INIT_CONTAINER_DEFAULT_SECONDS)
        if c.get("restartPolicy") == "Always":  # a sidecar: started, then the next init container runs
            run.init_index += 1
            self._run_init(pod, run)
            return

        def finished():
            p = self.store.get("Pod", *run.key)
            if p is None:
                return
            if b.exit_code == 0:
                run.init_index += 1
                self._run_init(p, run)
            elif p["spec"].get("restartPolicy", "Always") == "Never":
                run.done = True
                self._release(run)
                p["status"].update({"phase": "Failed", "startTime": run.start_time, "podIP": run.ip})
                self._set_conditions(p, run, ready=False)
                self.store.update(p, actor=self.actor, verb="update status")
            else:  # retry the same init container after the back-off
                self._later(run, crashloop_delay(1), lambda: self._run_init(p, run))

        self._later(run, CONTAINER_START_SECONDS + (b.runs_for or 0.0), finished)

    def _start_containers(self, pod: dict, run: _PodRun) -> None:
        run.started = True
        now = self.sim.now + CONTAINER_START_SECONDS

        def go():
            p = self.store.get("Pod", *run.key)
            if p is None or run.terminating:
                return
            for i in range(len(run.containers)):
                self._container_started(p, run, i)
            self._post(p, run)
            self.store.record_event(p, "Started", f"Started container {run.containers[0].spec.get('name')}", source=self.actor)

        self._later(run, now - self.sim.now, go)

    def _container_started(self, pod: dict, run: _PodRun, i: int) -> None:
        c = run.containers[i]
        now = self.sim.now
        c.state, c.started_at, c.backoff_until = "running", now, None
        delay = readiness_delay(c.spec.get("readinessProbe"))
        c.ready_at = None if delay is None else now + delay
        if delay:
            self._later(run, delay, lambda: self._refresh(run))
        kill = liveness_kill_delay(c.spec.get("livenessProbe"))
        if kill is not None and (c.behaviour.runs_for is None or kill < c.behaviour.runs_for):
            c.timer = self.sim.schedule(kill, lambda: self._liveness_kill(run, i), label=self.actor)
        elif c.behaviour.runs_for is not None:
            c.timer = self.sim.schedule(c.behaviour.runs_for, lambda: self._container_exited(run, i, c.behaviour.exit_code), label=self.actor)

    def _liveness_kill(self, run: _PodRun, i: int) -> None:
        pod = self.store.get("Pod", *run.key)
        if pod is None or not self.alive or self.runs.get(run.key) is not run or run.terminating:
            return
        name = run.containers[i].spec.get("name")
        self.store.record_event(pod, "Unhealthy", "Liveness probe failed", type="Warning", source=self.actor)
        self.store.record_event(pod, "Killing", f"Container {name} failed liveness probe, will be restarted", source=self.actor)
        self._container_exited(run, i, 137)

    def _refresh(self, run: _PodRun) -> None:
        pod = self.store.get("Pod", *run.key)
        if pod is not None and not run.done:
            self._post(pod, run)

    def _container_exited(self, run: _PodRun, i: int, code: int) -> None:
        if not self.alive or self.runs.get(run.key) is not run or run.terminating:
            return
        pod = self.store.get("Pod", *run.key)
        c = run.containers[i]
        now = self.sim.now
        if c.started_at is not None and now - c.started_at >= BACKOFF_RESET_SECONDS:
            c.exits_in_row = 0
        c.exits_in_row += 1
        c.state = "terminated"
        c.timer = None
        c.last = {"terminated": {"exitCode": code, "reason": "Completed" if code == 0 else "Error", "startedAt": c.started_at, "finishedAt": now}}
        policy = pod["spec"].get("restartPolicy", "Always")
        if policy == "Always" or (policy == "OnFailure" and code != 0):
            delay = crashloop_delay(c.exits_in_row)
            c.backoff_until = now + delay
            self._post(pod, run)
            self.store.record_event(pod, "BackOff", f"Back-off restarting failed container {c.spec.get('name')} in pod {run.key[1]}_{run.key[0]}({run.uid})", type="Warning", source=self.actor)

            def restart():
                p = self.store.get("Pod", *run.key)
                if p is None or run.terminating:
                    return
                c.restarts += 1
                self._container_started(p, run, i)
                self._post(p, run)
                # the kubelet records Started on every (re)start (kuberuntime_container.go startContainer);
                # the identical message makes the event correlator raise the one Event's COUNT
                self.store.record_event(p, "Started", f"Started container {c.spec.get('name')}", source=self.actor)

            self._later(run, delay, restart)
            return
        if all(x.state == "terminated" for x in run.containers):
            self._finish(pod, run)
        else:
            self._post(pod, run)

    def _finish(self, pod: dict, run: _PodRun) -> None:
        run.done = True
        self._release(run)
        failed = any((x.last or {}).get("terminated", {}).get("exitCode", 0) != 0 for x in run.containers)
        pod["status"]["phase"] = "Failed" if failed else "Succeeded"
        self._post(pod, run, phase_set=True)

    def _set_conditions(self, pod: dict, run: _PodRun, ready: bool) -> None:
        now = self.sim.now
        set_condition(pod, "PodScheduled", "True", now)
        set_condition(pod, "Initialized", "True" if run.started else "False", now)
        set_condition(pod, "ContainersReady", "True" if ready else "False", now)
        set_condition(pod, "Ready", "True" if ready else "False", now)

    def _post(self, pod: dict, run: _PodRun, phase_set: bool = False) -> None:
        """Write the Pod's status (phase, IP, container states, conditions) to the API."""
        now = self.sim.now
        statuses = []
        all_ready = bool(run.containers)
        for c in run.containers:
            ready = c.state == "running" and c.ready_at is not None and c.ready_at <= now and not run.terminating
            all_ready &= ready
            if c.state == "running":
                state = {"running": {"startedAt": c.started_at}}
            elif c.backoff_until is not None:
                state = {"waiting": {"reason": "CrashLoopBackOff",
                                     "message": f"back-off {crashloop_delay(c.exits_in_row):g}s restarting failed container={c.spec.get('name')} pod={run.key[1]}_{run.key[0]}({run.uid})"}}
            elif c.state == "terminated":
                state = c.last
            else:
                state = {"waiting": {"reason": "ContainerCreating"}}
            cs = {"name": c.spec.get("name"), "image": c.spec.get("image"), "ready": ready, "restartCount": c.restarts, "started": c.state == "running", "state": state}
            if c.last is not None and c.state != "terminated":
                cs["lastState"] = c.last
            statuses.append(cs)
        st = pod.setdefault("status", {})
        if not phase_set and not run.done:
            st["phase"] = "Running" if run.started else "Pending"
        st.update({"hostIP": self._host_ip(), "podIP": run.ip, "podIPs": [{"ip": run.ip}] if run.ip else [], "startTime": run.start_time, "containerStatuses": statuses})
        self._set_conditions(pod, run, all_ready)
        self.store.update(pod, actor=self.actor, verb="update status")

    def _host_ip(self) -> str | None:
        node = self.store.get("Node", None, self.node_name)
        if node is None:
            return None
        return next((a["address"] for a in node["status"].get("addresses", ()) if a["type"] == "InternalIP"), None)

    # ------------------------------------------------------- termination
    def _terminate(self, pod: dict) -> None:
        key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
        run = self.runs.get(key)
        if run is None:
            run = _PodRun(key, pod["metadata"]["uid"])
            self.runs[key] = run
        run.terminating = True
        grace = pod["metadata"].get("deletionGracePeriodSeconds", 30)
        running = [c for c in run.containers if c.state == "running"]
        if not running:
            self._remove(pod, run, 0.0)
            return
        for c in running:
            if c.timer is not None:
                c.timer.cancel()
        exit_after = max((grace if c.behaviour.ignores_sigterm else min(SIGTERM_EXIT_SECONDS, grace)) for c in running)
        self._post(pod, run)  # not ready any more: endpoints drop it
        self.store.record_event(pod, "Killing", f"Stopping container {running[0].spec.get('name')}", source=self.actor)

        def stopped():
            p = self.store.get("Pod", *key)
            if p is None:
                return
            for c in running:
                code = 137 if c.behaviour.ignores_sigterm and grace > 0 else 0
                c.state = "terminated"
                c.last = {"terminated": {"exitCode": code, "reason": "Error" if code else "Completed", "startedAt": c.started_at, "finishedAt": self.sim.now}}
            self._remove(p, run, 0.0)

        self._later(run, exit_after, stopped)

    def _remove(self, pod: dict, run: _PodRun, _delay: float) -> None:
        if run.containers and run.started:
            failed = any((c.last or {}).get("terminated", {}).get("exitCode", 0) != 0 for c in run.containers)
            run.done = True
            self._release(run)
            pod["status"]["phase"] = "Failed" if failed else "Succeeded"
            self._post(pod, run, phase_set=True)
        self.store.delete("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"], actor=self.actor, grace_period_seconds=0)


class KubeletRouter:
    """Delivers each Pod event to the kubelet of the Pod's node.

    A real kubelet watches only its own Pods (field selector ``spec.nodeName=<node>``);
    one router with a dict lookup does the same without 5,000 watchers.
    """

    def __init__(self, store: APIStore) -> None:
        self.kubelets: dict[str, Kubelet] = {}
        store.add_index("Pod", "pods-by-node", lambda p: p["spec"].get("nodeName") or None)
        store.watch("Pod", self._on_pod, owner="kubelet")

    def _on_pod(self, ev: WatchEvent) -> None:
        node = ev.object["spec"].get("nodeName")
        if node:
            k = self.kubelets.get(node)
            if k is not None:
                k.on_pod(ev)
