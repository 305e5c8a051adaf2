"""Mesos-DNS names; cases from mesos-dns records/labels/labels_test.go (RFC 1123 mode)."""
import pytest

from labsupport.core import LabError
from labsupport.mesos import dns_name
from labsupport.mesos.dns import domain_fragment, rfc1123_label


@pytest.mark.parametrize("name, expected", [
    ("", ""), ("a", "a"), ("-", ""), ("a---", "a"), ("---a---", "a"), ("---a---b", "a---b"),
    ("a.b.c.d.e", "a-b-c-d-e"), ("a.c.d_de.", "a-c-d-de"), ("abc123", "abc123"), ("-abc123", "abc123"),
    ("abc123-", "abc123"), ("abc-123", "abc-123"), ("abc--123", "abc--123"), ("4abc123", "4abc123"),
    ("r29f.dev.angrypigs", "r29f-dev-angrypigs"),
    ("fd%gsf---gs7-f$gs--d7fddg-123", "fdgsf---gs7-fgs--d7fddg-123"),
    ("fd%gsf---gs7-f$gs--d7fddg123456789012345678901234567890123456789-123",
     "fdgsf---gs7-fgs--d7fddg1234567890123456789012345678901234567891"),
    ("hello" + "-" * 59 + "f", "hellof"),
    ("hello" + "-" * 56 + "f", "hello" + "-" * 56 + "f"),
], ids=lambda v: repr(v)[:30])
def test_rfc1123_label_matches_mesos_dns(name, expected):
    assert rfc1123_label(name) == expected


@pytest.mark.parametrize("name, expected", [
    ("", ""), ("..", ""), ("a..c.e", "a.c.e"), ("space space.com", "spacespace.com"),
    ("not$1234.com", "not1234.com"), ("(@ host . com", "host.com"), ("MiXeDcase.CoM", "mixedcase.com"),
    ("pod_123$abc.marathon-0.6.0-dev.mesos", "pod-123abc.marathon-0.6.0-dev.mesos"),
], ids=lambda v: repr(v)[:30])
def test_domain_fragment_matches_mesos_dns(name, expected):
    assert domain_fragment(name) == expected


@pytest.mark.parametrize("task, framework, expected", [
    ("search", "marathon", "search.marathon.mesos"),
    ("Web_Server", "Marathon", "web-server.marathon.mesos"),
    ("nginx.1", "my.fw", "nginx-1.my.fw.mesos"),
], ids=["the docs' example", "case and underscores are mangled", "dots in a task name become dashes"])
def test_dns_name(task, framework, expected):
    assert dns_name(task, framework) == expected


def test_dns_name_refuses_empty_labels():
    with pytest.raises(LabError, match="task name '\\$\\$'"):
        dns_name("$$", "marathon")
