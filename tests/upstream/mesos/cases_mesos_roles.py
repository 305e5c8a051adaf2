"""Mesos 1.11.0 src/tests/role_tests.cpp (RoleTest.Validate), ported as data (labsupport.mesos.roles)."""
from labsupport.mesos.roles import validate_role

UPSTREAM_FILE = "src/tests/role_tests.cpp"

VALID = ["foo", "123", "foo_123", "*", "foo-bar", "foo.bar", "foo..bar", "...", "foo/bar", "foo/.bar",
         "foo/bar/baz", "a/b/c/d/e/f/g/h"]
INVALID = ["", ".", "..", "-foo", "/", "/foo", "foo/", "foo//bar", "foo/bar/", "foo bar", "foo\tbar", "foo\nbar",
           "./.", "../..", "./foo", "../foo", "foo/.", "foo/..", "foo/./bar", "foo/../bar", "foo/-bar", "foo/*",
           "foo/*/bar", "*/foo"]

CASES = [
    *[{"upstream_file": UPSTREAM_FILE, "upstream_test": "RoleTest.Validate", "id": f"{r!r} is a valid role",
       "role": r, "valid": True} for r in VALID],
    *[{"upstream_file": UPSTREAM_FILE, "upstream_test": "RoleTest.Validate", "id": f"{r!r} is not a valid role",
       "role": r, "valid": False} for r in INVALID],
]

NOT_EXPRESSIBLE = [
    {"upstream_file": UPSTREAM_FILE, "upstream_test": t,
     "reason": "exercises the master's HTTP /roles endpoint or authentication, which the simulator does not serve"}
    for t in ("RoleTest.EndpointEmpty", "RoleTest.EndpointWithWhitelistNoFrameworks", "RoleTest.RolesEndpointContainsQuota",
              "RoleTest.RolesEndpointContainsConsumedQuota", "RoleTest.EndpointImplicitRolesWeights",
              "RoleTest.EndpointImplicitRolesQuotas", "RoleTest.EndpointImplicitRolesReservations",
              "RoleTest.EndpointImplicitRolesAncestors", "RoleTest.EndpointBadAuthentication")
]


def run(case):
    problem = validate_role(case["role"])
    assert (problem is None) == case["valid"], f"{case['role']!r}: {problem}"
