"""Retry-After per RFC 9110: exact forms only, checked by example and by property (hypothesis)."""

from __future__ import annotations

import calendar
import time
from datetime import UTC, datetime, timedelta

import pytest
from atomic_sdk._retry_after import MAX_DELAY_SECONDS, parse_http_date, parse_retry_after
from hypothesis import example, given, settings
from hypothesis import strategies as st

NOW = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LONG_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def imf(when: datetime) -> str:
    return f"{DAYS[when.weekday()]}, {when.day:02d} {MONTHS[when.month - 1]} {when.year:04d} {when:%H:%M:%S} GMT"


def rfc850(when: datetime) -> str:
    return f"{LONG_DAYS[when.weekday()]}, {when.day:02d}-{MONTHS[when.month - 1]}-{when.year % 100:02d} {when:%H:%M:%S} GMT"


def asctime(when: datetime) -> str:
    return f"{DAYS[when.weekday()]} {MONTHS[when.month - 1]} {when.day:2d} {when:%H:%M:%S} {when.year:04d}"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0.0),
        ("5", 5.0),
        (" 120\t", 120.0),
        ("007", 7.0),
        ("Tue, 14 Nov 2023 22:13:50 GMT", 30.0),
        ("Tuesday, 14-Nov-23 22:14:20 GMT", 60.0),
        ("Tue Nov 14 22:15:20 2023", 120.0),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 0.0),  # in the past: retry now
        ("99999999999999999999999999", float(MAX_DELAY_SECONDS)),
        ("9" * 5000, float(MAX_DELAY_SECONDS)),
    ],
)
def test_valid_forms(value: str, seconds: float) -> None:
    assert parse_retry_after(value, NOW) == seconds


@pytest.mark.parametrize(
    "value",
    [
        None, "", " ", "5m", "1 hour", "Wed", "23:59", "Tuesday 10am", "1_000", "١٢", "٣", "1.5", "-1", "+5", "5 ",
        "0x10", "1e3", "inf", "nan", "5s", "tomorrow",
        "Mon, 14 Nov 2023 22:13:50 GMT",  # wrong weekday
        "Tue, 14 Nov 2023 22:13:50 UTC",  # not GMT
        "tue, 14 nov 2023 22:13:50 GMT",  # HTTP-date is case-sensitive
        "Tue, 14 Nov 2023 22:13:50",
        "Tue, 14 Nov 2023 24:00:00 GMT",
        "Wed, 31 Feb 2024 10:00:00 GMT",
        "Tue,  14 Nov 2023 22:13:50 GMT",
        "2023-11-14T22:13:50Z",
        "Tue, 14 Nov 23 22:13:50 GMT",
        "Tue Nov 14 22:15:20 2023 GMT",
    ],
)
def test_anything_else_is_ignored(value: str | None) -> None:
    if value == "5 ":
        # Trailing whitespace is optional whitespace around the field value, not part of it.
        assert parse_retry_after(value, NOW) == 5.0
        return
    assert parse_retry_after(value, NOW) is None


def test_rfc850_two_digit_years_are_at_most_50_years_ahead() -> None:
    # 2023 + 50 = 2073: "73" is 2073, "74" is 1974 (past, so no wait).
    assert parse_http_date("Sunday, 01-Jan-73 00:00:00 GMT", NOW) == calendar.timegm((2073, 1, 1, 0, 0, 0))
    assert parse_http_date("Tuesday, 01-Jan-74 00:00:00 GMT", NOW) == calendar.timegm((1974, 1, 1, 0, 0, 0))


datetimes = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 12, 31)).map(
    lambda d: d.replace(microsecond=0, tzinfo=UTC)
)


@given(when=datetimes)
def test_every_valid_date_in_each_form_parses_exactly(when: datetime) -> None:
    timestamp = calendar.timegm(when.timetuple())
    assert parse_http_date(imf(when), NOW) == timestamp
    assert parse_http_date(asctime(when), NOW) == timestamp
    assert parse_retry_after(imf(when), NOW) == max(0.0, timestamp - NOW)


@given(offset=st.integers(min_value=-(49 * 365 * 86400), max_value=49 * 365 * 86400))
def test_rfc850_dates_within_50_years_parse_exactly(offset: int) -> None:
    when = datetime.fromtimestamp(NOW, UTC).replace(microsecond=0) + timedelta(seconds=offset)
    assert parse_http_date(rfc850(when), NOW) == calendar.timegm(when.timetuple())


@given(seconds=st.integers(min_value=0, max_value=10**9))
def test_delay_seconds_are_exact(seconds: int) -> None:
    assert parse_retry_after(str(seconds), NOW) == float(seconds)


@settings(max_examples=500)
@given(value=st.text(max_size=40))
@example("Sun, 06 Nov 1994 08:49:37 GMT")
@example("Sunday, 06-Nov-94 08:49:37 GMT")
def test_garbage_never_raises_and_only_exact_forms_count(value: str) -> None:
    result = parse_retry_after(value, NOW)
    if result is None:
        return
    assert 0.0 <= result <= MAX_DELAY_SECONDS
    stripped = value.strip(" \t")
    if stripped.isascii() and stripped.isdigit():
        return
    # A date was read: it must be one of the three spellings of that very instant, character for character.
    when = parse_http_date(stripped, NOW)
    assert when is not None
    moment = datetime.fromtimestamp(when, UTC)
    assert stripped in {imf(moment), rfc850(moment), asctime(moment)}


@given(
    prefix=st.sampled_from(["", "in ", "~", "about "]),
    number=st.integers(min_value=0, max_value=10**6),
    suffix=st.sampled_from(["m", "s", " seconds", " hour", ".0", "_0", "ms", "h"]),
)
def test_numbers_with_units_or_decorations_are_ignored(prefix: str, number: int, suffix: str) -> None:
    assert parse_retry_after(f"{prefix}{number}{suffix}", NOW) is None


@given(value=st.text(alphabet=st.characters(categories=["Nd"]), min_size=1, max_size=6))
def test_only_ascii_digits_are_delay_seconds(value: str) -> None:
    expected = float(int(value)) if value.isascii() else None
    assert parse_retry_after(value, NOW) == expected


def test_now_is_the_injected_clock_not_the_wall_clock() -> None:
    later = time.time() + 10_000
    value = imf(datetime.fromtimestamp(later, UTC).replace(microsecond=0))
    assert parse_retry_after(value, later - 30) == pytest.approx(30.0, abs=1.0)
