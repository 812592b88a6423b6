"""Retry-After header values (RFC 9110 §10.2.3): how long a server asked us to wait.

Only the two forms the RFC defines are read: delay-seconds (ASCII digits, nothing else) and an
HTTP-date in any of its three spellings (§5.6.7): IMF-fixdate ``Sun, 06 Nov 1994 08:49:37 GMT`` and the
obsolete RFC 850 ``Sunday, 06-Nov-94 08:49:37 GMT`` and asctime ``Sun Nov  6 08:49:37 1994`` forms.
Anything else ("5m", "1 hour", "Wed", "23:59", "1_000", non-ASCII digits, a wrong weekday) is ignored,
so the caller falls back to its normal backoff instead of retrying at once or giving up.
"""

import calendar
import functools
import re
from datetime import UTC, datetime

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_LONG_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# [0-9] rather than \d: \d also matches Arabic-Indic and other Unicode digits.
_DIGITS = re.compile(r"[0-9]+")
_TIME = r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})"
_MONTH = "(?P<month>" + "|".join(_MONTHS) + ")"
_DAY = "(?P<day>" + "|".join(_DAYS) + ")"
_LONG_DAY = "(?P<day>" + "|".join(_LONG_DAYS) + ")"
_IMF_FIXDATE = _DAY + r", (?P<mday>[0-9]{2}) " + _MONTH + r" (?P<year>[0-9]{4}) " + _TIME + " GMT"
_RFC850 = _LONG_DAY + r", (?P<mday>[0-9]{2})-" + _MONTH + r"-(?P<year>[0-9]{2}) " + _TIME + " GMT"
_ASCTIME = _DAY + " " + _MONTH + r" (?P<mday>[0-9]{2}| [0-9]) " + _TIME + r" (?P<year>[0-9]{4})"


@functools.cache
def _date_forms() -> tuple[tuple[re.Pattern[str], tuple[str, ...], bool], ...]:
    # Compiled on the first HTTP-date seen, not at import: most programs never get one (import time is
    # measured, scripts/bench row 4). Each form: its pattern, its day names, whether its year has two digits.
    return (
        (re.compile(_IMF_FIXDATE), _DAYS, False),
        (re.compile(_RFC850), _LONG_DAYS, True),
        (re.compile(_ASCTIME), _DAYS, False),
    )


# Longer delays are read as this many seconds (about 31 years): every caller treats them as "too long" anyway,
# and int() of a 5000-digit header would raise.
MAX_DELAY_SECONDS = 10**9
# Optional whitespace around a field value (RFC 9110 §5.5): space and tab only.
_OWS = " \t"


def parse_http_date(value: str, now: float) -> float | None:
    """Seconds since the epoch of an RFC 9110 HTTP-date, or None if ``value`` is not exactly one.

    ``now`` dates the two-digit years of the RFC 850 form: a year more than 50 years ahead of ``now``
    is the most recent past year with those digits (§5.6.7).
    """
    for pattern, days, two_digit_year in _date_forms():
        match = pattern.fullmatch(value)
        if match is None:
            continue
        year = int(match["year"])
        if two_digit_year:
            current = datetime.fromtimestamp(now, UTC).year
            year += current - current % 100
            if year > current + 50:
                year -= 100
        month = _MONTHS.index(match["month"]) + 1
        mday = int(match["mday"].strip())
        hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"])
        # A leap second (60) is allowed by RFC 5322's time-of-day; it is the last second of the minute.
        if year < 1 or hour > 23 or minute > 59 or second > 60 or not 1 <= mday <= calendar.monthrange(year, month)[1]:
            return None
        # RFC 5322 §3.3: the day of the week must be the one the date falls on.
        if days.index(match["day"]) != calendar.weekday(year, month, mday):
            return None
        return calendar.timegm((year, month, mday, hour, minute, min(second, 59), 0, 0, 0))
    return None


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header value; None when absent or not in an RFC 9110 form.

    ``now`` is the current time in seconds since the epoch; an HTTP-date in the past means 0.
    """
    if value is None:
        return None
    value = value.strip(_OWS)
    if _DIGITS.fullmatch(value):
        digits = value.lstrip("0")
        return float(MAX_DELAY_SECONDS if len(digits) > 10 else min(int(digits or "0"), MAX_DELAY_SECONDS))
    when = parse_http_date(value, now)
    if when is None:
        return None
    return max(0.0, when - now)
