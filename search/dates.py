"""--from/--to values as analysts type them, turned into calendar days.

Days, not instants: an article dated 12 March in Volgograd belongs to
12 March whatever zone the reader is in, so filters compare the article's own
calendar day.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

_RELATIVE = re.compile(r"^(\d{1,5})\s*([dwmy]|д|н|м|г)$")
_WORDS = {"today": 0, "сегодня": 0, "yesterday": 1, "вчера": 1}


class DateError(ValueError):
    pass


def parse_bound(text: str, today: date, *, end: bool) -> date:
    """`2025`, `2025-03`, `2025-03-12`, `12.03.2025`, `7d`, `2w`, `today`, `вчера` → a day.

    With end=True a year or month means its last day, so `--to 2025-03` includes 31 March.
    """
    value = text.strip().lower()
    if value in _WORDS:
        return today - timedelta(days=_WORDS[value])
    match = _RELATIVE.match(value)
    if match:
        number, unit = int(match.group(1)), match.group(2)
        days = number * {"d": 1, "д": 1, "w": 7, "н": 7, "m": 30, "м": 30, "y": 365, "г": 365}[unit]
        return today - timedelta(days=days)
    try:
        if re.fullmatch(r"\d{4}", value):
            return date(int(value), 12, 31) if end else date(int(value), 1, 1)
        if re.fullmatch(r"\d{4}-\d{1,2}", value):
            year, month = map(int, value.split("-"))
            last = calendar.monthrange(year, month)[1]
            return date(year, month, last if end else 1)
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
            year, month, day = map(int, value.split("-"))
            return date(year, month, day)
        if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", value):
            day, month, year = map(int, value.split("."))
            return date(year, month, day)
    except ValueError:
        raise DateError(f"not a real date: {text!r}") from None
    raise DateError(f"unrecognized date {text!r} (use 2025, 2025-03, 2025-03-12, 12.03.2025, "
                    "7d, 2w, today or yesterday)")
