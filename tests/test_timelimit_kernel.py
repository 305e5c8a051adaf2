"""In a real Jupyter kernel: an endless loop in a checked function and in resource_offers is stopped, the next cell runs."""
import nbformat
from nbclient import NotebookClient

SETUP = """\
import labsupport
from labsupport import mesos
from labsupport.checks import FunctionQuestion
from labsupport.core.timelimit import set_time_limit
set_time_limit(1)"""
CHECKED = """\
def total(xs):
    while True:
        pass
print(FunctionQuestion("q1", [(([1, 2],), 3)], solution="sum").check(total))"""
FRAMEWORK = """\
class Loop(mesos.Scheduler):
    def resource_offers(self, driver, offers):
        while True:
            pass
cluster = mesos.Cluster(seed=0, masters=1)
cluster.add_agent("a1", "cpus:4;mem:4096")
cluster.register(Loop(), name="loop")
cluster.run(3)"""
NEXT = "print('next cell ran', len(cluster.offers_log()))"


def _text(cell):
    out = []
    for o in cell.outputs:
        out.append(o.get("text", "") + o.get("evalue", "") + "".join(o.get("data", {}).get("text/plain", "")))
    return "".join(out)


def test_endless_loops_in_a_kernel_are_stopped_and_the_next_cell_runs():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in (SETUP, CHECKED, FRAMEWORK, NEXT)])
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True).execute()
    checked, framework, nxt = (_text(c) for c in nb.cells[1:])
    assert "q1: total() was stopped after 1 s without returning (an endless loop?)" in checked
    assert "Loop.resource_offers() was stopped after 1 s without returning" in framework
    assert "The cluster is exactly as before the call" in framework
    assert "next cell ran 1" in nxt
