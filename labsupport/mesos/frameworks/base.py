"""What every built-in framework shares: a clock, the driver, and suppress/revive done right.

A real framework is its own process with its own clock and timers; here that is the cluster's
:class:`~labsupport.core.Simulation`, handed in when the framework is built (``Marathon(cluster.sim)``).
The driver arrives with ``registered``, as in the Mesos scheduler API.

Offer hygiene, as Marathon does it (https://mesosphere.github.io/marathon/docs/command-line-flags.html,
``--decline_offer_duration``, ``--revive_offers_for_new_apps``):

* an offer the framework cannot use is declined with a long filter (``decline_seconds``), so the
  allocator offers those resources to other frameworks instead of re-offering them every second;
* when it has nothing to launch it calls ``suppress`` (no offers at all, visible in ``cluster.events()``);
* when it has work again it calls ``revive``, which also drops its decline filters.

>>> from labsupport import mesos
>>> cluster = mesos.Cluster(seed=0)
>>> fw = OfferHygiene(cluster.sim)
>>> fw.wants_offers(False)     # not registered yet: remembered, sent once the driver arrives
>>> fid = cluster.register(fw, name="quiet"); cluster.run(1)
>>> [e["EVENT"] for e in cluster.events("master")][-1]
"framework 'quiet' suppressed offers"
"""
from __future__ import annotations

from labsupport.core import LabError, Simulation
from labsupport.mesos.scheduler import Scheduler, SchedulerDriver

__all__ = ["DECLINE_SECONDS", "FrameworkError", "OfferHygiene"]

DECLINE_SECONDS = 120.0   # Marathon's --decline_offer_duration default (OfferProcessorConfig.scala: 120000 ms)


class FrameworkError(LabError):
    """A bad job / app definition or call on a built-in framework; the message names the field."""


class OfferHygiene(Scheduler):
    """Base of the built-in frameworks: keeps the driver, the clock and the suppressed flag."""

    def __init__(self, sim: Simulation, *, decline_seconds: float = DECLINE_SECONDS) -> None:
        if not isinstance(sim, Simulation):
            raise FrameworkError(f"sim: pass the cluster's clock, e.g. {type(self).__name__}(cluster.sim); got {type(sim).__name__}")
        if isinstance(decline_seconds, bool) or not isinstance(decline_seconds, (int, float)) or not decline_seconds >= 0:
            raise FrameworkError(f"decline_seconds: must be a number >= 0, got {decline_seconds!r}")
        self.sim = sim
        self.decline_seconds = float(decline_seconds)
        self.driver: SchedulerDriver | None = None
        self.framework_id: str | None = None
        self.suppressed = False            # what we last told the master
        self._wish: bool | None = None     # wish made before registration

    # -- Scheduler callbacks -------------------------------------------------------------------
    def registered(self, driver: SchedulerDriver, framework_id: str) -> None:
        self.driver, self.framework_id = driver, framework_id
        if self._wish is not None:
            self.wants_offers(self._wish)

    def reregistered(self, driver: SchedulerDriver, master: str) -> None:
        self.driver = driver
        if self.suppressed:                # the new master learns the suppression again
            self.driver.suppress()

    # -- offers ---------------------------------------------------------------------------------
    def wants_offers(self, want: bool) -> None:
        """Revive when we have work and were suppressed; suppress when we have none."""
        if self.driver is None:
            self._wish = want
            return
        if want and self.suppressed:
            self.suppressed = False
            self.driver.revive()
        elif not want and not self.suppressed:
            self.suppressed = True
            self.driver.suppress()

    def revive(self) -> None:
        """New work (a new app, a scale-up, a relaunch): revive, dropping our decline filters."""
        if self.driver is None:
            self._wish = True
            return
        self.suppressed = False
        self.driver.revive()

    def decline(self, offer_ids: list[str], refuse_seconds: float | None = None) -> None:
        """Decline each offer with this framework's long filter (``decline_seconds``) unless told otherwise."""
        secs = self.decline_seconds if refuse_seconds is None else refuse_seconds
        if offer_ids:
            self.driver.decline(list(offer_ids), {"refuse_seconds": secs})
