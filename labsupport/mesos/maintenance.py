"""Mesos maintenance primitives: schedules, DRAINING / DOWN / UP machines and inverse offers.

After https://mesos.apache.org/documentation/latest/maintenance/ (Mesos 0.25+, unchanged in 1.11):

* posting a **schedule** (windows of machines with an *unavailability*: start and duration)
  stores it in the replicated log and puts its machines in **DRAINING** mode at once;
* every framework with tasks on a draining agent gets an **inverse offer** ("please give these
  resources back by the start of the window"); it may *accept* (a best-effort promise) or
  *decline*. Neither changes what Mesos does: they are hints for the operator;
* Mesos never changes a machine's mode by itself, whatever the schedule says: the operator
  brings machines **DOWN** (``/machine/down``; only draining machines) -- their agents are told
  to shut down and are removed, their tasks become ``TASK_LOST`` -- and **UP** again
  (``/machine/up``), after which agents may register from them.

A framework receives inverse offers if its scheduler has an ``inverse_offers(driver, inverse_offers)``
method; each :class:`InverseOffer` has ``accept()`` and ``decline()`` (the driver's
``acceptInverseOffers`` / ``declineInverseOffers``). Simplified: a machine is an agent (one agent
per machine, named like it); inverse offers are sent once when the schedule is posted (Mesos
re-sends them every allocation unless filtered); offers from draining agents do not carry the
unavailability field.

>>> m = Maintenance()
>>> m.add_window(Window(("agent-2",), start=60.0, duration=600.0))
>>> m.modes, m.window_of("agent-2").duration
({'agent-2': 'DRAINING'}, 600.0)
"""
from __future__ import annotations

from dataclasses import dataclass, field

from labsupport.core import LabError, Table

__all__ = ["Maintenance", "InverseOffer", "Window", "UP", "DRAINING", "DOWN"]

UP, DRAINING, DOWN = "UP", "DRAINING", "DOWN"


@dataclass
class InverseOffer:
    """A request to a framework to free an agent by ``start`` (seconds on the cluster clock) for ``duration``."""

    id: str
    agent: str
    framework_id: str
    start: float
    duration: float
    answer: str = "outstanding"
    answered_at: float | None = None
    _clock: object = field(default=None, repr=False)

    def accept(self) -> None:
        """``ACCEPT_INVERSE_OFFERS``: the framework promises to move off the agent in time."""
        self._answer("accepted")

    def decline(self) -> None:
        """``DECLINE_INVERSE_OFFERS``: the framework cannot conform to the schedule."""
        self._answer("declined")

    def _answer(self, what: str) -> None:
        self.answer = what
        self.answered_at = self._clock() if self._clock else None


@dataclass(frozen=True)
class Window:
    """Machines and their unavailability: ``start`` and ``duration`` in simulated seconds."""

    machines: tuple[str, ...]
    start: float
    duration: float


class Maintenance:
    """The master's maintenance state: the schedule, each machine's mode, the inverse offers sent."""

    def __init__(self) -> None:
        self.windows: list[Window] = []
        self.modes: dict[str, str] = {}
        self.inverse_offers: list[InverseOffer] = []
        self._next = 0

    def validate_schedule(self, machines: list[str], start: float, duration: float, known: set[str]) -> tuple[str, ...]:
        """The master's checks: at least one machine, each once, not already scheduled, a valid unavailability."""
        if isinstance(machines, str) or not isinstance(machines, (list, tuple)) or not machines:
            raise LabError(f"agents: must be a non-empty list of agent names, got {machines!r}")
        if len(set(machines)) != len(machines):
            raise LabError(f"agents: each machine may appear only once, got {list(machines)}")
        for m in machines:
            if m not in known:
                raise LabError(f"agents: unknown agent {m!r}; agents: {sorted(known)}")
            if self.modes.get(m, UP) != UP:
                raise LabError(f"agents: {m!r} is already in the maintenance schedule ({self.modes[m]})")
        for name, v in (("start", start), ("duration", duration)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                raise LabError(f"{name}: must be a number of seconds >= 0, got {v!r}")
        return tuple(machines)

    def add_window(self, window: Window) -> None:
        self.windows.append(window)
        for m in window.machines:
            self.modes[m] = DRAINING

    def new_inverse_offer(self, agent: str, framework_id: str, window: Window, clock) -> InverseOffer:
        self._next += 1
        io = InverseOffer(f"IO{self._next}", agent, framework_id, window.start, window.duration, _clock=clock)
        self.inverse_offers.append(io)
        return io

    def check_mode(self, machines: list[str], want: str, action: str) -> None:
        if isinstance(machines, str) or not isinstance(machines, (list, tuple)) or not machines:
            raise LabError(f"agents: must be a non-empty list of agent names, got {machines!r}")
        for m in machines:
            if self.modes.get(m, UP) != want:
                raise LabError(f"agents: {m!r} is {self.modes.get(m, UP)}; {action} needs machines in {want} mode")

    def window_of(self, machine: str) -> Window | None:
        for w in self.windows:
            if machine in w.machines:
                return w
        return None

    def status(self) -> Table:
        """``/maintenance/status``: MACHINE, MODE, WINDOW, and the frameworks' answers to the inverse offers."""
        rows = []
        for m in sorted(self.modes):
            w = self.window_of(m)
            answers = [f"{io.framework_id}: {io.answer}" for io in self.inverse_offers if io.agent == m]
            rows.append({"MACHINE": m, "MODE": self.modes[m], "WINDOW": f"t={w.start:g}s for {w.duration:g}s" if w else None,
                         "INVERSE OFFERS": ", ".join(answers) or None})
        return Table(["MACHINE", "MODE", "WINDOW", "INVERSE OFFERS"], rows, title="maintenance status")

    def remove(self, machine: str) -> None:
        """``/machine/up``: the machine leaves the schedule."""
        self.modes.pop(machine, None)
        self.windows = [Window(tuple(x for x in w.machines if x != machine), w.start, w.duration) for w in self.windows]
        self.windows = [w for w in self.windows if w.machines]
