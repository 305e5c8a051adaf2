"""The RBAC authorizer: which binding's rule allows a request, in kube-apiserver's order and words.

Reproduces plugin/pkg/auth/authorizer/rbac/rbac.go (``RBACAuthorizer.Authorize``, ``RuleAllows``,
the ``authorizingVisitor`` and its reason ``RBAC: allowed by <binding>``),
pkg/registry/rbac/validation/rule.go (``VisitRulesFor``, ``appliesTo``, ``describeSubject``, the
binding describers) and pkg/apis/rbac/v1/evaluation_helpers.go (``VerbMatches``,
``APIGroupMatches``, ``ResourceMatches`` with ``*`` and ``*/subresource``, ``ResourceNameMatches``,
``NonResourceURLMatches`` with a trailing ``*``). Docs:
https://kubernetes.io/docs/reference/access-authn-authz/rbac/ (v1.37).

Order: every ClusterRoleBinding first, then the RoleBindings of the request's namespace; the first
rule that allows wins. RBAC never denies: no match is "no opinion", which the API server turns into
403 (the reason is empty unless a binding referred to a role that does not exist, then
``RBAC: [clusterrole.rbac.authorization.k8s.io "x" not found, ...]``).

Simplified: the informer listers return bindings in map order; here they are visited sorted by name,
so "which binding allowed it" is deterministic. ClusterRole aggregation (``aggregationRule``) is
resolved when rules are looked up instead of being written back by the clusterrole-aggregation
controller; the effective rules are the same.

>>> rule = {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods", "pods/log"]}
>>> from labsupport.k8s.auth.forbidden import Attributes
>>> rule_allows(Attributes("a", "get", "pods", "dev", subresource="log"), rule)
True
>>> rule_allows(Attributes("a", "delete", "pods", "dev"), rule)
False
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from labsupport.k8s.auth.forbidden import Attributes
from labsupport.k8s.auth.identity import UserInfo, service_account_user

__all__ = ["Decision", "rule_allows", "verb_matches", "api_group_matches", "resource_matches", "resource_name_matches",
           "non_resource_url_matches", "applies_to", "role_ref_rules", "visit_rules_for", "authorize", "describe_binding", "RBAC_KINDS"]

RBAC_KINDS = ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")


@dataclass(frozen=True)
class Decision:
    """An authorizer's answer: ``allowed`` and its ``reason`` (``RBAC: allowed by ...`` or why not)."""

    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed

    def __repr__(self) -> str:
        return f"Decision(allowed={self.allowed}, reason={self.reason!r})"


def verb_matches(rule: Mapping, verb: str) -> bool:
    return any(v == "*" or v == verb for v in rule.get("verbs") or ())


def api_group_matches(rule: Mapping, group: str) -> bool:
    return any(g == "*" or g == group for g in rule.get("apiGroups") or ())


def resource_matches(rule: Mapping, combined: str, subresource: str) -> bool:
    """``ResourceMatches``: ``*`` matches everything, ``*/log`` every resource's log subresource."""
    for r in rule.get("resources") or ():
        if r == "*" or r == combined:
            return True
        if subresource and r.startswith("*/") and r == "*/" + subresource:
            return True
    return False


def resource_name_matches(rule: Mapping, name: str) -> bool:
    """An empty ``resourceNames`` matches any name; otherwise the request must name one of them."""
    names = rule.get("resourceNames") or ()
    return not names or name in names


def non_resource_url_matches(rule: Mapping, path: str) -> bool:
    for u in rule.get("nonResourceURLs") or ():
        if u == "*" or u == path or (u.endswith("*") and path.startswith(u[:-1])):
            return True
    return False


def rule_allows(a: Attributes, rule: Mapping) -> bool:
    """``RuleAllows``: does this one PolicyRule allow the request?"""
    if a.is_resource_request:
        combined = a.resource + (f"/{a.subresource}" if a.subresource else "")
        return (verb_matches(rule, a.verb) and api_group_matches(rule, a.api_group)
                and resource_matches(rule, combined, a.subresource) and resource_name_matches(rule, a.name))
    return verb_matches(rule, a.verb) and non_resource_url_matches(rule, a.path)


def applies_to(user: UserInfo, subjects, binding_namespace: str) -> int | None:
    """``appliesTo``: the index of the first subject naming this user (or one of its groups), else None."""
    for i, s in enumerate(subjects or ()):
        kind, name = s.get("kind"), s.get("name")
        if kind == "User" and name == user.name:
            return i
        if kind == "Group" and name in user.groups:
            return i
        if kind == "ServiceAccount":
            ns = s.get("namespace") or binding_namespace
            if service_account_user(ns, name) == user.name:
                return i
    return None


def _describe_subject(s: Mapping, binding_namespace: str) -> str:
    if s.get("kind") == "ServiceAccount":
        return f'ServiceAccount "{s["name"]}/{s.get("namespace") or binding_namespace}"'
    return f'{s.get("kind")} "{s.get("name")}"'


def describe_binding(binding: Mapping, subject: Mapping) -> str:
    """The describers' ``String()``: ``ClusterRoleBinding "x" of ClusterRole "y" to User "z"``."""
    ref = binding.get("roleRef") or {}
    meta = binding["metadata"]
    if binding["kind"] == "ClusterRoleBinding":
        return f'ClusterRoleBinding "{meta["name"]}" of {ref.get("kind")} "{ref.get("name")}" to {_describe_subject(subject, "")}'
    ns = meta.get("namespace", "")
    return f'RoleBinding "{meta["name"]}/{ns}" of {ref.get("kind")} "{ref.get("name")}" to {_describe_subject(subject, ns)}'


def _labels_match(selector: Mapping, labels: Mapping) -> bool:
    from labsupport.k8s.objects import selector_matches

    return selector_matches(selector, labels)


def cluster_role_rules(get: Callable, list_cluster_roles: Callable, name: str, _seen: frozenset = frozenset()) -> list | None:
    """A ClusterRole's rules, with the rules of the ClusterRoles its ``aggregationRule`` selects; None if missing."""
    role = get("ClusterRole", None, name)
    if role is None:
        return None
    rules = list(role.get("rules") or [])
    agg = role.get("aggregationRule")
    if agg:
        for other in list_cluster_roles():
            oname = other["metadata"]["name"]
            if oname == name or oname in _seen:
                continue
            labels = other["metadata"].get("labels") or {}
            if any(_labels_match(sel, labels) for sel in agg.get("clusterRoleSelectors") or ()):
                for r in cluster_role_rules(get, list_cluster_roles, oname, _seen | {name}) or ():
                    if r not in rules:
                        rules.append(r)
    return rules


def role_ref_rules(store, ref: Mapping, namespace: str) -> tuple[list, str | None]:
    kind, name = ref.get("kind"), ref.get("name")
    if kind == "Role":
        role = store.get("Role", namespace, name)
        if role is None:
            return [], f'role.rbac.authorization.k8s.io "{name}" not found'
        return list(role.get("rules") or []), None
    rules = cluster_role_rules(store.get, lambda: store.list("ClusterRole"), name)
    if rules is None:
        return [], f'clusterrole.rbac.authorization.k8s.io "{name}" not found'
    return rules, None


def visit_rules_for(store, user: UserInfo, namespace: str) -> Iterator[tuple[str | None, dict | None, str | None]]:
    """``VisitRulesFor``: yield ``(source, rule, error)`` for every rule that applies to ``user`` in ``namespace``."""
    for crb in sorted(store.list("ClusterRoleBinding"), key=lambda b: b["metadata"]["name"]):
        i = applies_to(user, crb.get("subjects"), "")
        if i is None:
            continue
        rules, err = role_ref_rules(store, crb.get("roleRef") or {}, "")
        if err:
            yield None, None, err
            continue
        source = describe_binding(crb, crb["subjects"][i])
        for rule in rules:
            yield source, rule, None
    if namespace:
        for rb in sorted(store.list("RoleBinding", namespace), key=lambda b: b["metadata"]["name"]):
            i = applies_to(user, rb.get("subjects"), namespace)
            if i is None:
                continue
            rules, err = role_ref_rules(store, rb.get("roleRef") or {}, namespace)
            if err:
                yield None, None, err
                continue
            source = describe_binding(rb, rb["subjects"][i])
            for rule in rules:
                yield source, rule, None


def authorize(store, user: UserInfo, a: Attributes) -> Decision:
    """``RBACAuthorizer.Authorize``: allowed by the first matching rule, else no opinion (denied)."""
    errors = []
    for source, rule, err in visit_rules_for(store, user, a.namespace):
        if rule is not None and rule_allows(a, rule):
            return Decision(True, f"RBAC: allowed by {source}")
        if err:
            errors.append(err)
    if not errors:
        return Decision(False, "")
    agg = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    return Decision(False, f"RBAC: {agg}")
