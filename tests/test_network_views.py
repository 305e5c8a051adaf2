"""Lesson 05's figure and widget: both systems redraw when a control moves; bad settings are refused by name."""
from __future__ import annotations

import pytest

from labsupport import network_views
from labsupport.core import LabError


@pytest.mark.parametrize(("control", "value"), [("copies", 4), ("broken", 1), ("mode", "ipvs")],
                         ids=["more copies redraws", "a broken copy redraws", "another proxy mode redraws"])
def test_the_widget_redraws_when_a_control_moves(control, value):
    w = network_views.traffic_widget(seed=0, requests=60)
    before = w.png
    w.controls[control].value = value
    assert w.redraws == 2 and w.png != before


def test_broken_copies_get_no_traffic_on_either_side():
    kc, mc = network_views.split_clusters(copies=3, broken=2, proxy_mode="nftables", seed=1)
    k = kc.request("client", "http://web/", count=30)
    m = mc.request("http://marathon-lb:10000/", count=30)
    assert len(k.by_backend) == 1 and len(m.by_backend) == 1 and k.dropped == m.dropped == 0


@pytest.mark.parametrize(("kwargs", "message"), [({"copies": 0}, "copies: must be a whole number from 1 to 10"),
                                                 ({"copies": 2, "broken": 3}, "broken: cannot exceed copies (2)")],
                         ids=["zero copies", "more broken than copies"])
def test_bad_settings_name_the_control(kwargs, message):
    with pytest.raises(LabError, match=message.replace("(", r"\(").replace(")", r"\)")):
        network_views.split_clusters(**kwargs)


def test_the_figure_has_a_panel_per_traffic_with_labelled_axes():
    kc, mc = network_views.split_clusters(copies=2, seed=0)
    fig = network_views.traffic_split({"k8s": kc.request("client", "http://web/", count=10),
                                       "mesos": mc.request("http://marathon-lb:10000/", count=10)})
    assert [ax.get_title() for ax in fig.axes] == ["k8s", "mesos"]
    assert all(ax.get_ylabel() == "requests" for ax in fig.axes)
