"""Mesos networking (issue 13): host ports, Mesos-DNS and its refresh lag, marathon-lb, CNI addresses."""
from __future__ import annotations

import pytest

from labsupport import mesos
from labsupport.core import LabError
from labsupport.mesos.frameworks import Marathon
from labsupport.mesos.frameworks.marathon_app import AppDefinitionError, host_ports_needed, parse_app
from labsupport.mesos.network import exposed, last_refresh

WEB = {"id": "/web", "cmd": "serve", "instances": 3, "labels": {"HAPROXY_GROUP": "external"}}


def cell(*apps, cni=False, agents=3):
    c = mesos.Cluster(seed=0)
    for i in range(agents):
        c.add_agent(f"agent-{i + 1}", "cpus:4;mem:8192;ports:[31000-31005]")
    if cni:
        c.add_cni_network("calico", "10.8.0.0/16")
    m = Marathon(c.sim)
    c.register(m, name="marathon")
    for a in apps:
        m.add_app(a)
    c.run(5)
    return c, m


@pytest.mark.parametrize(("now", "want"), [(0, 0), (59.9, 0), (60, 60), (179, 120)],
                         ids=["at start", "just before the first refresh", "at a refresh", "between refreshes"])
def test_last_refresh_every_60_seconds(now, want):
    assert last_refresh(now) == want


@pytest.mark.parametrize(("labels", "want"), [({"HAPROXY_GROUP": "external"}, True), ({}, False), ({"HAPROXY_GROUP": "internal"}, False),
                                              ({"HAPROXY_GROUP": "internal,external"}, True)],
                         ids=["the default group is exposed", "no label is not exposed", "another group is not", "a list of groups"])
def test_haproxy_group(labels, want):
    assert exposed(labels) is want


@pytest.mark.parametrize(("app", "want"), [
    ({"id": "a", "cmd": "x"}, [None]),
    ({"id": "a", "cmd": "x", "portDefinitions": [{"port": 0}, {"port": 0}]}, [None, None]),
    ({"id": "a", "cmd": "x", "portDefinitions": [{"port": 10080}], "requirePorts": True}, [10080]),
    ({"id": "a", "container": {"docker": {"image": "i"}, "portMappings": [{"containerPort": 80}]},
      "networks": [{"mode": "container", "name": "calico"}]}, []),
    ({"id": "a", "container": {"docker": {"image": "i"}, "portMappings": [{"containerPort": 80, "hostPort": 0}]},
      "networks": [{"mode": "container", "name": "calico"}]}, [None]),
], ids=["one default port definition: any host port", "two port definitions", "requirePorts: the service port itself",
        "a container network needs no host port", "hostPort 0 asks for any host port"])
def test_host_ports_needed(app, want):
    assert host_ports_needed(parse_app(app, set())) == want


@pytest.mark.parametrize(("app", "message"), [
    ({"id": "a", "cmd": "x", "labels": {"HAPROXY_GROUP": 1}}, "labels: must be a dict of strings"),
    ({"id": "a", "cmd": "x", "networks": [{"mode": "bridge"}]}, "networks[0].mode: must be 'host' or 'container'"),
    ({"id": "a", "cmd": "x", "networks": [{"mode": "container"}]}, "networks[0].name: a container network needs the name"),
    ({"id": "a", "cmd": "x", "container": {"docker": {"image": "i"}, "portMappings": [{"containerPort": 80}]}}, "container.portMappings: only with a container network"),
    ({"id": "a", "cmd": "x", "requirePorts": "yes"}, "requirePorts: must be true or false"),
    ({"id": "a", "container": {"docker": {"image": "i"}, "portMappings": [{"hostPort": 80}]}, "networks": [{"mode": "container", "name": "c"}]},
     "containerPort: required"),
], ids=["a label that is not a string", "bridge networking", "a container network without name", "portMappings on host networking",
        "requirePorts not a boolean", "a port mapping without containerPort"])
def test_bad_networking_fields(app, message):
    with pytest.raises(AppDefinitionError, match=message.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        parse_app(app, set())


def test_marathon_lb_round_robin_over_service_port():
    c, m = cell(WEB)
    t = c.request("http://marathon-lb:10000/", count=300)
    assert t.dropped == 0 and sorted(t.by_backend.values()) == [100, 100, 100]


def test_app_without_group_is_not_exposed():
    c, m = cell({"id": "/hidden", "cmd": "serve"})
    tr = c.trace("http://marathon-lb:10000/")
    assert tr.dropped == "connection refused: marathon-lb has no frontend on port 10000"


def test_marathon_lb_skips_unhealthy_tasks():
    app = dict(WEB, healthChecks=[{"gracePeriodSeconds": 0, "intervalSeconds": 5, "maxConsecutiveFailures": 100}])
    c, m = cell(app)
    c.run(10)
    sick = m.tasks()[0]["ID"]
    m.fail_health(sick)
    c.run(10)
    t = c.request("http://marathon-lb:10000/", count=60)
    assert sick not in t.by_backend and t.dropped == 0


def test_mesos_dns_lags_behind_a_task_move():
    c, m = cell(dict(WEB, instances=1), agents=2)
    c.run(60)
    before = c.resolve("web.marathon.mesos")
    old_agent = m.tasks()[0]["AGENT"]
    c.fail_agent(old_agent)
    c.run(100)                       # agent lost after 75 s, Marathon relaunches elsewhere
    assert m.tasks()[0]["AGENT"] != old_agent
    now = c.now
    stale = c.resolve("web.marathon.mesos")
    c.run(last_refresh(now) + 60 - now)
    fresh = c.resolve("web.marathon.mesos")
    assert stale == before and fresh != before
    srv = c.resolve("_web._tcp.marathon.mesos", record="SRV")
    assert srv[0].startswith("0 0 31000 web-") and srv[0].endswith(".marathon.slave.mesos.")


def test_host_port_request_and_conflicts():
    c, m = cell(dict(WEB, instances=1))
    agent, port = m.tasks()[0]["AGENT"], m.tasks()[0]["HOST PORTS"]
    assert c.trace(f"http://{agent}:{port}/").backend == "web.instance-1"
    assert c.trace(f"http://{agent}:31005/").dropped == f"connection refused: nothing listens on {agent}:31005"


def test_require_ports_takes_the_service_port_as_host_port():
    c, m = cell({"id": "/fixed", "cmd": "serve", "instances": 2, "portDefinitions": [{"port": 31002}], "requirePorts": True})
    rows = m.tasks()
    assert [r["HOST PORTS"] for r in rows] == ["31002", "31002"] and len({r["AGENT"] for r in rows}) == 2


def test_cni_tasks_get_their_own_ip():
    app = {"id": "/api", "container": {"docker": {"image": "api:1"}, "portMappings": [{"containerPort": 8080}]},
           "networks": [{"mode": "container", "name": "calico"}], "instances": 2, "labels": {"HAPROXY_GROUP": "external"}}
    c, m = cell(app, cni=True)
    c.run(60)
    ips = c.resolve("api.marathon.mesos")
    assert ips == ["10.8.0.1", "10.8.0.2"]
    assert c.trace("http://10.8.0.2:8080/").backend == "api.instance-2"
    assert c.request("http://marathon-lb:10000/", count=10).dropped == 0


@pytest.mark.parametrize(("call", "message"), [
    (lambda c: c.resolve("nope.marathon.mesos"), "nope.marathon.mesos: NXDOMAIN"),
    (lambda c: c.resolve("web.marathon.mesos", record="CNAME"), "record: Mesos-DNS serves 'A' and 'SRV' records"),
    (lambda c: c.request("marathon-lb:10000"), "url: 'marathon-lb:10000' is not a URL"),
    (lambda c: c.request("http://marathon-lb:70000/"), "url: port '70000' is not a number between 1 and 65535"),
    (lambda c: c.add_cni_network("calico", "10.8.0.0/33"), "subnet: '10.8.0.0/33' is not an IPv4 CIDR"),
    (lambda c: c.request("http://marathon-lb:10000/", count=-1), "count: must be a whole number"),
], ids=["an unknown task name", "an unserved record type", "a URL without scheme", "a port out of range", "a bad subnet", "a negative count"])
def test_bad_input_names_the_problem(call, message):
    c, _ = cell(WEB)
    with pytest.raises(LabError) as e:
        call(c)
    assert message in str(e.value)


def test_same_seed_same_traffic():
    a = cell(WEB)[0].request("http://web.marathon.mesos:31000/", count=20)
    b = cell(WEB)[0].request("http://web.marathon.mesos:31000/", count=20)
    assert a.by_backend == b.by_backend


def test_master_refuses_a_task_asking_for_a_port_it_was_not_offered():
    # Driver calls made in a callback are applied when it returns (labsupport.mesos.messages.deliver holds them,
    # so a callback stopped by the time limit changes nothing); the refusal surfaces from run(), naming the ports.
    class PortHog(mesos.Scheduler):
        def resource_offers(self, driver, offers):
            for o in offers:
                driver.accept([o.id], [mesos.Task("hog", "cpus:1;mem:128;ports:[8080-8080]")])

    c = mesos.Cluster(seed=0)
    c.add_agent("agent-1", "cpus:4;mem:8192;ports:[31000-31099]")
    c.register(PortHog(), name="hog")
    with pytest.raises(LabError) as e:
        c.run(2)
    assert "asks for ports [(8080, 8080)] but the offers hold [(31000, 31099)]" in str(e.value)
