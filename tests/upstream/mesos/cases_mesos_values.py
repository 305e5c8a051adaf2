"""Mesos 1.11.0 src/tests/values_tests.cpp, ported as data (labsupport.mesos.values)."""
from labsupport.mesos.errors import ResourceError
from labsupport.mesos.values import add_ranges, parse_value, subtract_ranges

UPSTREAM_FILE = "src/tests/values_tests.cpp"


def _c(test, id_, **data):
    return {"upstream_file": UPSTREAM_FILE, "upstream_test": test, "id": id_, **data}


CASES = [
    _c("ValuesTest.ValidInput", "a decimal number is a scalar", text="45.55", expect=("scalar", 45.55)),
    _c("ValuesTest.ValidInput", "bracketed pairs are ranges", text="[10000-20000, 30000-50000]",
       expect=("ranges", ((10000, 20000), (30000, 50000)))),
    _c("ValuesTest.ValidInput", "braces are a set", text="{sda1, sda2}", expect=("set", ("sda1", "sda2"))),
    _c("ValuesTest.ValidInput", "anything else is text", text="123abc,s", expect=("text", "123abc,s")),
    *[_c("ValuesTest.InvalidInput", f"{text!r} is refused", text=text, error=True)
      for text in ("{aa,b}}", "[1-2]]", "[1-2b]", "  ", "nan", "-nan", "inf", "-inf", "infinity", "-infinity")],
    _c("ValuesTest.RangesParse", "a single range parses", text="[1-10]", expect=("ranges", ((1, 10),))),
    _c("ValuesTest.RangesCoalesceParse", "many overlapping ranges coalesce into one",
       text="[4-6, 6-8, 5-9, 3-4, 2-5, 4-6, 1-1, 10-10, 4-6]", expect=("ranges", ((1, 10),))),
    _c("ValuesTest.RangesCoalesceParse", "simple overlap unordered", text="[6-8, 4-6]", expect=("ranges", ((4, 8),))),
    _c("ValuesTest.RangesCoalesceParse", "a subsumed range disappears", text="[1-10, 8-10]", expect=("ranges", ((1, 10),))),
    _c("ValuesTest.RangesCoalesceParse", "multiple overlap mixed with a nested bracket",
       text="[7-8, 1-4, [8-10], 4-5]", expect=("ranges", ((1, 5), (7, 10)))),
    _c("ValuesTest.RangesCoalesceParse", "neighbouring ranges merge", text="[4-6, 7-7, 8-8, 9-9]",
       expect=("ranges", ((4, 9),))),
    _c("ValuesTest.RangesCoalesceParse", "neighbours coalesce into two ranges", text="[4-6, 7-7, 9-10, 9-11]",
       expect=("ranges", ((4, 7), (9, 11)))),
    _c("ValuesTest.RangesCoalesceParse", "multiple duplicates", text="[6-8, 6-8, 4-6, 6-8]", expect=("ranges", ((4, 8),))),
    *[_c("ValuesTest.RangesAddition", f"{a} + {b} = {want}", op="add", a=a, b=b, want=want) for a, b, want in [
        ("[3-8]", "[4-10]", "[3-10]"), ("[3-8]", "[1-4]", "[1-8]"), ("[2-3]", "[1-4]", "[1-4]"),
        ("[2-3]", "[4-6]", "[2-6]"), ("[3-5]", "[1-2]", "[1-5]"), ("[3-5, 7-8]", "[6-6]", "[3-8]"),
        ("[1-4, 9-10, 20-22, 26-30]", "[5-8, 23-25]", "[1-10, 20-30]")]],
    *[_c("ValuesTest.RangesSubtraction", f"{a} - {b} = {want}", op="sub", a=a, b=b, want=want) for a, b, want in [
        ("[]", "[1-10]", "[]"), ("[3-8]", "[]", "[3-8]"), ("[3-8]", "[1-10]", "[]"), ("[3-8]", "[3-5]", "[6-8]"),
        ("[3-8]", "[5-8]", "[3-4]"), ("[3-8]", "[5-6]", "[3-4, 7-8]"), ("[3-8]", "[1-3]", "[4-8]"),
        ("[3-8]", "[5-10]", "[3-4]"), ("[3-8]", "[9-10]", "[3-8]"), ("[3-8]", "[1-2]", "[3-8]")]],
]

NOT_EXPRESSIBLE = [
    {"upstream_file": UPSTREAM_FILE, "upstream_test": t,
     "reason": "tests protobuf/IntervalSet internals (explicit coalesce calls, SET arithmetic) the simulator has no counterpart for"}
    for t in ("ValuesTest.SetSubtraction", "ValuesTest.RangesCoalesce", "ValuesTest.AddRangeCoalesce",
              "ValuesTest.RangesToIntervalSet", "ValuesTest.IntervalSetToRanges")
]


def _ranges(text):
    return parse_value(text)[1] if text.strip("[] ") else ()


def run(case):
    if case.get("op") == "add":
        assert add_ranges(_ranges(case["a"]), _ranges(case["b"])) == _ranges(case["want"])
    elif case.get("op") == "sub":
        assert subtract_ranges(_ranges(case["a"]), _ranges(case["b"])) == _ranges(case["want"])
    elif case.get("error"):
        try:
            parse_value(case["text"])
        except ResourceError:
            return
        raise AssertionError(f"{case['text']!r} was accepted; values::parse refuses it")
    else:
        assert parse_value(case["text"]) == case["expect"]
