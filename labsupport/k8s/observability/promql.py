"""A small PromQL: a tokenizer, a recursive-descent parser and an evaluator over simulated series.

(Over 400 lines on purpose: the tokenizer, the parser and the evaluator of one small language read best side by side.)

The subset (https://prometheus.io/docs/prometheus/latest/querying/basics/, Prometheus 3.x):

* selectors ``name{label="v", other!="v", x=~"re", y!~"re"}`` (regex matchers are fully anchored);
  an instant selector returns each series' latest sample within the 5 minute lookback
  (``defaultLookbackDelta`` in promql/engine.go) unless the series went stale;
* range vectors ``name{...}[1m]`` (samples in the left-open window ``(t - 1m, t]``);
* functions ``rate``, ``increase`` (Prometheus' extrapolation, :func:`extrapolated_rate`),
  ``max_over_time``, ``min_over_time``, ``avg_over_time``, ``sum_over_time``, ``count_over_time``;
* aggregations ``sum``, ``avg``, ``max``, ``min``, ``count`` with ``by (...)`` / ``without (...)``
  before or after the argument, and ``topk(k, ...)``, ``bottomk(k, ...)``;
* arithmetic ``+ - * /`` and comparisons ``== != > < >= <=`` (comparisons filter) between a
  vector and a number, or between two vectors whose label sets match one to one; parentheses.

Not in the subset (each named in the error): ``offset``, ``@``, ``bool``, ``on``/``ignoring``/
``group_left``, ``and``/``or``/``unless``, subqueries, histograms. A query that does not parse raises
:class:`PromQLError` naming the position and what was expected.

>>> parse('sum(rate(container_cpu_usage_seconds_total{namespace="default"}[1m])) by (pod)')
Aggregate(op='sum', expr=Call(func='rate', arg=MatrixSelector(vs=VectorSelector(name='container_cpu_usage_seconds_total', matchers=(('namespace', '=', 'default'),)), range=60.0)), by=('pod',), without=False, param=None)
>>> round(extrapolated_rate([(15.0, 1.5), (30.0, 3.0), (45.0, 4.5), (60.0, 6.0)], 0.0, 60.0, is_rate=True), 6)
0.1
"""
from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from labsupport.core import LabError

__all__ = ["PromQLError", "parse", "evaluate", "matches", "extrapolated_rate", "parse_duration", "LOOKBACK_SECONDS"]

LOOKBACK_SECONDS = 300.0


class PromQLError(LabError):
    """A query that is not valid in this PromQL subset."""


_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def parse_duration(text: str) -> float:
    """``"1m30s"`` -> 90.0 seconds (Prometheus duration units ms, s, m, h, d, w, y).

    >>> parse_duration("5m"), parse_duration("1m30s")
    (300.0, 90.0)
    """
    pos, total = 0, 0.0
    for m in _DURATION.finditer(text):
        if m.start() != pos:
            break
        total += int(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text or total <= 0:
        raise PromQLError(f"duration: {text!r} is not a duration such as 30s, 1m or 1h30m")
    return float(total)


# ---------------------------------------------------------------- tokens
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<duration>\[[^\]]*\])
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<op>=~|!~|==|!=|>=|<=|[-+*/(){},=<>@])
""", re.VERBOSE)


@dataclass(frozen=True)
class Tok:
    kind: str
    text: str
    pos: int


def tokenize(q: str) -> list[Tok]:
    out, pos = [], 0
    while pos < len(q):
        m = _TOKEN.match(q, pos)
        if m is None:
            raise PromQLError(f"query: unexpected character {q[pos]!r} at position {pos}")
        if m.lastgroup != "ws":
            out.append(Tok(m.lastgroup, m.group(), pos))
        pos = m.end()
    out.append(Tok("end", "", len(q)))
    return out


# ---------------------------------------------------------------- AST
@dataclass(frozen=True)
class VectorSelector:
    name: str | None
    matchers: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class MatrixSelector:
    vs: VectorSelector
    range: float


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Call:
    func: str
    arg: Any


@dataclass(frozen=True)
class Aggregate:
    op: str
    expr: Any
    by: tuple[str, ...]
    without: bool
    param: Any


@dataclass(frozen=True)
class Binary:
    op: str
    lhs: Any
    rhs: Any


RANGE_FUNCS = ("rate", "increase", "max_over_time", "min_over_time", "avg_over_time", "sum_over_time", "count_over_time")
AGGREGATIONS = ("sum", "avg", "max", "min", "count", "topk", "bottomk")
_UNSUPPORTED = {"offset": "offset modifiers", "bool": "the bool modifier", "on": "on() vector matching", "ignoring": "ignoring() vector matching",
                "group_left": "group_left", "group_right": "group_right", "and": "the and operator", "or": "the or operator",
                "unless": "the unless operator"}
_CMP = ("==", "!=", ">", "<", ">=", "<=")


class _Parser:
    def __init__(self, q: str) -> None:
        self.q = q
        self.toks = tokenize(q)
        self.i = 0

    def peek(self) -> Tok:
        return self.toks[self.i]

    def next(self) -> Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def expect(self, text: str) -> Tok:
        t = self.next()
        if t.text != text:
            got = "the end of the query" if t.kind == "end" else repr(t.text)
            raise PromQLError(f"query: expected {text!r} at position {t.pos}, got {got}")
        return t

    def unsupported(self, t: Tok) -> None:
        if t.kind == "ident" and t.text in _UNSUPPORTED:
            raise PromQLError(f"query: {_UNSUPPORTED[t.text]} (at position {t.pos}) is not part of this PromQL subset")
        if t.text == "@":
            raise PromQLError(f"query: the @ modifier (at position {t.pos}) is not part of this PromQL subset")

    def parse(self) -> Any:
        e = self.comparison()
        t = self.peek()
        if t.kind != "end":
            self.unsupported(t)
            raise PromQLError(f"query: unexpected {t.text!r} at position {t.pos}")
        return e

    def comparison(self) -> Any:
        lhs = self.additive()
        while self.peek().text in _CMP:
            op = self.next().text
            self.unsupported(self.peek())
            lhs = Binary(op, lhs, self.additive())
        return lhs

    def additive(self) -> Any:
        lhs = self.multiplicative()
        while self.peek().text in ("+", "-"):
            op = self.next().text
            lhs = Binary(op, lhs, self.multiplicative())
        return lhs

    def multiplicative(self) -> Any:
        lhs = self.primary()
        while self.peek().text in ("*", "/"):
            op = self.next().text
            lhs = Binary(op, lhs, self.primary())
        return lhs

    def labels_list(self) -> tuple[str, ...]:
        self.expect("(")
        names = []
        while self.peek().text != ")":
            t = self.next()
            if t.kind != "ident":
                raise PromQLError(f"query: expected a label name at position {t.pos}, got {t.text!r}")
            names.append(t.text)
            if self.peek().text == ",":
                self.next()
        self.expect(")")
        return tuple(names)

    def primary(self) -> Any:
        t = self.peek()
        self.unsupported(t)
        if t.kind == "number":
            self.next()
            return Number(float(t.text))
        if t.text == "-" :
            self.next()
            return Binary("*", Number(-1.0), self.primary())
        if t.text == "(":
            self.next()
            e = self.comparison()
            self.expect(")")
            return e
        if t.kind == "ident" and t.text in AGGREGATIONS:
            return self.aggregation()
        if t.kind == "ident" and self.toks[self.i + 1].text == "(":
            if t.text not in RANGE_FUNCS:
                raise PromQLError(f"query: function {t.text!r} at position {t.pos} is not in this subset (known: {', '.join(RANGE_FUNCS)})")
            self.next()
            self.expect("(")
            arg = self.selector()
            if not isinstance(arg, MatrixSelector):
                raise PromQLError(f"query: {t.text}() needs a range vector such as metric[1m], got an instant vector (position {t.pos})")
            self.expect(")")
            return Call(t.text, arg)
        if t.kind == "ident" or t.text == "{":
            return self.selector()
        got = "the end of the query" if t.kind == "end" else repr(t.text)
        raise PromQLError(f"query: expected a metric name, number, function or '(' at position {t.pos}, got {got}")

    def aggregation(self) -> Aggregate:
        op = self.next().text
        by, without = (), False
        if self.peek().text in ("by", "without"):
            without = self.next().text == "without"
            by = self.labels_list()
        self.expect("(")
        param = None
        if op in ("topk", "bottomk"):
            p = self.next()
            if p.kind != "number":
                raise PromQLError(f"query: {op} needs a number k first, e.g. {op}(3, ...), at position {p.pos}")
            param = int(float(p.text))
            self.expect(",")
        expr = self.comparison()
        self.expect(")")
        if self.peek().text in ("by", "without"):
            without = self.next().text == "without"
            by = self.labels_list()
        return Aggregate(op, expr, by, without, param)

    def selector(self) -> Any:
        name = None
        t = self.peek()
        if t.kind == "ident":
            name = self.next().text
        matchers = []
        if self.peek().text == "{":
            self.next()
            while self.peek().text != "}":
                lt = self.next()
                if lt.kind == "end":
                    raise PromQLError(f"query: expected '}}' to close the label matchers, got the end of the query (position {lt.pos})")
                if lt.kind != "ident":
                    raise PromQLError(f"query: expected a label name at position {lt.pos}, got {lt.text!r}")
                op = self.next()
                if op.text not in ("=", "!=", "=~", "!~"):
                    raise PromQLError(f"query: expected one of = != =~ !~ after label {lt.text!r} at position {op.pos}, got {op.text!r}")
                vt = self.next()
                if vt.kind != "string":
                    raise PromQLError(f"query: label values are quoted strings: {lt.text}{op.text}\"...\" (position {vt.pos})")
                value = vt.text[1:-1].encode().decode("unicode_escape")
                if op.text in ("=~", "!~"):
                    try:
                        re.compile(value)
                    except re.error as e:
                        raise PromQLError(f"query: invalid regular expression {value!r} for label {lt.text!r}: {e}") from None
                matchers.append((lt.text, op.text, value))
                if self.peek().text == ",":
                    self.next()
            self.expect("}")
        if name is None and all(_matches_empty(op, v) for _, op, v in matchers):
            raise PromQLError("query: a selector needs a metric name or a label matcher that does not match the empty string")
        vs = VectorSelector(name, tuple(matchers))
        if self.peek().kind == "duration":
            d = self.next()
            return MatrixSelector(vs, parse_duration(d.text[1:-1]))
        return vs


def _matches_empty(op: str, value: str) -> bool:
    hit = value == "" if op in ("=", "!=") else re.fullmatch(value, "") is not None
    return hit if op in ("=", "=~") else not hit


def parse(query: str) -> Any:
    """The syntax tree of ``query`` (frozen dataclasses), or :class:`PromQLError`."""
    if not isinstance(query, str) or not query.strip():
        raise PromQLError(f"query: must be a non-empty PromQL string, got {query!r}")
    return _Parser(query).parse()


# ---------------------------------------------------------------- evaluation
def extrapolated_rate(samples: list[tuple[float, float]], range_start: float, range_end: float, *, is_rate: bool,
                      is_counter: bool = True) -> float | None:
    """``rate()``/``increase()`` of one series, as ``extrapolatedRate`` in promql/functions.go.

    ``samples`` are the ``(t, value)`` pairs inside ``(range_start, range_end]``; None with fewer than two.
    Counter resets add the value before the drop; the result is extrapolated to the range edges
    when the first/last sample is within 1.1 average intervals of them (else by half an
    interval), and not below the counter's zero point.
    """
    if len(samples) < 2:
        return None
    first_t, first_v = samples[0]
    last_t, last_v = samples[-1]
    result = last_v - first_v
    if is_counter:
        for (_, prev), (_, cur) in zip(samples, samples[1:], strict=False):
            if cur < prev:
                result += prev
    to_start = first_t - range_start
    to_end = range_end - last_t
    sampled = last_t - first_t
    avg = sampled / (len(samples) - 1)
    threshold = avg * 1.1
    if to_start >= threshold:
        to_start = avg / 2
    if is_counter and result > 0 and first_v >= 0:
        to_zero = sampled * (first_v / result)
        to_start = min(to_start, to_zero)
    if to_end >= threshold:
        to_end = avg / 2
    factor = (sampled + to_start + to_end) / sampled if sampled else 1.0
    if is_rate:
        factor /= range_end - range_start
    return result * factor


Labels = tuple[tuple[str, str], ...]


def matches(labels: dict[str, str], vs: VectorSelector) -> bool:
    if vs.name is not None and labels.get("__name__") != vs.name:
        return False
    for name, op, value in vs.matchers:
        have = labels.get(name, "")
        if op == "=" and have != value or op == "!=" and have == value:
            return False
        if op == "=~" and not re.fullmatch(value, have) or op == "!~" and re.fullmatch(value, have):
            return False
    return True


def _drop_name(labels: Labels) -> Labels:
    return tuple(kv for kv in labels if kv[0] != "__name__")


def evaluate(node: Any, t: float, db) -> Any:
    """Evaluate a parsed query at time ``t`` over ``db`` (``db.select(vs) -> [(labels, [(t, v), ...])]``).

    Returns a float (scalar) or an instant vector: a list of ``(labels, value)``, labels a sorted tuple of pairs.
    """
    if isinstance(node, Number):
        return node.value
    if isinstance(node, VectorSelector):
        out = []
        for labels, samples in db.select(node):
            hi = bisect_right(samples, (t, math.inf))
            if hi and samples[hi - 1][0] > t - LOOKBACK_SECONDS and not math.isnan(samples[hi - 1][1]):
                out.append((labels, samples[hi - 1][1]))
        return out
    if isinstance(node, MatrixSelector):
        raise PromQLError("query: a range vector (metric[1m]) cannot be the result here: wrap it in rate(), increase() or *_over_time()")
    if isinstance(node, Call):
        ms: MatrixSelector = node.arg
        start = t - ms.range
        out = []
        for labels, samples in db.select(ms.vs):
            lo, hi = bisect_right(samples, (start, math.inf)), bisect_right(samples, (t, math.inf))
            window = [s for s in samples[lo:hi] if not math.isnan(s[1])]
            if node.func in ("rate", "increase"):
                v = extrapolated_rate(window, start, t, is_rate=node.func == "rate")
            elif not window:
                v = None
            else:
                vals = [s[1] for s in window]
                v = {"max_over_time": max, "min_over_time": min, "sum_over_time": sum, "count_over_time": len,
                     "avg_over_time": lambda xs: sum(xs) / len(xs)}[node.func](vals)
            if v is not None:
                out.append((_drop_name(labels), float(v)))
        return out
    if isinstance(node, Aggregate):
        return _aggregate(node, evaluate(node.expr, t, db))
    if isinstance(node, Binary):
        return _binary(node.op, evaluate(node.lhs, t, db), evaluate(node.rhs, t, db))
    raise PromQLError(f"query: cannot evaluate {node!r}")


def _aggregate(node: Aggregate, vec: Any) -> list:
    if not isinstance(vec, list):
        raise PromQLError(f"query: {node.op}() needs an instant vector, got a number")
    if node.op in ("topk", "bottomk"):
        groups: dict[Labels, list] = {}
        for labels, v in vec:
            groups.setdefault(_group_key(labels, node), []).append((labels, v))
        out = []
        for key in sorted(groups):
            rows = sorted(groups[key], key=lambda r: (-r[1] if node.op == "topk" else r[1], r[0]))
            out += rows[: max(node.param, 0)]
        return out
    groups = {}
    for labels, v in vec:
        groups.setdefault(_group_key(labels, node), []).append(v)
    fn = {"sum": sum, "max": max, "min": min, "count": len, "avg": lambda xs: sum(xs) / len(xs)}[node.op]
    return [(key, float(fn(vals))) for key, vals in sorted(groups.items())]


def _group_key(labels: Labels, node: Aggregate) -> Labels:
    if node.without:
        return tuple(kv for kv in labels if kv[0] not in node.by and kv[0] != "__name__")
    return tuple(kv for kv in labels if kv[0] in node.by)


_ARITH = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
          "/": lambda a, b: a / b if b else (math.nan if a == 0 else math.copysign(math.inf, a))}
_CMPF = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, ">": lambda a, b: a > b, "<": lambda a, b: a < b,
         ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b}


def _binary(op: str, lhs: Any, rhs: Any) -> Any:
    scalar_l, scalar_r = not isinstance(lhs, list), not isinstance(rhs, list)
    if scalar_l and scalar_r:
        if op in _CMPF:
            raise PromQLError("query: comparisons between two numbers need the bool modifier, which is not part of this PromQL subset")
        return _ARITH[op](lhs, rhs)
    if op in _CMPF:
        if scalar_r:
            return [(labels, v) for labels, v in lhs if _CMPF[op](v, rhs)]
        if scalar_l:
            return [(labels, v) for labels, v in rhs if _CMPF[op](lhs, v)]
        right = {_drop_name(labels): v for labels, v in rhs}
        return [(labels, v) for labels, v in lhs if _drop_name(labels) in right and _CMPF[op](v, right[_drop_name(labels)])]
    if scalar_r:
        return [(_drop_name(labels), _ARITH[op](v, rhs)) for labels, v in lhs]
    if scalar_l:
        return [(_drop_name(labels), _ARITH[op](lhs, v)) for labels, v in rhs]
    right = {}
    for labels, v in rhs:
        key = _drop_name(labels)
        if key in right:
            raise PromQLError("query: many-to-one matching: the right-hand side has several series with the same labels "
                              f"{dict(key)}; aggregate it first (group_left is not part of this subset)")
        right[key] = v
    out = []
    for labels, v in lhs:
        key = _drop_name(labels)
        if key in right:
            out.append((key, _ARITH[op](v, right[key])))
    return out
