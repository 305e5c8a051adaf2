"""Pictures of both systems: every function returns a matplotlib Figure and never calls ``plt.show()``.

Pass a live cluster (``labsupport.k8s.Cluster`` or ``labsupport.mesos.Cluster``) or plain
records from :mod:`labsupport.plots.data`; the last expression of a cell shows the figure
once (figures are pyplot-free, see :mod:`labsupport.plots.style`).

=====================  ===========================  ===========================================
function               Kubernetes                   Mesos
=====================  ===========================  ===========================================
``placement``          pods on nodes (requests)     tasks on agents (resources)
``timeline``           pods per node over time      tasks per agent over time
``offer_timeline``     --                           offers per agent, accepted/declined/rescinded
``explain_chart``      ``scheduler.explain(pod)``   --
``drf_shares``         --                           dominant share per role/framework over time
``hpa``                ``sample_hpa(cluster, ..)``  --
``architecture``       API server, watches, writes  master, agents, frameworks, messages
=====================  ===========================  ===========================================

>>> from labsupport import plots
>>> fig = plots.drf_shares([(0, {"A": 0.0}), (5, {"A": 0.5})])
>>> type(fig).__name__, fig.axes[0].get_xlabel()
('Figure', 'simulated time (s)')
"""
from labsupport.plots.architecture import architecture
from labsupport.plots.data import (
    Architecture,
    Bin,
    Component,
    Flow,
    HPASample,
    Item,
    Mark,
    OfferSpan,
    ShareSample,
    Span,
    Timeline,
)
from labsupport.plots.drf import drf_shares
from labsupport.plots.explain import explain_chart
from labsupport.plots.hpa import hpa
from labsupport.plots.k8s_data import sample_hpa
from labsupport.plots.offers import offer_timeline
from labsupport.plots.placement import placement
from labsupport.plots.style import OKABE_ITO, png_bytes
from labsupport.plots.timeline import timeline

__all__ = [
    "placement",
    "timeline",
    "offer_timeline",
    "explain_chart",
    "drf_shares",
    "hpa",
    "architecture",
    "sample_hpa",
    "png_bytes",
    "OKABE_ITO",
    "Architecture",
    "Bin",
    "Component",
    "Flow",
    "HPASample",
    "Item",
    "Mark",
    "OfferSpan",
    "ShareSample",
    "Span",
    "Timeline",
]
