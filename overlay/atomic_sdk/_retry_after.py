"""Retry-After header values: how long a server asked us to wait."""

import math
from datetime import UTC

from dateutil import parser as date_parser


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent or invalid."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = date_parser.parse(value)
    except (ValueError, OverflowError):
        return None
    if when.tzinfo is None:
        # HTTP-dates are always GMT.
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)
