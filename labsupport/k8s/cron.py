"""Cron schedules as a CronJob reads them: five fields, names, ranges, steps and ``@hourly``-style macros.

Kubernetes parses ``spec.schedule`` with ``cron.ParseStandard`` of github.com/robfig/cron/v3
(``pkg/controller/cronjob/cronjob_controllerv2.go``; the syntax is documented at
https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax). This module
reproduces that parser (``parser.go``) and ``SpecSchedule.Next`` (``spec.go``):

* fields ``minute hour day-of-month month day-of-week`` with bounds 0-59, 0-23, 1-31, 1-12, 0-6;
* each field is a comma list of ``*``, ``?``, ``N``, ``N-M``, each optionally ``/step``; ``N/step``
  means ``N-max/step``; month names ``JAN``-``DEC`` and weekday names ``SUN``-``SAT`` (any case);
* macros ``@yearly`` (= ``@annually``), ``@monthly``, ``@weekly``, ``@daily`` (= ``@midnight``),
  ``@hourly``, and ``@every <duration>`` (Go durations such as ``90m`` or ``1h30m``);
* day-of-month and day-of-week: if either field starts with ``*`` or ``?`` (without a step > 1) both must
  match, otherwise *either* may match (``dayMatches``) -- the classic cron rule;
* times are computed in a time zone (CronJob ``spec.timeZone``, an IANA name; default UTC here, the
  controller's local zone in Kubernetes) with :mod:`zoneinfo`; a wall time skipped by a daylight-saving
  jump does not fire, as in robfig's ``Next``.

What is not reproduced: the ``CRON_TZ=``/``TZ=`` prefix (the API server rejects it in CronJobs since
1.27 in favour of ``spec.timeZone``, so :func:`parse_schedule` refuses it too), and robfig's five-year
search horizon is kept (an impossible date such as ``0 0 30 2 *`` never fires).

>>> s = parse_schedule("*/15 9-17 * * MON-FRI")
>>> [t.strftime("%a %H:%M") for t in s.next_times(datetime(2026, 1, 2, 17, 40, tzinfo=UTC), 3)]
['Fri 17:45', 'Mon 09:00', 'Mon 09:15']
>>> parse_schedule("@hourly").next(datetime(2026, 1, 1, 0, 0, tzinfo=UTC)).isoformat()
'2026-01-01T01:00:00+00:00'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from labsupport.core import LabError

__all__ = ["CronSchedule", "EverySchedule", "parse_schedule", "parse_time_zone", "CronError", "MACROS", "EPOCH"]

#: Simulated second 0 of a Kubernetes cluster is this UTC instant (the same start as Chronos' default).
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

#: robfig/cron ``parseDescriptor``: the macros and the five fields they stand for.
MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
          "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}

_FIELDS = (("minute", 0, 59, None), ("hour", 0, 23, None), ("day of month", 1, 31, None),
           ("month", 1, 12, {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}),
           ("day of week", 0, 6, {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())}))
_GO_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)(h|m|s|ms))+$")
_GO_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


class CronError(LabError):
    """A schedule or time zone that the API server would reject; the message names the field."""


@dataclass(frozen=True)
class CronSchedule:
    """A parsed five-field schedule: the allowed values of each field and whether the day fields were ``*``."""

    text: str
    minutes: frozenset
    hours: frozenset
    days: frozenset
    months: frozenset
    weekdays: frozenset
    days_star: bool
    weekdays_star: bool

    def _day_matches(self, t: datetime) -> bool:
        dom = t.day in self.days
        dow = (t.isoweekday() % 7) in self.weekdays
        if self.days_star or self.weekdays_star:
            return dom and dow
        return dom or dow

    def next(self, after: datetime) -> datetime | None:
        """The first activation strictly after ``after`` (in ``after``'s time zone), or None within five years."""
        tz = after.tzinfo or UTC
        # work on wall-clock minutes in the zone; round up to the next whole minute
        t = after.astimezone(tz).replace(second=0, microsecond=0, tzinfo=None) + timedelta(minutes=1)
        limit = t.year + 5
        while t.year <= limit:
            if t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
                continue
            if not self._day_matches(t):
                t = t.replace(hour=0, minute=0) + timedelta(days=1)
                continue
            if t.hour not in self.hours:
                t = t.replace(minute=0) + timedelta(hours=1)
                continue
            if t.minute not in self.minutes:
                t += timedelta(minutes=1)
                continue
            local = t.replace(tzinfo=tz)
            if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != t:  # a wall time skipped by DST
                t += timedelta(minutes=1)
                continue
            return local
        return None

    def next_times(self, after: datetime, n: int) -> list[datetime]:
        """The next ``n`` activations after ``after``."""
        out: list[datetime] = []
        t = after
        while len(out) < n:
            t = self.next(t)
            if t is None:
                break
            out.append(t)
        return out


@dataclass(frozen=True)
class EverySchedule:
    """``@every <duration>``: robfig's ``ConstantDelaySchedule`` (whole seconds, at least 1 s)."""

    text: str
    seconds: int

    def next(self, after: datetime) -> datetime:
        """``after`` rounded down to the second, plus the delay."""
        return after.replace(microsecond=0) + timedelta(seconds=self.seconds)

    def next_times(self, after: datetime, n: int) -> list[datetime]:
        """The next ``n`` activations after ``after``."""
        out, t = [], after
        for _ in range(n):
            t = self.next(t)
            out.append(t)
        return out


def _parse_field(text: str, name: str, lo: int, hi: int, names: dict | None, field: str) -> tuple[frozenset, bool]:
    values: set[int] = set()
    star = False
    for part in text.split(","):
        range_step = part.split("/")
        if len(range_step) > 2 or not part:
            raise CronError(f"{field}: too many slashes or an empty list item in the {name} field: {text!r}")
        low_high = range_step[0].split("-")
        single = len(low_high) == 1
        extra = False
        if low_high[0] in ("*", "?"):
            start, end, extra = lo, hi, True
            if len(low_high) > 1:
                raise CronError(f"{field}: '*' cannot start a range in the {name} field: {text!r}")
        else:
            start = _value(low_high[0], name, names, field)
            if len(low_high) == 1:
                end = start
            elif len(low_high) == 2:
                end = _value(low_high[1], name, names, field)
            else:
                raise CronError(f"{field}: too many hyphens in the {name} field: {part!r}")
        step = 1
        if len(range_step) == 2:
            if not range_step[1].isdigit():
                raise CronError(f"{field}: the step {range_step[1]!r} in the {name} field is not a positive integer")
            step = int(range_step[1])
            if single and not extra:
                end = hi  # "N/step" means "N-max/step"
            if step > 1:
                extra = False
        if start < lo:
            raise CronError(f"{field}: beginning of range ({start}) below minimum ({lo}) in the {name} field: {part!r}")
        if end > hi:
            raise CronError(f"{field}: end of range ({end}) above maximum ({hi}) in the {name} field: {part!r}")
        if start > end:
            raise CronError(f"{field}: beginning of range ({start}) beyond end of range ({end}) in the {name} field: {part!r}")
        if step == 0:
            raise CronError(f"{field}: step of range should be a positive number in the {name} field: {part!r}")
        values.update(range(start, end + 1, step))
        star = star or extra
    return frozenset(values), star


def _value(token: str, name: str, names: dict | None, field: str) -> int:
    if names and token.lower() in names:
        return names[token.lower()]
    if not token.isdigit():
        known = f" (or a name such as {next(iter(names)).upper()})" if names else ""
        raise CronError(f"{field}: {token!r} is not a number{known} in the {name} field")
    return int(token)


def _go_duration(text: str, field: str) -> int:
    if not _GO_DURATION.match(text):
        raise CronError(f"{field}: failed to parse duration {text!r} (use Go durations such as '90m', '1h30m', '45s')")
    unit = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    seconds = sum(float(v) * unit[u] for v, u in _GO_PART.findall(text))
    return max(1, int(seconds))  # robfig: "if duration < time.Second { duration = time.Second }", truncated to seconds


def parse_schedule(text: object, field: str = "spec.schedule") -> CronSchedule | EverySchedule:
    """Parse a CronJob schedule; bad input raises :class:`CronError` naming ``field``.

    >>> parse_schedule("0 3 * * 1-5").hours
    frozenset({3})
    >>> parse_schedule("61 * * * *")
    Traceback (most recent call last):
    ...
    labsupport.k8s.cron.CronError: spec.schedule: end of range (61) above maximum (59) in the minute field: '61'
    """
    if not isinstance(text, str) or not text.strip():
        raise CronError(f"{field}: a schedule such as '*/5 * * * *' or '@hourly' is required, got {text!r}")
    spec = text.strip()
    if spec.startswith(("TZ=", "CRON_TZ=")):
        raise CronError(f"{field}: TZ or CRON_TZ in the schedule is not allowed; use spec.timeZone")
    if spec.startswith("@every "):
        return EverySchedule(spec, _go_duration(spec[len("@every "):].strip(), field))
    if spec.startswith("@"):
        if spec not in MACROS:
            raise CronError(f"{field}: unrecognized descriptor {spec!r} (known: {', '.join(MACROS)}, @every <duration>)")
        spec = MACROS[spec]
    parts = spec.split()
    if len(parts) != 5:
        raise CronError(f"{field}: expected exactly 5 fields (minute hour day-of-month month day-of-week), found {len(parts)}: {text!r}")
    parsed = [_parse_field(p, name, lo, hi, names, field) for p, (name, lo, hi, names) in zip(parts, _FIELDS, strict=True)]
    (mi, _), (h, _), (dom, dom_star), (mon, _), (dow, dow_star) = parsed
    return CronSchedule(text.strip(), mi, h, dom, mon, dow, dom_star, dow_star)


def parse_time_zone(name: object, field: str = "spec.timeZone") -> tzinfo:
    """An IANA time zone (``Europe/Berlin``) as the API server accepts it; ``None`` is UTC here.

    >>> parse_time_zone("Europe/Berlin")
    zoneinfo.ZoneInfo(key='Europe/Berlin')
    """
    if name is None:
        return UTC
    if not isinstance(name, str) or not name or name.startswith(("/", ".")) or " " in name:
        raise CronError(f"{field}: unknown time zone {name!r} (use an IANA name such as 'Etc/UTC' or 'Europe/Berlin')")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        close = sorted(z for z in available_timezones() if z.lower() == name.lower())
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise CronError(f"{field}: unknown time zone {name!r}{hint} (use an IANA name such as 'Europe/Berlin')") from None
