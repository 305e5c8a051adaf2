"""Resource and attribute strings in mesos-agent syntax (docs: attributes-resources.md)."""
import pytest

from labsupport.core import LabError
from labsupport.mesos import ResourceError, Resources, parse_attributes, parse_resources
from labsupport.mesos.resources import as_resources


@pytest.mark.parametrize("text, name, expected", [
    ("cpus:4;mem:8192;disk:10240", "mem", 8192.0),
    ("cpus:4;cpus(analytics):2", "cpus", 6.0),
    ("cpus:0.1234", "cpus", 0.123),                       # fixed point, three decimals
    ("gpus:2", "gpus", 2.0),
    ("ports:[31000-32000]", "ports", [(31000, 32000)]),
    ("ports:[1-3,5-5,4-4]", "ports", [(1, 5)]),            # ranges merge
    ("bugs(qa):3", "bugs", 3.0),                           # custom scalar resource
    (" cpus : 1 ; mem : 2 ", "mem", 2.0),                  # spaces are tolerated
], ids=[
    "scalars are read per name",
    "a static reservation adds to the name's total",
    "scalars keep three decimal digits like Mesos",
    "gpus is a scalar",
    "ports are ranges",
    "adjacent and overlapping ranges merge",
    "custom resources are scalars",
    "whitespace around tokens is ignored",
])
def test_parse_resources(text, name, expected):
    assert parse_resources(text)[name] == expected


@pytest.mark.parametrize("text, fragment", [
    ("cpus:4;mem=8192", "token 'mem=8192'"),
    ("cpus:-1", "Negative values not supported"),
    ("cpus:four", "'four' is not a number"),
    ("ports:31000-32000", "is not a number or ranges like [31000-32000]"),
    ("ports:[32000-31000]", "begin > end"),
    ("cpus(a b):1", "Role component 'a b' is invalid because it contains backspace or whitespace"),
    ("cpus:inf", "Infinite values not supported"),
    ("disk[vol]:10", "needs reserved disk"),
    ("ports:{1,2}", "set values"),
    (";;:3", "expected name:value"),
], ids=[
    "an equals sign instead of a colon names the token",
    "a negative amount is refused",
    "a word is not a number",
    "ports without brackets are refused",
    "a backwards range is refused",
    "a space inside a role is refused",
    "infinity is refused",
    "a volume on unreserved disk is refused",
    "set values are not simulated",
    "a token with no name is refused",
])
def test_bad_resources_name_the_token(text, fragment):
    with pytest.raises(ResourceError, match=None) as err:
        parse_resources(text)
    assert fragment in str(err.value)


def test_default_ports_only_when_none_given():
    assert parse_resources("cpus:1", default_ports=True)["ports"] == [(31000, 32000)]
    assert parse_resources("cpus:1;ports:[1-2]", default_ports=True)["ports"] == [(1, 2)]


def test_arithmetic_keeps_roles_apart():
    r = parse_resources("cpus:4;cpus(web):2")
    assert str(r.allocatable_to("web")) == "cpus:4;cpus(web):2"
    assert str(r.allocatable_to("db")) == "cpus:4"
    assert str(r.reserved()) == "cpus(web):2"
    # Mesos subtracts leniently: what becomes <= 0 is dropped (resources.cpp Resources::subtract)
    assert str(r - parse_resources("cpus(web):3")) == "cpus:4"


def test_mapping_input_and_negative_amounts():
    assert as_resources({"cpus": 1, "mem(web)": 64}) == parse_resources("cpus:1;mem(web):64")
    with pytest.raises(ResourceError, match="'cpus': negative amount"):
        as_resources({"cpus": -1})
    with pytest.raises(ResourceError, match="expected a string or a mapping"):
        as_resources(42)
    assert isinstance(as_resources("cpus:1"), Resources)


@pytest.mark.parametrize("text, expected", [
    ("rack:r1;zone:a", {"rack": "r1", "zone": "a"}),
    ("level:2", {"level": 2.0}),
    ("ids:[1-3]", {"ids": [(1, 3)]}),
    (None, {}),
], ids=["text attributes", "scalar attributes", "range attributes", "no attributes"])
def test_parse_attributes(text, expected):
    assert parse_attributes(text) == expected


def test_bad_attribute_names_the_token():
    with pytest.raises(ResourceError, match="token 'rack'"):
        parse_attributes("rack;zone:a")


@pytest.mark.parametrize("text, message", [
    ("cpus:0.00001", "resources: token 'cpus:0.00001': invalid scalar resource: value <= 0 (Mesos keeps three decimal digits)"),
    ("foo(a):1;foo(b):[0-1]", "resources: token 'foo(b):[0-1]': resources with the same name ('foo') but different types are not allowed"),
    ("cpus(fo\to):1", "resources: token 'cpus(fo\\to):1': Role component 'fo\to' is invalid because it contains backspace or whitespace"),
    ("cpus(-a):1", "resources: token 'cpus(-a):1': Role component '-a' is invalid because it starts with a dash"),
    ("cpus:1:2", "resources: token 'cpus:1:2': expected name:value, e.g. mem:8192"),
    ("cpus:1; ", "resources: a token of only spaces between ';' separators; remove it (or the trailing ';')"),
    ("cpus(r:1", "resources: token 'cpus(r:1': mismatched parentheses"),
    ("ports:[1-2]]", "resources: token 'ports:[1-2]]': Mismatched brackets in '[1-2]]'"),
    ('[{"name": "cpus"}]', "resources: JSON resources are not simulated; write them like 'cpus:4;mem:8192'"),
], ids=[
    "a scalar that rounds to zero is refused (VerySmallValue)",
    "one name with two types is refused (ParseError)",
    "a tab inside a role is refused (RoleTest.Validate)",
    "a role starting with a dash is refused",
    "two colons are refused",
    "a token of only spaces is refused like upstream",
    "an unclosed parenthesis is refused",
    "unmatched brackets are refused",
    "JSON resources say they are not simulated",
])
def test_resource_errors_say_what_mesos_says(text, message):
    with pytest.raises(ResourceError) as err:
        parse_resources(text)
    assert str(err.value) == message


@pytest.mark.parametrize("text, message", [
    ("level:nan", "attributes: token 'level:nan': Invalid scalar value 'nan': NaN not supported"),
    ("level:inf", "attributes: token 'level:inf': Invalid scalar value 'inf': Infinite values not supported"),
    ("disks:{a,b}", "attributes: token 'disks:{a,b}': set values {a,b} are not allowed in attributes"),
], ids=["a nan attribute is refused", "an infinite attribute is refused", "a set attribute is refused"])
def test_attribute_errors_say_what_mesos_says(text, message):
    with pytest.raises(ResourceError) as err:
        parse_attributes(text)
    assert str(err.value) == message


def test_nested_bracket_ranges_and_big_scalars_parse_like_mesos():
    assert parse_resources("ports:[7-8, 1-4, [8-10], 4-5]")["ports"] == [(1, 5), (7, 10)]
    assert str(parse_resources("mem:1000001;disk:99999999999.9994")) == "disk:99999999999.999;mem:1000001"
    assert parse_resources("ephemeral_ports:[1-2]")["ephemeral_ports"] == [(1, 2)]


def test_register_refuses_a_role_with_a_newline():
    from labsupport.mesos import Cluster, Scheduler
    cluster = Cluster(seed=0)
    cluster.run(5)
    with pytest.raises(LabError) as err:
        cluster.register(Scheduler(), name="fw", role="foo\n")
    assert str(err.value) == ("role: 'foo\\n' is not a valid role name: "
                              "Role component 'foo\n' is invalid because it contains backspace or whitespace")


@pytest.mark.parametrize("kwargs, message", [
    ({"task_id": "a/b"}, "Task 't' task_id: 'a/b' contains a slash, a backslash or a control character "
                         "(master/validation.cpp validateTaskID)"),
    ({"task_id": ".."}, "Task 't' task_id: '..' is disallowed (master/validation.cpp validateTaskID)"),
    ({"exit_code": "1"}, "Task 't' exit_code: must be a whole number, got '1'"),
], ids=["a slash in a task id is refused", "'..' as a task id is refused", "a text exit code is refused"])
def test_task_definitions_follow_master_validation(kwargs, message):
    from labsupport.mesos import Task
    with pytest.raises(LabError) as err:
        Task("t", "cpus:0.1", **kwargs)
    assert str(err.value) == message
