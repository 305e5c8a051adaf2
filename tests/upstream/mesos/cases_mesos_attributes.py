"""Mesos 1.11.0 src/tests/attributes_tests.cpp, ported as data (labsupport.mesos.resources.parse_attributes)."""
from labsupport.mesos.resources import parse_attributes

UPSTREAM_FILE = "src/tests/attributes_tests.cpp"
A = "cpus:45.55;ports:[10000-20000, 30000-50000];rack:rack1,rack2"

CASES = [
    {"upstream_file": UPSTREAM_FILE, "upstream_test": "AttributesTest.Parsing", "id": "scalar ranges and text in order",
     "text": A, "pairs": [("cpus", 45.55), ("ports", [(10000, 20000), (30000, 50000)]), ("rack", "rack1,rack2")]},
    {"upstream_file": UPSTREAM_FILE, "upstream_test": "AttributesTest.Parsing", "id": "the value keeps later colons",
     "text": "attr1:foo:bar;attr2:baz:qux:", "pairs": [("attr1", "foo:bar"), ("attr2", "baz:qux:")]},
    *[{"upstream_file": UPSTREAM_FILE, "upstream_test": "AttributesTest.Equality", "id": id_, "a": a, "b": b, "equal": eq}
      for id_, a, b, eq in [
          ("spaces inside ranges do not matter", A, "cpus:45.55;ports:[10000-20000,30000-50000];rack:rack1,rack2", True),
          ("empty equals empty", "", "", True),
          ("attributes differ from none", A, "", False),
          ("same names with other types differ", A, "cpus:45.55;ports:45.55;rack:45.55", False),
          ("repeated names are kept and order does not matter",
           "rack:rack1;dedicated:customer1;dedicated:customer2", "dedicated:customer2;dedicated:customer1;rack:rack1", True),
          ("a repeated name is not collapsed to its last value",
           "dedicated:customer1;dedicated:customer2", "dedicated:customer2", False),
      ]],
]

NOT_EXPRESSIBLE = []


def run(case):
    if "pairs" in case:
        assert parse_attributes(case["text"]).pairs() == case["pairs"]
    else:
        assert (parse_attributes(case["a"]) == parse_attributes(case["b"])) == case["equal"]
