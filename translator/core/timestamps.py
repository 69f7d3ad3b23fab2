"""Dates as Segment sends them, turned into the Unix seconds Intercom wants.

Segment's `timestamp`/`originalTimestamp` are ISO-8601 strings. Date-valued traits such as
`createdAt` arrive in more shapes: ISO-8601, JavaScript's `Date.toString()` form
("Mon Mar 26 2018 17:44:51 GMT+0000 (UTC)", seeds 000-003), RFC 2822, or a number of seconds or
milliseconds since the epoch (seed 001's Python example sends `1363902294011`).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# Numbers above this are milliseconds: 1e11 seconds is the year 5138, 1e11 ms is 1973.
_MILLISECONDS_THRESHOLD = 100_000_000_000
_JS_DATE = re.compile(r"^\w{3} (\w{3} \d{1,2} \d{4} \d{2}:\d{2}:\d{2}) GMT([+-]\d{4})")
# 9999-12-31T23:59:59Z: later "dates" are not dates.
_LATEST_SECONDS = 253_402_300_799
_NUMERIC = re.compile(r"^-?\d+(\.\d+)?$")
# ISO 8601 reduced precision: a bare year or year-month means the first day, midnight UTC, as
# JavaScript's Date reads it (and so both destinations).
_YEAR_OR_MONTH = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def iso_to_unix(value: object) -> int | None:
    """Unix seconds of an ISO-8601 string (naive means UTC), or None when it is not one.

    A bare year (``2014``), year-month (``2014-05``) or date (``2014-05-01``) is midnight UTC of
    its first day.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    reduced = _YEAR_OR_MONTH.match(text)
    try:
        if reduced:
            moment = datetime(int(reduced[1]), int(reduced[2] or 1), 1, tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return _seconds(moment)


def date_to_unix(value: object) -> int | None:
    """Unix seconds of any date shape a trait may carry, or None when it is not a date."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _number_to_unix(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _NUMERIC.match(text) and not _YEAR_OR_MONTH.match(text):
        return _number_to_unix(float(text))
    for parse in (iso_to_unix, _js_date_to_unix, _rfc2822_to_unix):
        seconds = parse(text)
        if seconds is not None:
            return seconds
    return None


def _number_to_unix(number: float) -> int | None:
    if not math.isfinite(number):
        return None
    if abs(number) >= _MILLISECONDS_THRESHOLD:
        number = number / 1000
    if abs(number) > _LATEST_SECONDS:
        return None
    return int(number)


def _js_date_to_unix(text: str) -> int | None:
    match = _JS_DATE.match(text)
    if not match:
        return None
    try:
        moment = datetime.strptime(" ".join(match.groups()), "%b %d %Y %H:%M:%S %z")
    except ValueError:
        return None
    return _seconds(moment)


def _rfc2822_to_unix(text: str) -> int | None:
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return _seconds(moment)


def _seconds(moment: datetime) -> int | None:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return int(moment.timestamp())
    except (OverflowError, OSError, ValueError):
        return None
