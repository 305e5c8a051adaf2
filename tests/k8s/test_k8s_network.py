"""Kubernetes networking (issue 13): tables from the docs and upstream code, then whole-cluster behaviour."""
from __future__ import annotations

import warnings

import pytest

from labsupport import k8s
from labsupport.core import LabError
from labsupport.k8s.network.dns import candidates
from labsupport.k8s.network.gateway import (
    hostname_matches,
    httproute_candidates,
    ingress_host_matches,
    ingress_route,
    path_matches,
)
from labsupport.k8s.network.kubeproxy import iptables_probability_strings, nft_chain_base, svc_chain
from labsupport.k8s.network.networkpolicy import Peer, direction_allows

# ----------------------------------------------------------------------------- kube-proxy, from proxier.go
PROB_STRINGS = [  # computeProbability(n) = fmt.Sprintf("%0.10f", 1.0/float64(n)), used for rules i < n-1 with n-i
    (1, []),
    (2, ["0.5000000000"]),
    (3, ["0.3333333333", "0.5000000000"]),
    (4, ["0.2500000000", "0.3333333333", "0.5000000000"]),
    (7, ["0.1428571429", "0.1666666667", "0.2000000000", "0.2500000000", "0.3333333333", "0.5000000000"]),
]


@pytest.mark.parametrize(("n", "want"), PROB_STRINGS, ids=[f"{n} endpoints get {len(w)} probability rules" for n, w in PROB_STRINGS])
def test_iptables_probability_strings_match_proxier_go(n, want):
    assert iptables_probability_strings(n) == want


def test_iptables_probabilities_is_the_issue_contract():
    assert k8s.iptables_probabilities(3) == [0.3333333333, 0.5, 1.0]


@pytest.mark.parametrize("n", [1, 2, 3, 5, 10], ids=lambda n: f"each of {n} endpoints gets 1/{n}")
def test_chain_of_conditional_probabilities_is_uniform(n):
    probs = k8s.iptables_probabilities(n)
    reach, shares = 1.0, []
    for p in probs:
        shares.append(reach * p)
        reach *= 1 - p
    assert shares == pytest.approx([1 / n] * n, abs=1e-9)


def test_chain_names_hash_like_kube_proxy():
    # nftables: "HASH-namespace/serviceName/protocol/portName__endpointIP/endpointport" (proxier.go comment example)
    assert nft_chain_base("ns1", "svc1", "p80", endpoint="10.180.0.1:80").endswith("-ns1/svc1/tcp/p80__10.180.0.1/80")
    assert svc_chain("default/web:http").startswith("KUBE-SVC-") and len(svc_chain("default/web:http")) == 25


@pytest.mark.parametrize("bad", [0, -1, 2.5, "3", True], ids=lambda b: f"{b!r} endpoints is refused")
def test_iptables_probabilities_bad_input(bad):
    with pytest.raises(LabError, match="n: the number of endpoints must be a whole number >= 1"):
        k8s.iptables_probabilities(bad)


# ----------------------------------------------------------------------------- DNS search path (resolv.conf(5), ndots:5)
SEARCH = [
    ("web", ["web.default.svc.cluster.local", "web.svc.cluster.local", "web.cluster.local", "web"]),
    ("web.other", ["web.other.default.svc.cluster.local", "web.other.svc.cluster.local", "web.other.cluster.local", "web.other"]),
    ("web.other.svc.cluster.local", ["web.other.svc.cluster.local.default.svc.cluster.local", "web.other.svc.cluster.local.svc.cluster.local",
                                     "web.other.svc.cluster.local.cluster.local", "web.other.svc.cluster.local"]),
    ("a.b.c.d.e.f", ["a.b.c.d.e.f", "a.b.c.d.e.f.default.svc.cluster.local", "a.b.c.d.e.f.svc.cluster.local", "a.b.c.d.e.f.cluster.local"]),
    ("web.other.svc.cluster.local.", ["web.other.svc.cluster.local"]),
]


@pytest.mark.parametrize(("name", "want"), SEARCH, ids=[
    "a bare name tries the namespace first", "name.namespace goes through the search list",
    "an FQDN with 4 dots is still searched first (ndots 5)", "5 dots are tried as written first", "a trailing dot is absolute"])
def test_resolver_candidates(name, want):
    assert candidates(name, "default") == want


# ----------------------------------------------------------------------------- Gateway API matching (spec text)
PATHS = [
    ({"type": "PathPrefix", "value": "/foo"}, "/foo", True),
    ({"type": "PathPrefix", "value": "/foo"}, "/foo/bar", True),
    ({"type": "PathPrefix", "value": "/foo/"}, "/foo", True),
    ({"type": "PathPrefix", "value": "/foo"}, "/foobar", False),
    ({"type": "Exact", "value": "/foo"}, "/foo/", False),
    ({"type": "PathPrefix", "value": "/"}, "/anything", True),
]


@pytest.mark.parametrize(("match", "path", "want"), PATHS, ids=[
    "prefix matches itself", "prefix matches a sub-path", "a trailing slash in the prefix is ignored",
    "prefix matches whole path elements only", "exact does not match a trailing slash", "slash matches everything"])
def test_path_matches(match, path, want):
    assert path_matches(match, path) is want


def _route(name, created, hostnames=None, rules=None, ns="default"):
    return {"metadata": {"name": name, "namespace": ns, "creationTimestamp": created},
            "spec": {"hostnames": hostnames or [], "rules": rules}}


PRECEDENCE = [
    ("exact path beats a longer prefix",
     [_route("a", 0, rules=[{"matches": [{"path": {"type": "PathPrefix", "value": "/foo/bar"}}]}]),
      _route("b", 1, rules=[{"matches": [{"path": {"type": "Exact", "value": "/foo/bar"}}]}])], "/foo/bar", {}, "b"),
    ("the longest prefix wins",
     [_route("a", 0, rules=[{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}]}]),
      _route("b", 1, rules=[{"matches": [{"path": {"type": "PathPrefix", "value": "/shop"}}]}])], "/shop/cart", {}, "b"),
    ("more header matches win on equal paths",
     [_route("a", 0, rules=[{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}]}]),
      _route("b", 1, rules=[{"matches": [{"path": {"type": "PathPrefix", "value": "/"}, "headers": [{"name": "x-canary", "value": "true"}]}]}])],
     "/", {"X-Canary": "true"}, "b"),
    ("the oldest route wins a full tie",
     [_route("b", 5, rules=[{}]), _route("a", 7, rules=[{}])], "/", {}, "b"),
    ("then the first by namespace/name",
     [_route("b", 5, rules=[{}]), _route("a", 5, rules=[{}])], "/", {}, "a"),
    ("an exact hostname beats a wildcard before paths count",
     [_route("wild", 0, ["*.example.com"], [{"matches": [{"path": {"type": "Exact", "value": "/x"}}]}]),
      _route("exact", 1, ["shop.example.com"], [{}])], "/x", {}, "exact"),
]


@pytest.mark.parametrize(("routes", "path", "headers", "want"), [p[1:] for p in PRECEDENCE], ids=[p[0] for p in PRECEDENCE])
def test_httproute_precedence(routes, path, headers, want):
    cands = httproute_candidates(routes, "shop.example.com", "GET", path, headers, {})
    assert cands[0][1]["metadata"]["name"] == want


@pytest.mark.parametrize(("pattern", "host", "gw", "ing"), [
    ("*.example.com", "foo.example.com", True, True), ("*.example.com", "foo.bar.example.com", True, False),
    ("*.example.com", "example.com", False, False), ("foo.example.com", "foo.example.com", True, True)],
    ids=["wildcard matches one label", "Gateway wildcard matches several labels, Ingress only one",
         "wildcard never matches the bare domain", "exact names match themselves"])
def test_wildcard_hosts(pattern, host, gw, ing):
    assert hostname_matches(pattern, host) is gw
    assert ingress_host_matches(pattern, host) is ing


def test_ingress_longest_path_then_exact():
    ing = {"metadata": {"name": "i"}, "spec": {"rules": [{"host": "foo.bar.com", "http": {"paths": [
        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "root"}}},
        {"path": "/aaa", "pathType": "Prefix", "backend": {"service": {"name": "prefix"}}},
        {"path": "/aaa", "pathType": "Exact", "backend": {"service": {"name": "exact"}}}]}}]}}
    assert ingress_route([ing], "foo.bar.com", "/aaa")[1]["service"]["name"] == "exact"
    assert ingress_route([ing], "foo.bar.com", "/aaa/b")[1]["service"]["name"] == "prefix"
    assert ingress_route([ing], "foo.bar.com", "/aaab")[1]["service"]["name"] == "root"
    assert ingress_route([ing], "other.com", "/") is None


# ----------------------------------------------------------------------------- NetworkPolicy, the docs' examples
FRONT = Peer("10.0.0.1", "default", {"role": "frontend"}, "frontend")
DB = Peer("10.0.0.2", "default", {"role": "db"}, "db", {"postgres": 5432})
OTHER_NS = Peer("10.0.1.1", "other", {"role": "frontend"}, "other-frontend")
PROJECT = Peer("10.0.1.2", "proj", {"role": "x"}, "proj-pod")
TEST_POLICY = {"metadata": {"name": "test-network-policy", "namespace": "default"}, "spec": {
    "podSelector": {"matchLabels": {"role": "db"}}, "policyTypes": ["Ingress", "Egress"],
    "ingress": [{"from": [{"ipBlock": {"cidr": "172.17.0.0/16", "except": ["172.17.1.0/24"]}},
                          {"namespaceSelector": {"matchLabels": {"project": "myproject"}}},
                          {"podSelector": {"matchLabels": {"role": "frontend"}}}],
                 "ports": [{"protocol": "TCP", "port": 6379}]}],
    "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/24"}}], "ports": [{"protocol": "TCP", "port": 5978}]}]}}
NS_LABELS = {"proj": {"project": "myproject"}}
DENY_ALL = {"metadata": {"name": "default-deny-ingress", "namespace": "default"}, "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}
ALLOW_ALL = {"metadata": {"name": "allow-all-ingress", "namespace": "default"}, "spec": {"podSelector": {}, "ingress": [{}]}}
NETPOL = [
    ("the docs' example lets a frontend Pod reach db on 6379", [TEST_POLICY], DB, FRONT, "Ingress", 6379, True),
    ("but not on another port", [TEST_POLICY], DB, FRONT, "Ingress", 5432, False),
    ("a Pod from a namespace labelled project=myproject", [TEST_POLICY], DB, PROJECT, "Ingress", 6379, True),
    ("a frontend in another namespace is not matched by a bare podSelector", [TEST_POLICY], DB, OTHER_NS, "Ingress", 6379, False),
    ("an ipBlock address outside except", [TEST_POLICY], DB, Peer("172.17.0.9"), "Ingress", 6379, True),
    ("an address in except is refused", [TEST_POLICY], DB, Peer("172.17.1.9"), "Ingress", 6379, False),
    ("db's egress to 10.0.0.0/24 on 5978 is allowed", [TEST_POLICY], DB, Peer("10.0.0.9"), "Egress", 5978, True),
    ("db's other egress is refused", [TEST_POLICY], DB, Peer("10.0.0.9"), "Egress", 80, False),
    ("an unselected Pod is not isolated", [TEST_POLICY], FRONT, DB, "Ingress", 80, True),
    ("default deny isolates every Pod", [DENY_ALL], FRONT, DB, "Ingress", 80, False),
    ("policies are additive: allow-all next to deny-all allows", [DENY_ALL, ALLOW_ALL], FRONT, DB, "Ingress", 80, True),
    ("deny-ingress leaves egress open", [DENY_ALL], FRONT, DB, "Egress", 80, True),
    ("a named port matches the target's container port", [{"metadata": {"name": "p", "namespace": "default"}, "spec": {
        "podSelector": {}, "ingress": [{"ports": [{"port": "postgres"}]}]}}], DB, FRONT, "Ingress", 5432, True),
]


@pytest.mark.parametrize(("policies", "pod", "other", "direction", "port", "want"), [n[1:] for n in NETPOL], ids=[n[0] for n in NETPOL])
def test_networkpolicy_docs_examples(policies, pod, other, direction, port, want):
    ok, why = direction_allows(policies, pod, other, direction, port, "TCP", NS_LABELS, pod if direction == "Ingress" else other)
    assert ok is want, why


# ----------------------------------------------------------------------------- whole cluster
APP = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27", ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, labels: {app: client}}
spec:
  containers: [{name: c, image: "busybox:1.36", command: ["sleep", "100000"]}]
"""


def make(mode="iptables", seed=0):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = k8s.Cluster(seed=seed, proxy_mode=mode)
    c.add_node("node-1")
    c.add_node("node-2")
    c.apply(APP)
    c.run(10)
    return c


@pytest.mark.parametrize("mode", ["iptables", "ipvs", "nftables"], ids=lambda m: f"{m} spreads over all three Pods")
def test_every_mode_spreads_traffic(mode):
    t = make(mode).request("client", "http://web/", count=300)
    assert t.dropped == 0 and len(t.by_backend) == 3
    assert min(t.by_backend.values()) >= 70
    if mode == "ipvs":
        assert sorted(t.by_backend.values()) == [100, 100, 100]


def test_ipvs_warns_deprecated():
    with pytest.warns(k8s.ProxyModeDeprecationWarning, match="deprecated since Kubernetes 1.35"):
        k8s.Cluster(seed=0, proxy_mode="ipvs")


def test_same_seed_same_traffic():
    assert make(seed=3).request("client", "http://web/", count=50).by_backend == make(seed=3).request("client", "http://web/", count=50).by_backend


@pytest.mark.parametrize(("name", "record", "want"), [
    ("web", "A", ["10.96.0.2"]), ("web.default", "A", ["10.96.0.2"]), ("web.default.svc.cluster.local", "A", ["10.96.0.2"]),
    ("_http._tcp.web", "SRV", ["0 100 80 web.default.svc.cluster.local."]), ("kubernetes.default", "A", ["10.96.0.1"])],
    ids=["a bare name", "name.namespace", "the FQDN", "an SRV record for the named port", "the kubernetes Service"])
def test_cluster_dns(name, record, want):
    assert make().resolve(name, from_pod="client", record=record) == want


@pytest.mark.parametrize(("call", "message"), [
    (lambda c: c.resolve("nope", from_pod="client"), "nope: NXDOMAIN"),
    (lambda c: c.resolve("web", from_pod="ghost"), 'source: pod "ghost" not found'),
    (lambda c: c.resolve("web", from_pod="client", record="MX"), "record: must be one of"),
    (lambda c: c.request("client", "web:80"), "url: 'web:80' is not a URL"),
    (lambda c: c.request("client", "http://web:99999/"), "url: port '99999' is not a number between 1 and 65535"),
    (lambda c: c.request("client", "http://web/", count=0), "count: must be a whole number from 1 to 100000"),
    (lambda c: c.proxy_rules("node-9"), 'node: nodes "node-9" not found'),
    (lambda c: k8s.Cluster(proxy_mode="userspace"), "proxy_mode: must be one of 'iptables', 'ipvs', 'nftables'"),
    (lambda c: c.request("client", "http://web/", headers={"x": 1}), "headers: must be a dict of strings"),
], ids=["an unknown name is NXDOMAIN", "an unknown Pod", "an unknown record type", "a URL without scheme",
        "a port out of range", "zero requests", "an unknown node", "a removed proxy mode", "a non-string header"])
def test_bad_input_names_the_problem(call, message):
    c = make()
    with pytest.raises(LabError, match=message.replace("(", r"\(").replace(")", r"\)").replace("'", "'")):
        call(c)


def test_not_ready_pod_gets_no_service_traffic_but_answers_directly():
    c = make()
    c.apply("""
apiVersion: v1
kind: Pod
metadata: {name: web-broken, labels: {app: web}}
spec:
  containers: [{name: web, image: "nginx:1.27", ports: [{name: http, containerPort: 8080}],
                readinessProbe: {exec: {command: ["false"]}}}]
""")
    c.run(30)
    t = c.request("client", "http://web/", count=200)
    assert "web-broken" not in t.by_backend
    ip = next(p.ip for p in c.pods() if p.name == "web-broken")
    assert c.trace("client", f"http://{ip}:8080/").backend == "web-broken"


def test_selector_that_misses_is_refused():
    c = make()
    c.apply("apiVersion: v1\nkind: Service\nmetadata: {name: miss}\nspec:\n  selector: {app: wbe}\n  ports: [{port: 80}]\n")
    tr = c.trace("client", "http://miss/")
    assert tr.dropped.startswith("connection refused") and "selector matches no Pod" in tr.dropped


def test_nodeport_allocation_and_collision():
    c = make()
    c.apply("apiVersion: v1\nkind: Service\nmetadata: {name: np}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]\n")
    with pytest.raises(k8s.ManifestError, match="spec.ports\\[0\\].nodePort: Invalid value: 30080: provided port is already allocated"):
        c.apply("apiVersion: v1\nkind: Service\nmetadata: {name: np2}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{port: 80, nodePort: 30080}]\n")
    with pytest.raises(k8s.ManifestError, match="provided port is not in the valid range. The range of valid ports is 30000-32767"):
        c.apply("apiVersion: v1\nkind: Service\nmetadata: {name: np3}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{port: 80, nodePort: 8080}]\n")
    c.apply("apiVersion: v1\nkind: Service\nmetadata: {name: np4}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]\n")
    assert c.object("service", "np4")["spec"]["ports"][0]["nodePort"] == 30000
    c.run(1)
    t = c.request(None, "http://192.168.0.10:30080/", count=30)
    assert t.dropped == 0 and sum(t.by_backend.values()) == 30


def test_load_balancer_gets_an_ip_after_provisioning():
    c = make()
    c.apply("apiVersion: v1\nkind: Service\nmetadata: {name: lb}\nspec:\n  type: LoadBalancer\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]\n")
    assert "<pending>" in str(c.get("services"))
    c.run(30)
    ip = c.object("service", "lb")["status"]["loadBalancer"]["ingress"][0]["ip"]
    assert ip.startswith("203.0.113.")
    assert c.request(None, f"http://{ip}/", count=20).dropped == 0


def test_headless_and_externalname_dns():
    c = make()
    c.apply("""
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: None, selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec: {type: ExternalName, externalName: db.example.com}
""")
    c.run(1)
    ips = sorted(p.ip for p in c.pods() if p.name.startswith("web"))
    assert sorted(c.resolve("db", from_pod="client")) == ips
    assert c.resolve("ext", from_pod="client", record="CNAME") == ["db.example.com."]
    assert len(c.resolve("_http._tcp.db", from_pod="client", record="SRV")) == 3


def test_networkpolicy_default_deny_then_allow_frontend_only():
    c = make()
    c.apply("""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-allow-client}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{podSelector: {matchLabels: {app: client}}}], ports: [{port: 8080}]}]
""")
    assert c.request("client", "http://web/", count=20).dropped == 0
    c.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: intruder, labels: {app: other}}\nspec:\n  containers: [{name: c, image: 'busybox:1.36', command: [sleep, '9999']}]\n")
    c.run(10)
    tr = c.trace("intruder", "http://web/")
    assert tr.dropped.startswith("dropped by NetworkPolicy (ingress of web-")


def test_egress_isolation_breaks_dns():
    c = make()
    c.apply("""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress}
spec: {podSelector: {}, policyTypes: [Egress]}
""")
    assert c.trace("client", "http://web/").dropped == "DNS lookup timed out (egress to kube-dns not allowed)"


GATEWAY = """
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: example}
spec: {controllerName: example.net/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shop}
spec:
  gatewayClassName: example
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-v2}
spec:
  replicas: 1
  selector: {matchLabels: {app: web-v2}}
  template:
    metadata: {labels: {app: web-v2}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
---
apiVersion: v1
kind: Service
metadata: {name: web-v2}
spec: {selector: {app: web-v2}, ports: [{port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: canary}
spec:
  parentRefs: [{name: shop}]
  hostnames: [shop.example.com]
  rules:
  - backendRefs: [{name: web, port: 80, weight: 90}, {name: web-v2, port: 80, weight: 10}]
"""


def test_gateway_canary_weights():
    c = make()
    c.apply(GATEWAY)
    c.run(10)
    t = c.request(None, "http://shop.example.com/", count=1000)
    v2 = t.by_backend.get(next(p.name for p in c.pods() if p.name.startswith("web-v2")))
    assert t.dropped == 0 and 70 <= v2 <= 130


@pytest.mark.parametrize(("doc", "message"), [
    ("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec: {parentRef: [{name: shop}]}\n",
     "spec: unknown field 'parentRef' (did you mean 'parentRefs'?)"),
    ("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules: [{backendRefs: [{name: web, port: 80, weight: 2000000}]}]\n",
     "spec.rules[0].backendRefs[0].weight: 2000000 is greater than the maximum of 1000000"),
    ("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules: [{matches: [{path: {type: PathPrefix, value: shop}}]}]\n",
     "spec.rules[0].matches[0].path.value: value must be an absolute path"),
    ("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {listeners: [{name: h, protocol: HTTP, port: 80}]}\n",
     "spec: missing required field 'gatewayClassName'"),
    ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec:\n  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}}]}]\n",
     "must be a strict subset of `cidr`"),
    ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec: {rules: [{http: {paths: [{path: /, pathType: Prefx, backend: {service: {name: web, port: {number: 80}}}}]}}]}\n",
     "pathType: Unsupported value: 'Prefx'"),
    ("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: ExternalName}\n", "spec.externalName: Required value"),
], ids=["a misspelt HTTPRoute field", "a weight above the CRD maximum", "a relative path", "a Gateway without class",
        "an ipBlock except outside its cidr", "an unknown Ingress pathType", "ExternalName without a name"])
def test_networking_manifests_are_validated(doc, message):
    c = make()
    with pytest.raises(k8s.ManifestError) as e:
        c.apply(doc)
    assert message in str(e.value)


def _policy_cluster(extra: str):
    c = make()
    c.apply(extra)
    c.run(1)
    return c


def test_session_affinity_client_ip_pins_one_pod():
    c = _policy_cluster("apiVersion: v1\nkind: Service\nmetadata: {name: sticky}\nspec:\n  selector: {app: web}\n"
                        "  sessionAffinity: ClientIP\n  ports: [{port: 80, targetPort: 8080}]\n")
    assert len(c.request("client", "http://sticky/", count=50).by_backend) == 1
    assert "-m recent --name KUBE-SEP-" in str(c.proxy_rules("node-1"))


def test_internal_traffic_policy_local_keeps_traffic_on_the_client_node():
    c = _policy_cluster("apiVersion: v1\nkind: Service\nmetadata: {name: local}\nspec:\n  selector: {app: web}\n"
                        "  internalTrafficPolicy: Local\n  ports: [{port: 80, targetPort: 8080}]\n")
    client_node = next(p.node for p in c.pods() if p.name == "client")
    t = c.request("client", "http://local/", count=40)
    assert t.dropped == 0 and {o.where for o in t.outcomes} == {client_node}


def test_external_traffic_policy_local_drops_at_a_node_without_endpoints_and_keeps_the_source():
    c = make()
    c.scale("deployment", "web", 1)
    c.run(40)
    c.apply("apiVersion: v1\nkind: Service\nmetadata: {name: np}\nspec:\n  type: NodePort\n  externalTrafficPolicy: Local\n"
            "  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]\n")
    c.run(1)
    web_node = next(p.node for p in c.pods() if p.name.startswith("web"))
    other = "node-2" if web_node == "node-1" else "node-1"
    ip = {"node-1": "192.168.0.10", "node-2": "192.168.0.11"}
    assert c.trace(None, f"http://{ip[other]}:30080/").dropped.startswith("connection refused")
    ok = c.trace(None, f"http://{ip[web_node]}:30080/")
    assert ok.dropped is None and "SNAT" not in str(ok)


@pytest.mark.parametrize("mode", ["iptables", "ipvs", "nftables"], ids=lambda m: f"{m} prints its own rule format")
def test_proxy_rules_in_each_mode(mode):
    rules = str(make(mode).proxy_rules("node-1"))
    want = {"iptables": "--probability 0.3333333333", "ipvs": "rr", "nftables": "numgen random mod 3 vmap"}[mode]
    assert want in rules


def test_the_real_kubectl_lists_and_applies_networking_kinds():
    c = make()
    try:
        c.kubectl("apply -f -", stdin=GATEWAY)
        c.run(10)
        assert "203.0.113.1" in c.kubectl("get gateways")
        c.kubectl("apply -f -", stdin="apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec: {podSelector: {}}\n")
        assert "deny" in c.kubectl("get netpol")
    finally:
        if c._server is not None:
            c._server.stop()
