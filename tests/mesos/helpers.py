"""Small schedulers used by the Mesos tests."""
from labsupport import mesos


class Recorder(mesos.Scheduler):
    """Holds every offer and records every callback; ``on_offers`` may act on them."""

    def __init__(self, on_offers=None):
        self.on_offers = on_offers
        self.offers = {}            # id -> Offer, still held
        self.seen = []              # every offer ever received
        self.updates = []
        self.rescinded = []
        self.calls = []

    def registered(self, driver, framework_id):
        self.calls.append(("registered", framework_id))

    def reregistered(self, driver, master):
        self.calls.append(("reregistered", master))

    def disconnected(self, driver):
        self.calls.append(("disconnected",))

    def resource_offers(self, driver, offers):
        self.seen.extend(offers)
        for o in offers:
            self.offers[o.id] = o
        if self.on_offers:
            self.on_offers(self, driver, offers)

    def offer_rescinded(self, driver, offer_id):
        self.rescinded.append(offer_id)
        self.offers.pop(offer_id, None)

    def status_update(self, driver, status):
        self.updates.append((status.task_id, status.state.value, status.reason))

    def states(self, task_id):
        return [s for t, s, _ in self.updates if t == task_id]


def launch_once(task_factory):
    """on_offers: accept the first offer with the tasks from ``task_factory(offer)``, decline later ones."""
    state = {"done": False}

    def on_offers(rec, driver, offers):
        for o in offers:
            rec.offers.pop(o.id, None)
            if not state["done"]:
                state["done"] = True
                driver.accept([o.id], task_factory(o))
            else:
                driver.decline([o.id])
    return on_offers
