"""The Prometheus text exposition format (version 0.0.4), written the way the real components write it.

One metric family is a ``# HELP`` line, a ``# TYPE`` line (``counter``, ``gauge``, ...) and one
line per sample: ``name{label="value",...} value``. Label values escape ``\\``, ``"`` and the
newline; HELP text escapes ``\\`` and the newline (https://prometheus.io/docs/instrumenting/exposition_formats/,
the format every ``/metrics`` endpoint of Kubernetes serves). A counter's samples carry the ``_total``
suffix in their name. The tests parse every text this module writes with
``prometheus_client.parser.text_string_to_metric_families`` (prometheus-client 0.26.0).

>>> f = Family("kube_pod_status_phase", "gauge", "The pods current phase.")
>>> f.add(1, namespace="default", pod="web-1", phase="Running")
>>> print(render([f]), end="")
# HELP kube_pod_status_phase The pods current phase.
# TYPE kube_pod_status_phase gauge
kube_pod_status_phase{namespace="default",pod="web-1",phase="Running"} 1
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["Family", "render", "format_value"]

_TYPES = ("counter", "gauge", "untyped")


def _escape_label(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def format_value(v: float) -> str:
    """A sample value as Go's ``strconv.FormatFloat(v, 'g', -1, 64)`` prints it (``+Inf``, ``NaN``).

    >>> format_value(3.0), format_value(0.25), format_value(1e21), format_value(float("inf"))
    ('3', '0.25', '1e+21', '+Inf')
    """
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if float(v).is_integer() and abs(v) < 1e21:
        return str(int(v))
    return repr(float(v))


@dataclass
class Family:
    """One metric family: a name, a type, a HELP text and its samples (labels in the order given)."""

    name: str
    type: str
    help: str
    samples: list[tuple[dict[str, str], float, float | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.type not in _TYPES:
            raise ValueError(f"type: must be one of {_TYPES}, got {self.type!r}")

    def add(self, value: float, timestamp_ms: float | None = None, **labels: str) -> None:
        """Add a sample; ``timestamp_ms`` (milliseconds since the epoch) is written after the value when given."""
        self.samples.append(({k: str(v) for k, v in labels.items()}, float(value), timestamp_ms))

    def lines(self) -> list[str]:
        out = [f"# HELP {self.name} {self.help.replace(chr(92), chr(92) * 2).replace(chr(10), chr(92) + 'n')}",
               f"# TYPE {self.name} {self.type}"]
        for labels, value, ts in self.samples:
            body = ",".join(f'{k}="{_escape_label(v)}"' for k, v in labels.items())
            line = f"{self.name}{{{body}}} {format_value(value)}" if body else f"{self.name} {format_value(value)}"
            out.append(line if ts is None else f"{line} {int(ts)}")
        return out


def render(families: list[Family]) -> str:
    """The exposition text of ``families``; a family with no samples writes nothing, as a client_golang vector with no children."""
    return "".join("\n".join(f.lines()) + "\n" for f in families if f.samples)
