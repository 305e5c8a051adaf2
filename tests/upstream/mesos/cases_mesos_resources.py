"""Mesos 1.11.0 src/tests/resources_tests.cpp, ported as data (labsupport.mesos.resources).

Each case is one assertion of the upstream test: ``op`` says what it computes from resource strings.
"""
from labsupport.mesos.errors import ResourceError
from labsupport.mesos.resources import parse_resources

UPSTREAM_FILE = "src/tests/resources_tests.cpp"
T = "ResourcesTest."


def _c(test, id_, op, **data):
    return {"upstream_file": UPSTREAM_FILE, "upstream_test": T + test, "id": id_, "op": op, **data}


CASES = [
    _c("Parsing", "a scalar and two port ranges", "equal", a="cpus:45.55;ports:[10000-20000, 30000-50000]",
       b="ports:[30000-50000];ports:[10000-20000];cpus:45.55"),
    _c("ParsingWithRoles", "static reservations keep their roles", "str", a="cpus(role1):2;mem(role1):3",
       want="cpus(role1):2;mem(role1):3"),
    _c("ParsingWithRoles", "a reserved range", "str", a="cpus(role1):2.5;ports(role2):[0-100]",
       want="cpus(role1):2.5;ports(role2):[0-100]"),
    *[_c("ParseError", why, "error", a=text) for why, text in [
        ("a missing colon is an error", "cpus(role1)"),
        ("an unclosed parenthesis is an error", "cpus(role1:1"),
        ("parentheses in the wrong order are an error", "cpus)(role1:1"),
        ("the same name with two types is an error", "foo(role1):1;foo(role2):[0-1]"),
    ]],
    *[_c("PrintingScalarPrecision", f"{value} prints as {want}", "str", a=f"cpus:{value}", want=f"cpus:{want}")
      for value, want in [("1.234", "1.234"), ("1.2345", "1.235"), ("1.2344", "1.234"), ("1.1", "1.1"),
                          ("1000001", "1000001"), ("99999999999.9994", "99999999999.999")]],
    _c("ScalarEquals", "the same scalars in other roles differ", "unequal", a="cpus(role1):3", b="cpus(role2):3"),
    _c("ScalarSubset", "more memory contains less", "contains", a="cpus:1;mem:4096", b="cpus:1;mem:3072", want=True),
    _c("ScalarSubset", "less memory does not contain more", "contains", a="cpus:1;mem:3072", b="cpus:1;mem:4096", want=False),
    _c("ScalarSubset2", "another role's cpus are not contained", "contains", a="cpus(role2):1", b="cpus(role1):1", want=False),
    _c("ScalarSubset2", "more cpus of the same role contain fewer", "contains", a="cpus(role1):3", b="cpus(role1):1", want=True),
    _c("ScalarAddition", "scalars add per name", "add", a="cpus:1;mem:5", b="cpus:2;mem:10", want="cpus:3;mem:15"),
    _c("ScalarAddition2", "scalars add per role", "add", a="cpus(role1):1;cpus(role2):3", b="cpus(role1):5",
       want="cpus(role1):6;cpus(role2):3"),
    _c("ScalarSubtraction", "scalars subtract per name", "sub", a="cpus:50;mem:4096", b="cpus:0.5;mem:1024",
       want="cpus:49.5;mem:3072"),
    _c("ScalarSubtraction", "subtracting everything leaves nothing", "sub", a="cpus:50;mem:4096", b="cpus:50;mem:4096", want=""),
    _c("ScalarSubtraction2", "scalars subtract per role", "sub", a="cpus(role1):5;cpus(role2):3", b="cpus(role1):1",
       want="cpus(role1):4;cpus(role2):3"),
    _c("RangesEquals", "touching ranges equal one range", "equal", a="ports:[20-40]", b="ports:[20-30, 31-39, 40-40]"),
    *[_c("RangesSubset", f"{a} contains {b}: {want}", "contains", a=f"ports:{a}", b=f"ports:{b}", want=want)
      for a, b, want in [("[1-10]", "[2-2, 4-5]", True), ("[2-2, 4-5]", "[1-10]", False), ("[2-3]", "[2-2, 4-5]", False),
                         ("[2-2, 4-5]", "[2-3]", False), ("[1-10]", "[2-3]", True), ("[2-3]", "[1-10]", False),
                         ("[1-2, 4-6]", "[2-2, 4-5]", True), ("[1-10]", "[1-2, 4-6]", True),
                         ("[1-4, 5-5]", "[2-2, 4-5]", True), ("[2-2, 4-5]", "[1-4, 5-5]", False)]],
    _c("RangesAddition", "overlapping ranges add", "add", a="ports:[20000-40000]", b="ports:[30000-50000, 10000-20000]",
       want="ports:[10000-50000]"),
    _c("RangesAddition2", "overlapping lists add", "add", a="ports:[1-10, 5-30, 50-60]", b="ports:[1-65, 70-80]",
       want="ports:[1-65,70-80]"),
    _c("RangesAddition3", "adjacent ranges merge", "add", a="ports:[1-2];ports:[3-4]", b="ports:[7-8];ports:[5-6]",
       want="ports:[1-8]"),
    _c("RangesAddition4", "gaps fill", "add", a="ports:[1-4, 9-10, 20-22, 26-30]", b="ports:[5-8, 23-25]",
       want="ports:[1-10,20-30]"),
    _c("RangesSubtraction", "a range minus two overlapping ranges", "sub", a="ports:[20000-40000]",
       b="ports:[10000-20000, 30000-50000]", want="ports:[20001-29999]"),
    _c("RangesSubtraction1", "two ports off the bottom", "sub", a="ports:[50000-60000]", b="ports:[50000-50001]",
       want="ports:[50002-60000]"),
    _c("RangesSubtraction2", "one port off the bottom", "sub", a="ports:[50000-60000]", b="ports:[50000-50000]",
       want="ports:[50001-60000]"),
    _c("RangesSubtraction3", "free is total minus offered plus in use", "sub", a="ports:[50000-60000]",
       b="ports:[50000-50001]", want="ports:[50002-60000]"),
    _c("RangesSubtraction4", "subtracting itself leaves nothing", "sub", a="ports:[50000-60000]", b="ports:[50000-60000]",
       want=""),
    _c("RangesSubtraction5", "set difference of interleaved lists", "sub", a="ports:[1-10, 20-30, 40-50]",
       b="ports:[2-9, 15-45, 48-50]", want="ports:[1-1,10-10,46-47]"),
    _c("RangesSubtraction6", "disjoint ranges subtract to the original", "sub", a="ports:[1-10]", b="ports:[11-20]",
       want="ports:[1-10]"),
    _c("Get", "cpus and mem totals over roles", "total", a="cpus(role1):2;cpus:4;mem(role1):10;mem:10", name="cpus", want=6.0),
    _c("Names", "names are unique", "names", a="cpus(role1):2;cpus:4;mem(role1):10;mem:10", want=["cpus", "mem"]),
    _c("Types", "repeated ports are one ranges resource", "total", a="cpus(role1):2;cpus:4;ports:[1-10];ports:[11-20]",
       name="ports", want=[(1, 20)]),
    _c("PrecisionSimple", "1.001 survives add and subtract", "total", a="cpus:1.001", name="cpus", want=1.001,
       repeat="++--"),
    _c("PrecisionSimple", "adding or subtracting zero changes nothing", "sub", a="cpus:1.001", b="cpus:0", want="cpus:1.001"),
    _c("PrecisionManyConsecutiveOps", "100,000 additions then subtractions of 1.001", "consecutive", a="cpus:1.001", n=100_000),
    _c("PrecisionLost", "1.5011 keeps three digits", "total", a="cpus:1.5011", name="cpus", want=1.501, repeat="++--"),
    _c("PrecisionRounding", "1.5015 rounds half away from zero", "total", a="cpus:1.5015", name="cpus", want=1.502,
       repeat="++--"),
    _c("VerySmallValue", "0.00001 cpus is an error", "error", a="cpus:0.00001"),
    _c("AbsentResources", "gpus:0 parses to nothing", "str", a="gpus:0", want=""),
]

_UNSIMULATED = "set-valued resources (disks:{sda1}) are parsed by values::parse but the simulator has no SET resources"
_FORMAT = "labsupport prints the compact --resources form (';' and ',' without spaces) so a printed string pastes back into a flag"
_PROTO = ("tests Resource protobuf fields (JSON resources, ReservationInfo refinement/labels, DiskInfo sources, "
          "shared/revocable/allocated resources, resource providers) the simulator does not model")
NOT_EXPRESSIBLE = [
    *[{"upstream_file": UPSTREAM_FILE, "upstream_test": T + t, "reason": _UNSIMULATED}
      for t in ("SetEquals", "SetSubset", "SetAddition", "SetSubtraction")],
    {"upstream_file": UPSTREAM_FILE, "upstream_test": T + "Printing", "reason": _FORMAT},
    *[{"upstream_file": UPSTREAM_FILE, "upstream_test": t, "reason": _PROTO} for t in (
        T + "ParsingFromJSON", T + "ParsingFromJSONWithRoles", T + "ParsingFromJSONError", T + "PrintingExtendedAttributes",
        T + "BadResourcesNotAllocatable", T + "MoveConstruction", T + "HierarchicalReservations", T + "ToUnreserved",
        T + "Find", T + "ShrinkToQuantities", T + "ShrinkToLimits", T + "ContainsResourceQuantities", T + "Count",
        T + "Evolve", T + "ReservationAncestor", "ReservedResourcesTest.*", "DiskResourcesTest.*",
        "ResourcesOperationTest.*", "RevocableResourceTest.*", "ResourceFormatTest.*", "SharedResourcesTest.*",
        "AllocatedResourcesTest.*", "ResourceProviderIDTest.*")],
]


def run(case):
    op, a = case["op"], case["a"]
    if op == "error":
        try:
            parse_resources(a)
        except ResourceError:
            return
        raise AssertionError(f"{a!r} was accepted; Resources::parse refuses it")
    ra = parse_resources(a)
    if op == "str":
        assert str(ra) == case["want"]
    elif op == "equal":
        assert ra == parse_resources(case["b"])
    elif op == "unequal":
        assert ra != parse_resources(case["b"])
    elif op == "contains":
        assert (parse_resources(case["b"]) <= ra) == case["want"]
    elif op == "add":
        assert ra + parse_resources(case["b"]) == parse_resources(case["want"])
    elif op == "sub":
        assert ra - parse_resources(case["b"]) == parse_resources(case["want"])
    elif op == "names":
        assert list(ra) == case["want"]
    elif op == "total":
        r = ra
        for step in case.get("repeat", ""):
            r = r + ra if step == "+" else r - ra
        assert r == ra and r[case["name"]] == case["want"]
    elif op == "consecutive":
        current = ra
        for _ in range(case["n"]):
            current = current + ra
        for _ in range(case["n"]):
            current = current - ra
        assert current == ra
    else:
        raise AssertionError(f"unknown op {op!r}")
