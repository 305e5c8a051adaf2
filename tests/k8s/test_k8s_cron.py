"""CronJob schedule parsing (robfig/cron ParseStandard as Kubernetes uses it) and next-time computation."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from labsupport.k8s.controllers.cronjob import most_recent_schedule_time
from labsupport.k8s.cron import CronError, parse_schedule, parse_time_zone

T0 = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)  # a Thursday


def _fmt(ts):
    return [t.strftime("%a %Y-%m-%d %H:%M") for t in ts]


@pytest.mark.parametrize(("schedule", "after", "tz", "expected"), [
    pytest.param("@hourly", T0, None, ["Thu 2026-01-01 01:00", "Thu 2026-01-01 02:00", "Thu 2026-01-01 03:00"], id="@hourly fires on the hour"),
    pytest.param("@daily", T0, None, ["Fri 2026-01-02 00:00", "Sat 2026-01-03 00:00", "Sun 2026-01-04 00:00"], id="@daily fires at midnight"),
    pytest.param("@weekly", T0, None, ["Sun 2026-01-04 00:00", "Sun 2026-01-11 00:00", "Sun 2026-01-18 00:00"], id="@weekly fires on Sundays"),
    pytest.param("@monthly", T0, None, ["Sun 2026-02-01 00:00", "Sun 2026-03-01 00:00", "Wed 2026-04-01 00:00"], id="@monthly fires on the first"),
    pytest.param("@yearly", T0, None, ["Fri 2027-01-01 00:00", "Sat 2028-01-01 00:00", "Mon 2029-01-01 00:00"], id="@yearly fires on January 1st"),
    pytest.param("*/15 9-17 * * MON-FRI", datetime(2026, 1, 2, 17, 40, tzinfo=UTC), None,
                 ["Fri 2026-01-02 17:45", "Mon 2026-01-05 09:00", "Mon 2026-01-05 09:15"], id="a step inside a range of hours on weekday names"),
    pytest.param("5/20 * * * *", T0, None, ["Thu 2026-01-01 00:05", "Thu 2026-01-01 00:25", "Thu 2026-01-01 00:45"], id="N/step means N-max/step"),
    pytest.param("0 0 13 * 5", T0, None, ["Fri 2026-01-02 00:00", "Fri 2026-01-09 00:00", "Tue 2026-01-13 00:00"],
                 id="day of month and day of week both restricted match either"),
    pytest.param("0 0 * * 5", T0, None, ["Fri 2026-01-02 00:00", "Fri 2026-01-09 00:00", "Fri 2026-01-16 00:00"],
                 id="a star day of month makes day of week alone decide"),
    pytest.param("0 0 */2 * 5", T0, None, ["Fri 2026-01-02 00:00", "Sat 2026-01-03 00:00", "Mon 2026-01-05 00:00"],
                 id="a star with a step is not a star so the day fields match either"),
    pytest.param("30 12 1 jan,Jul *", T0, None, ["Thu 2026-01-01 12:30", "Wed 2026-07-01 12:30", "Fri 2027-01-01 12:30"],
                 id="month names are case insensitive"),
    pytest.param("0,30 8 * * ?", T0, None, ["Thu 2026-01-01 08:00", "Thu 2026-01-01 08:30", "Fri 2026-01-02 08:00"], id="lists and the question mark"),
    pytest.param("@every 90m", T0, None, ["Thu 2026-01-01 01:30", "Thu 2026-01-01 03:00", "Thu 2026-01-01 04:30"], id="@every adds a fixed delay"),
    pytest.param("0 9 * * *", T0, "Europe/Berlin", ["Thu 2026-01-01 09:00", "Fri 2026-01-02 09:00", "Sat 2026-01-03 09:00"],
                 id="a time zone moves the wall clock"),
    pytest.param("30 2 * * *", datetime(2026, 3, 7, 12, 0, tzinfo=UTC), "America/New_York",
                 ["Sat 2026-03-07 02:30", "Mon 2026-03-09 02:30", "Tue 2026-03-10 02:30"][1:] + ["Wed 2026-03-11 02:30"],
                 id="a wall time skipped by daylight saving time does not fire"),
])
def test_next_times(schedule, after, tz, expected):
    zone = parse_time_zone(tz)
    got = parse_schedule(schedule).next_times(after.astimezone(zone), 3)
    assert _fmt(got) == expected


def test_berlin_nine_oclock_is_eight_utc_in_winter():
    t = parse_schedule("0 9 * * *").next(T0.astimezone(parse_time_zone("Europe/Berlin")))
    assert t.astimezone(UTC).hour == 8


@pytest.mark.parametrize(("schedule", "fragment"), [
    pytest.param("61 * * * *", "end of range (61) above maximum (59) in the minute field", id="a minute above 59"),
    pytest.param("0 24 * * *", "above maximum (23) in the hour field", id="an hour above 23"),
    pytest.param("0 0 0 * *", "beginning of range (0) below minimum (1) in the day of month field", id="day of month zero"),
    pytest.param("0 0 * * 7", "above maximum (6) in the day of week field", id="day of week seven"),
    pytest.param("0 0 * FOO *", "'FOO' is not a number (or a name such as JAN) in the month field", id="an unknown month name"),
    pytest.param("* * * *", "expected exactly 5 fields", id="four fields"),
    pytest.param("0 0 * * * *", "found 6", id="six fields (no seconds in Kubernetes)"),
    pytest.param("@reboot", "unrecognized descriptor '@reboot'", id="@reboot is not a Kubernetes macro"),
    pytest.param("@every 5", "failed to parse duration '5'", id="@every needs a unit"),
    pytest.param("CRON_TZ=UTC 0 0 * * *", "use spec.timeZone", id="CRON_TZ in the schedule is refused"),
    pytest.param("5-2 * * * *", "beginning of range (5) beyond end of range (2)", id="a backwards range"),
    pytest.param("*/0 * * * *", "step of range should be a positive number", id="a zero step"),
    pytest.param("", "a schedule such as", id="an empty schedule"),
])
def test_bad_schedules_name_the_field(schedule, fragment):
    with pytest.raises(CronError) as info:
        parse_schedule(schedule)
    assert str(info.value).startswith("spec.schedule: ")
    assert fragment in str(info.value)


@pytest.mark.parametrize(("tz", "fragment"), [
    pytest.param("Mars/Olympus", "unknown time zone 'Mars/Olympus'", id="an unknown zone"),
    pytest.param("europe/berlin", "did you mean 'Europe/Berlin'?", id="a zone in the wrong case gets a suggestion"),
    pytest.param("/etc/localtime", "unknown time zone", id="a file path is not a zone name"),
])
def test_bad_time_zones_name_the_field(tz, fragment):
    with pytest.raises(CronError) as info:
        parse_time_zone(tz)
    assert str(info.value).startswith("spec.timeZone: ") and fragment in str(info.value)


@pytest.mark.parametrize(("schedule", "earliest", "now", "latest", "missed"), [
    pytest.param("@hourly", T0, datetime(2026, 1, 1, 0, 30, tzinfo=UTC), None, 0, id="nothing is due before the first time"),
    pytest.param("@hourly", T0, datetime(2026, 1, 1, 1, 30, tzinfo=UTC), "2026-01-01T01:00:00+00:00", 1, id="one time is due"),
    pytest.param("@hourly", T0, datetime(2026, 1, 6, 1, 30, tzinfo=UTC), "2026-01-06T01:00:00+00:00", 121, id="121 missed hourly times"),
    pytest.param("30 6-16/4 * * 1-5", T0, datetime(2026, 1, 6, 12, 0, tzinfo=UTC), "2026-01-06T10:30:00+00:00", 32,
                 id="an irregular schedule finds the exact latest time and upstream's estimated count (11 real)"),
])
def test_most_recent_schedule_time(schedule, earliest, now, latest, missed):
    t, n = most_recent_schedule_time(parse_schedule(schedule), earliest, now)
    assert (t.isoformat() if t else None, n) == (latest, missed)
