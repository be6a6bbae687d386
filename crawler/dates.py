"""Dates as Russian news pages write them, turned into aware datetimes.

A wrong date hides an article from a date search, so anything doubtful
(a future date, a date before 1990, an impossible day) is rejected rather
than guessed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

EARLIEST = datetime(1990, 1, 1)
_MONTHS = (
    (1, r"январ[яьеюи]|янв"), (2, r"феврал[яьеюи]|фев"), (3, r"марта?|марте|мар"),
    (4, r"апрел[яьеюи]|апр"), (5, r"ма[йяюе]"), (6, r"июн[яьеюи]|июн"),
    (7, r"июл[яьеюи]|июл"), (8, r"августа?|августе|авг"), (9, r"сентябр[яьеюи]|сент|сен"),
    (10, r"октябр[яьеюи]|окт"), (11, r"ноябр[яьеюи]|нояб|ноя"), (12, r"декабр[яьеюи]|дек"),
)
_MONTH_RE = "|".join(f"(?P<m{n}>{alts})" for n, alts in _MONTHS)
_TIME = r"(?:\s*(?:года?|г\.)?\s*(?:,|в|\||—|-)?\s*(?P<hh>[01]?\d|2[0-3])[:.](?P<mi>[0-5]\d))?"
_TEXT_DATE = re.compile(
    rf"(?<![\w.])(?P<d>[0-3]?\d)\s+(?:{_MONTH_RE})\.?(?:\s+(?P<y>(?:19|20)\d\d))?(?!\w){_TIME}",
    re.IGNORECASE,
)
_NUM_DATE = re.compile(
    r"(?<![\d.])(?P<d>[0-3]?\d)\.(?P<mo>[01]?\d)\.(?P<y>(?:19|20)?\d\d)(?![\d.]\d)"
    r"(?:\s*(?:г\.|года)?\s*(?:,|в|\||—|-)?\s*(?P<hh>[01]?\d|2[0-3]):(?P<mi>[0-5]\d))?"
)
_RELATIVE = re.compile(
    r"(?<!\w)(?P<rel>сегодня|вчера|позавчера)(?!\w)\s*(?:,|в)?\s*"
    r"(?:(?P<hh>[01]?\d|2[0-3]):(?P<mi>[0-5]\d))?",
    re.IGNORECASE,
)
_ISO = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$",
    re.IGNORECASE | re.ASCII,
)


def zone(name: str | None) -> tzinfo:
    return ZoneInfo(name or "Europe/Volgograd")


def plausible(value: datetime, now: datetime) -> bool:
    """A publication date cannot be in the future (a day of clock skew allowed) or before 1990."""
    return EARLIEST.replace(tzinfo=value.tzinfo) <= value <= now + timedelta(days=1)


def parse_iso(text: str, tz: tzinfo) -> datetime | None:
    """ISO 8601 as found in JSON-LD, meta tags and <time datetime>; a missing zone means `tz`."""
    match = _ISO.match(text or "")
    if not match:
        return None
    y, mo, d, hh, mi, ss, off = match.groups()
    try:
        value = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0))
    except ValueError:
        return None
    if not off:
        return value.replace(tzinfo=tz)
    if off.upper() == "Z":
        off = "+00:00"
    elif ":" not in off:
        off = f"{off[:3]}:{off[3:]}"
    try:
        return datetime.fromisoformat(value.isoformat() + off)
    except ValueError:  # an offset out of range, or digits of another script
        return None


def parse_text(text: str, tz: tzinfo, now: datetime) -> datetime | None:
    """The first plausible date written in Russian in `text`.

    `now` (aware) anchors «сегодня»/«вчера» and dates written without a year.
    """
    for found in find_dates(text, tz, now):
        return found
    return None


def find_dates(text: str, tz: tzinfo, now: datetime) -> list[datetime]:
    """Every plausible date in `text`, in the order they appear."""
    local_now = now.astimezone(tz)
    hits: list[tuple[int, datetime]] = []
    for match in _TEXT_DATE.finditer(text):
        month = next(n for n, _ in _MONTHS if match.group(f"m{n}"))
        year = int(match.group("y")) if match.group("y") else None
        value = _build(year, month, int(match.group("d")), match.group("hh"), match.group("mi"),
                       tz, local_now)
        if value:
            hits.append((match.start(), value))
    for match in _NUM_DATE.finditer(text):
        year = int(match.group("y"))
        if year < 100:
            year += 2000 if year <= local_now.year % 100 else 1900
        value = _build(year, int(match.group("mo")), int(match.group("d")), match.group("hh"),
                       match.group("mi"), tz, local_now)
        if value:
            hits.append((match.start(), value))
    for match in _RELATIVE.finditer(text):
        days = {"сегодня": 0, "вчера": 1, "позавчера": 2}[match.group("rel").lower()]
        day = (local_now - timedelta(days=days)).date()
        value = _build(day.year, day.month, day.day, match.group("hh"), match.group("mi"), tz,
                       local_now)
        if value:
            hits.append((match.start(), value))
    hits.sort(key=lambda hit: hit[0])
    return [value for _, value in hits if plausible(value, now)]


def _build(year: int | None, month: int, day: int, hh: str | None, mi: str | None,
           tz: tzinfo, local_now: datetime) -> datetime | None:
    guessed_year = year is None
    try:
        value = datetime(year or local_now.year, month, day, int(hh or 0), int(mi or 0),
                         tzinfo=tz)
    except ValueError:
        return None
    if guessed_year and value > local_now + timedelta(days=1):
        value = value.replace(year=value.year - 1)
    return value
