"""Exercises of lesson 04 (scheduling II, Mesos): the questions, their judges and the small clusters they run in.

``exercises/04_scheduling_mesos.ipynb`` checks ``q1`` .. ``q3``:

* ``q1`` DRF by hand with three users, checked against :func:`labsupport.mesos.drf_allocate`.
* ``q2`` decline filters and suppress: how many offers in a minute? Counted by :func:`count_offers`.
* ``q3`` stretch: a Mesos framework that packs tasks, run against :class:`NaiveFramework`
  in :func:`packing_cluster` (same seeds) and compared on idle agents.

(Until the split of lesson 03 these were ``lesson03.q3``, ``q5`` and ``q6``; ``lesson03`` still
re-exports the helpers, such as :func:`count_offers`, under their old names.)

>>> from labsupport.exercises import lesson04 as ex
>>> print(ex.q1.check({"A": 4, "B": 4, "C": 4}))
✘ Not yet -- q1: The value for 'B' (4) is wrong. The value for 'C' (4) is wrong.
  Next: Equal task counts are not fair here: B's tasks are twice as big in CPUs. DRF equalises dominant shares.
>>> summary = ex.run_packing(ex.NaiveFramework, seed=0)
>>> summary["running"], summary["idle_agents"]
(5, 2)
"""
from __future__ import annotations

from collections.abc import Mapping

from labsupport import mesos
from labsupport.checks import ClassQuestion, MappingQuestion

__all__ = [
    "DRF_TOTAL", "DRF_DEMANDS",
    "PACKING_AGENTS", "PACKING_BUSY", "PACKING_TASK_CPUS", "PACKING_SEEDS",
    "DeclineEverything", "count_offers",
    "NaiveFramework", "packing_cluster", "packing_tasks", "run_packing",
    "q1", "q2", "q3",
]


# ----------------------------------------------------------------------------- q1: DRF by hand, three users
DRF_TOTAL = {"cpus": 16, "mem": 32}
DRF_DEMANDS = {"A": {"cpus": 1, "mem": 3}, "B": {"cpus": 2, "mem": 1}, "C": {"cpus": 1, "mem": 2}}

q1 = MappingQuestion(
    "q1", expected=mesos.drf_allocate(DRF_TOTAL, DRF_DEMANDS),
    prompt=("A cluster of <16 CPUs, 32 GB>. User A runs tasks of <1 CPU, 3 GB>, B <2 CPUs, 1 GB>, C <1 CPU, 2 GB>, "
            "all with weight 1. How many tasks does each user get under DRF? Answer {user: tasks}."),
    hints=["Per task, each user's dominant share grows by its largest share of one resource: A by 3/32 (memory), "
           "B by 2/16 (CPU), C by 1/16 (both).",
           "Progressive filling: again and again, give one task to the user with the lowest dominant share, while it "
           "fits. A user whose next task does not fit drops out.",
           "Stop when no one's next task fits; then count tasks, not shares. Check with mesos.drf_allocate."],
    solution=("answer = {'A': 4, 'B': 3, 'C': 6}\n"
              "# A: 4 CPUs, 12 GB; B: 6 CPUs, 3 GB; C: 6 CPUs, 12 GB -> 16 CPUs in all, and every\n"
              "# dominant share is 3/8 (12/32, 6/16, 6/16). mesos.drf_allocate(ex.DRF_TOTAL, ex.DRF_DEMANDS)"),
    insight=("DRF ends with equal dominant shares (3/8 each), not equal task counts or equal CPUs: "
             "that is what makes it strategy-proof and envy-free in the paper."),
    mistakes=[({"A": 4, "B": 4, "C": 4}, "Equal task counts are not fair here: B's tasks are twice as big in CPUs. "
                                          "DRF equalises dominant shares."),
              ({"A": 0.375, "B": 0.375, "C": 0.375}, "Those are the dominant shares; the question asks how many tasks "
                                                      "each user runs."),
              ({"A": 5, "B": 3, "C": 5}, "Count the CPUs: 5 + 6 + 5 = 16 works, but then A's dominant share (15/32) "
                                          "exceeds C's (5/16): C had the lower share and should have got the task."),
              ({"A": 3, "B": 2, "C": 0}, "That is the paper's two-user example; here C competes too."),
              (lambda a: isinstance(a, Mapping) and all(isinstance(v, float) and 0 < v < 1 for v in a.values()),
               "Those look like shares; answer with task counts (whole numbers).")],
    nudge=("Check your totals: the tasks must fit in 16 CPUs and 32 GB, filling stops only when no user's next task "
           "fits, and at the end the dominant shares are equal or nearly so."),
)


# ----------------------------------------------------------------------------- q2: decline filters and suppress
class DeclineEverything(mesos.Scheduler):
    """Decline every offer with ``Filters(refuse_seconds)``; with ``suppress=True`` also call ``driver.suppress()``."""

    def __init__(self, refuse_seconds: float = mesos.DEFAULT_REFUSE_SECONDS, suppress: bool = False) -> None:
        self.refuse_seconds, self.suppress = refuse_seconds, suppress

    def resource_offers(self, driver, offers):
        driver.decline([o.id for o in offers], filters=mesos.Filters(refuse_seconds=self.refuse_seconds))
        if self.suppress:
            driver.suppress()


def count_offers(refuse_seconds: float = mesos.DEFAULT_REFUSE_SECONDS, suppress: bool = False, seed: int = 0) -> int:
    """Offers :class:`DeclineEverything` receives on two agents from t = 0 to t = 59 s (``cluster.run(59)``).

    >>> count_offers(refuse_seconds=30)
    4
    """
    cluster = mesos.Cluster(seed=seed)
    cluster.add_agent("agent-1", resources="cpus:4;mem:8192")
    cluster.add_agent("agent-2", resources="cpus:4;mem:8192")
    cluster.register(DeclineEverything(refuse_seconds, suppress), name="picky")
    cluster.run(59)
    return len(cluster.offers_log().rows)


q2 = MappingQuestion(
    "q2",
    expected={"refuse_0": count_offers(0), "refuse_10": count_offers(10), "suppress": count_offers(suppress=True)},
    prompt=("Two agents, allocation every 1 s. A framework declines every offer it gets. How many offers does it "
            "receive from t = 0 to t = 59 s when it declines with refuse_seconds=0, with refuse_seconds=10, and when "
            "it declines (default filter) and then calls suppress()? Answer {'refuse_0': .., 'refuse_10': .., "
            "'suppress': ..}."),
    hints=["Each allocation round (t = 0, 1, 2, ...) offers every agent whose resources are not filtered for this "
           "framework: one offer per agent. There are two agents.",
           "A decline filter of 10 s hides an agent from t until t + 10: the next offer for it comes at t + 10. "
           "How many rounds from 0 to 59 are multiples of 10?",
           "suppress() stops every offer until revive(), whatever the filter says. Check with "
           "ex.count_offers(refuse_seconds=..., suppress=...)."],
    solution=("answer = {'refuse_0': 60 * 2,   # rounds at t = 0, 1, ..., 59, two agents each\n"
              "          'refuse_10': 6 * 2,  # rounds at t = 0, 10, 20, 30, 40, 50\n"
              "          'suppress': 1 * 2}   # the first round only"),
    insight=("A filter only spaces out the same unwanted offers, and in a busy cluster the filtered resources go to "
             "other frameworks meanwhile; suppress is what an idle framework should do."),
    mistakes=[({"refuse_0": 60, "refuse_10": 6, "suppress": 1},
               "That counts one agent. Every round makes one offer per agent, and there are two."),
              ({"refuse_0": 120, "refuse_10": 10, "suppress": 2},
               "Count the round at t = 0 too: 0, 10, 20, 30, 40 and 50 is six rounds, two offers each."),
              ({"refuse_0": 120, "refuse_10": 12, "suppress": 0},
               "suppress() comes after the first offers arrived: the framework got those before it could suppress."),
              ({"refuse_0": 120, "refuse_10": 12, "suppress": 24},
               "24 is what the default 5 s filter alone gives (an offer per agent every 5 s); suppress() stops "
               "offers altogether until revive().")],
    nudge=("Count allocation rounds from t = 0 to t = 59 inclusive (60 of them) and one offer per unfiltered agent "
           "per round; then run ex.count_offers(...) to check."),
)


# ----------------------------------------------------------------------------- q3: a framework that packs
PACKING_AGENTS = 8                               # agent-1 .. agent-8, each cpus:4;mem:8192
PACKING_BUSY = {"agent-3": 3, "agent-6": 2}      # 1-CPU tasks another framework ("tenant") already runs there
PACKING_TASK_CPUS = (2, 2, 1, 1, 1)              # your tasks: job-0 .. job-4, each with 1024 MB per CPU
PACKING_SEEDS = (0, 1, 2)                        # the judge runs every seed
_PACKING_SECONDS = 20


class NaiveFramework(mesos.Scheduler):
    """The baseline of q3: take offers in the order received and launch ONE task per offer.

    An offer whose CPUs or memory cannot hold the next task is declined (default filter, 5 s);
    what a launch leaves unused in an offer is declined the same way by the master.
    """

    def __init__(self, tasks: list[mesos.Task]) -> None:
        self.pending = list(tasks)

    def resource_offers(self, driver, offers):
        for offer in offers:
            if not self.pending:
                driver.decline([offer.id])
                continue
            task = self.pending[0]
            if (task.resources["cpus"] <= offer.resources.get("cpus", 0)
                    and task.resources["mem"] <= offer.resources.get("mem", 0)):
                driver.accept([offer.id], [self.pending.pop(0)])
            else:
                driver.decline([offer.id])


class _Tenant(mesos.Scheduler):
    """Another team's framework: it pins 1-CPU tasks on the agents of ``plan``, then suppresses its offers."""

    def __init__(self, plan: Mapping[str, int]) -> None:
        self.plan = dict(plan)

    def resource_offers(self, driver, offers):
        for offer in offers:
            n = self.plan.pop(offer.agent, 0)
            if n:
                driver.accept([offer.id], [mesos.Task(f"tenant-{offer.agent}-{i}", "cpus:1;mem:1024") for i in range(n)],
                              filters=mesos.Filters(refuse_seconds=0))
            else:
                driver.decline([offer.id], filters=mesos.Filters(refuse_seconds=0))
        if not self.plan:
            driver.suppress()


def packing_tasks() -> list[mesos.Task]:
    """Fresh Task objects for q3: ``job-i`` with ``PACKING_TASK_CPUS[i]`` cpus and 1024 MB per cpu, long-running."""
    return [mesos.Task(f"job-{i}", {"cpus": c, "mem": 1024 * c}) for i, c in enumerate(PACKING_TASK_CPUS)]


def packing_cluster(seed: int = 0) -> mesos.Cluster:
    """``PACKING_AGENTS`` agents of 4 cpus; after 1 s the tenant framework runs ``PACKING_BUSY`` and is suppressed."""
    cluster = mesos.Cluster(seed=seed)
    for i in range(1, PACKING_AGENTS + 1):
        cluster.add_agent(f"agent-{i}", resources="cpus:4;mem:8192")
    cluster.register(_Tenant(PACKING_BUSY), name="tenant")
    cluster.run(1)
    return cluster


def run_packing(framework_class: type, seed: int = 0, seconds: float = _PACKING_SECONDS) -> dict:
    """Register ``framework_class(packing_tasks())`` as ``packer`` on :func:`packing_cluster`, run, and measure.

    Returns ``{"cluster", "framework", "running", "idle_agents"}``: how many of the given tasks
    (same name and resources) are TASK_RUNNING, and how many agents run no task at all (of any framework).
    """
    cluster = packing_cluster(seed)
    framework = framework_class(packing_tasks())
    cluster.register(framework, name="packer")
    cluster.run(seconds)
    live = [t for t in cluster.tasks() if not t.state.is_terminal]
    wanted = {t.name: t.resources for t in packing_tasks()}
    running = [t for t in live if t.framework_name == "packer" and t.state == mesos.TaskState.TASK_RUNNING
               and t.name in wanted and t.resources == wanted[t.name]]
    busy = {t.agent for t in live}
    return {"cluster": cluster, "framework": framework, "running": len(running),
            "idle_agents": sum(1 for name in cluster.agents if name not in busy)}


def _best_idle_agents() -> int:
    """Idle agents under the best packing: fill the busy agents, then as few empty ones as possible."""
    free = sorted(4 - n for n in PACKING_BUSY.values())
    need = sum(PACKING_TASK_CPUS)
    for c in sorted(PACKING_TASK_CPUS, reverse=True):       # first-fit decreasing into the busy agents
        for i, f in enumerate(free):
            if c <= f:
                free[i] -= c
                need -= c
                break
    return PACKING_AGENTS - len(PACKING_BUSY) - -(-need // 4)


def _judge_packer(cls: type) -> tuple[bool, str]:
    """Run ``cls`` and :class:`NaiveFramework` on :func:`packing_cluster` for every seed of ``PACKING_SEEDS``."""
    if not issubclass(cls, mesos.Scheduler):
        return False, f"{cls.__name__} must subclass mesos.Scheduler (class {cls.__name__}(mesos.Scheduler): ...)."
    results = []
    for seed in PACKING_SEEDS:
        mine, naive = run_packing(cls, seed), run_packing(NaiveFramework, seed)
        if mine["running"] != len(PACKING_TASK_CPUS):
            return False, (f"seed {seed}: after {_PACKING_SECONDS} s only {mine['running']} of the "
                           f"{len(PACKING_TASK_CPUS)} tasks you were given are TASK_RUNNING; launch them all, "
                           "unchanged (the Task objects passed to __init__).")
        results.append((seed, mine["idle_agents"], naive["idle_agents"]))
    summary = "; ".join(f"seed {s}: {m} idle agents (naive: {n})" for s, m, n in results)
    if any(m <= n for _, m, n in results):
        return False, f"{summary}. Leave MORE agents completely idle than the naive framework on every seed."
    best = _best_idle_agents()
    extra = (" That is the best possible." if all(m == best for _, m, _ in results) else
             f" The best possible is {best}: try the fullest agents first, biggest tasks first.")
    return True, f"all tasks running; {summary}.{extra}"


class _BestFitPacker(mesos.Scheduler):
    """The reference answer: fullest offers first, biggest tasks first, as many as fit (best-fit decreasing)."""

    def __init__(self, tasks):
        self.pending = sorted(tasks, key=lambda t: -t.resources["cpus"])

    def resource_offers(self, driver, offers):
        for offer in sorted(offers, key=lambda o: (o.resources.get("cpus", 0), o.agent)):
            cpus, mem = offer.resources.get("cpus", 0), offer.resources.get("mem", 0)
            batch = []
            for task in list(self.pending):
                if task.resources["cpus"] <= cpus and task.resources["mem"] <= mem:
                    batch.append(task)
                    self.pending.remove(task)
                    cpus, mem = cpus - task.resources["cpus"], mem - task.resources["mem"]
            if batch:
                driver.accept([offer.id], batch)
            else:
                driver.decline([offer.id])
        if not self.pending:
            driver.suppress()


class _Spreader(mesos.Scheduler):
    """A wrong answer: one task on each of the emptiest agents (it spreads)."""

    def __init__(self, tasks):
        self.pending = list(tasks)

    def resource_offers(self, driver, offers):
        for offer in sorted(offers, key=lambda o: (-o.resources.get("cpus", 0), o.agent)):
            if self.pending and self.pending[0].resources["cpus"] <= offer.resources.get("cpus", 0):
                driver.accept([offer.id], [self.pending.pop(0)])
            else:
                driver.decline([offer.id])


class _GreedyFirstTaskOnly(mesos.Scheduler):
    """A wrong answer: packs the first offer full, then declines every later offer for good."""

    def __init__(self, tasks):
        self.pending, self.done = list(tasks), False

    def resource_offers(self, driver, offers):
        for offer in offers:
            if self.done:
                driver.decline([offer.id], filters=mesos.Filters(refuse_seconds=3600))
                continue
            self.done = True
            batch, cpus = [], offer.resources.get("cpus", 0)
            for task in list(self.pending):
                if task.resources["cpus"] <= cpus:
                    batch.append(task)
                    self.pending.remove(task)
                    cpus -= task.resources["cpus"]
            driver.accept([offer.id], batch)


_SOLUTION_Q6 = '''class Packer(mesos.Scheduler):
    """Best-fit decreasing: fullest offers first, biggest tasks first, as many tasks per offer as fit."""

    def __init__(self, tasks):
        self.pending = sorted(tasks, key=lambda t: -t.resources["cpus"])

    def resource_offers(self, driver, offers):
        for offer in sorted(offers, key=lambda o: o.resources.get("cpus", 0)):
            cpus, mem = offer.resources.get("cpus", 0), offer.resources.get("mem", 0)
            batch = []
            for task in list(self.pending):
                if task.resources["cpus"] <= cpus and task.resources["mem"] <= mem:
                    batch.append(task)
                    self.pending.remove(task)
                    cpus -= task.resources["cpus"]
                    mem -= task.resources["mem"]
            if batch:
                driver.accept([offer.id], batch)
            else:
                driver.decline([offer.id])
        if not self.pending:
            driver.suppress()'''

q3 = ClassQuestion(
    "q3", _judge_packer,
    prompt=("Stretch: write a mesos.Scheduler subclass, constructed as YourClass(tasks), that launches all the tasks "
            "and leaves more agents completely idle than NaiveFramework, on packing_cluster(seed) for seeds 0, 1, 2."),
    hints=["NaiveFramework launches one task per offer, so its tasks spread over many agents. Put several tasks into "
           "one accept: driver.accept([offer.id], [task1, task2, ...]).",
           "All offers of one allocation round arrive in ONE resource_offers call. Sorting them changes which agents "
           "you fill: which agents should you fill first to keep the others empty?",
           "Best-fit decreasing: offers with the fewest free CPUs first (the tenant's busy agents), biggest tasks first. "
           "Suppress once nothing is pending."],
    solution=_SOLUTION_Q6,
    insight=("Placement is the framework's business in Mesos: the master offered the same agents to both frameworks; "
             "only the framework's choice of offers and tasks per offer packed or spread them."),
    mistakes=[(lambda cls: isinstance(cls, type) and issubclass(cls, NaiveFramework),
               "This is still one task per offer. Launch as many tasks as fit into an offer."),
              (lambda cls: cls is _Spreader,
               "Launching one task on each of the emptiest agents spreads the tasks: the opposite of packing."),
              (lambda cls: cls is _GreedyFirstTaskOnly,
               "Do not decline offers for good while tasks are still pending: every task must run.")],
    nudge=("Launch several tasks per offer, and choose the offers: the ones with the fewest free CPUs first. "
           "`ex.run_packing(YourClass)['cluster'].get('agents')` shows where your tasks went."),
    wrong_examples=[NaiveFramework, _Spreader, _GreedyFirstTaskOnly],
    solution_value=_BestFitPacker,
)
