"""--from/--to values as analysts type them, turned into calendar days.

Days, not instants: an article dated 12 March in Volgograd belongs to
12 March whatever zone the reader is in, so filters compare the article's own
calendar day.

Pure functions: the day a text means depends only on the text, `today` and
whether it ends a range.  The common forms are read here (fast); anything else
goes to dateparser (Russian and English), imported only then: it costs a cold
`newsmon search` about a second.  What a form names, a day, a month or a year,
tells `--to` how far it reaches: `--to 'август 2025'` is 31 August 2025.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta

from search.i18n import _

FORMS = ("2025, 2025-03, 2025-03-12, 12.03.2025, 03.2025, 'август 2025', '1 августа 2025', "
         "'march 2025', 7d/7д, 2w/2н, '2 недели назад', '3 days ago', today/сегодня, "
         "yesterday/вчера, позавчера, 'в прошлом месяце', 'last month'")

_RELATIVE = re.compile(r"^(\d{1,5})\s*([dwmy]|д|н|м|г)$")
_WORDS = {"today": 0, "сегодня": 0, "yesterday": 1, "вчера": 1, "позавчера": 2,
          "day before yesterday": 2}
_UNIT_DAYS = {"d": 1, "д": 1, "w": 7, "н": 7, "m": 30, "м": 30, "y": 365, "г": 365}
_MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6, "июл": 7, "август": 8,
    "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "май": 5, "мая": 5, "авг": 8, "сен": 9,
    "сент": 9, "окт": 10, "ноя": 11, "нояб": 11, "дек": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
_MONTH_DATE = re.compile(r"^(?:(\d{1,2})\s+)?([a-zа-я]+)\.?(?:\s+(\d{4}))?(?:\s*(?:года?|г\.?))?$")
_AGO = re.compile(r"^(\d{1,5})?\s*([a-zа-я]+)\s+(?:назад|ago)$")
_AGO_UNITS = (("дн", 1), ("ден", 1), ("day", 1), ("недел", 7), ("week", 7), ("месяц", 30),
              ("month", 30), ("год", 365), ("лет", 365), ("year", 365))


class DateError(ValueError):
    pass


def parse_bound(text: str, today: date, *, end: bool) -> date:
    """A day for `--from` (end=False) or `--to` (end=True); FORMS lists what is read.

    With end=True a year or month means its last day, so `--to 2025-03` includes 31 March.
    """
    value = " ".join(text.strip().lower().replace("ё", "е").split())
    if not value:
        raise DateError(_("an empty date"))
    found = _strict(value, today, end)
    if found is None:
        found = _dateparser(value, today, end)
    if found is None:
        raise DateError(_("unrecognized date {text!r} (use {forms})").format(text=text,
                                                                              forms=FORMS))
    return found


def _month(year: int, month: int, end: bool) -> date:
    return date(year, month, calendar.monthrange(year, month)[1] if end else 1)


def _strict(value: str, today: date, end: bool) -> date | None:
    """The forms read without dateparser; None when the text is none of them."""
    if value in _WORDS:
        return today - timedelta(days=_WORDS[value])
    match = _RELATIVE.match(value)
    if match:
        return today - timedelta(days=int(match.group(1)) * _UNIT_DAYS[match.group(2)])
    try:
        if re.fullmatch(r"\d{4}", value):
            return date(int(value), 12, 31) if end else date(int(value), 1, 1)
        if re.fullmatch(r"\d{4}-\d{1,2}", value):
            year, month = map(int, value.split("-"))
            return _month(year, month, end)
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
            year, month, day = map(int, value.split("-"))
            return date(year, month, day)
        if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", value):
            day, month, year = map(int, value.split("."))
            return date(year, month, day)
        if re.fullmatch(r"\d{1,2}\.\d{4}", value):
            month, year = map(int, value.split("."))
            return _month(year, month, end)
    except ValueError:
        raise DateError(_("not a real date: {text!r}").format(text=value)) from None
    if re.fullmatch(r"[\d\s./-]+", value):
        # 12/03/2025 or 2025-13: numbers in no form above; dateparser would guess an order
        raise DateError(_("unrecognized date {text!r} (use {forms})").format(text=value,
                                                                              forms=FORMS))
    return _month_name(value, today, end) or _ago(value, today)


def _month_name(value: str, today: date, end: bool) -> date | None:
    """«август 2025», «1 августа 2025», «1 авг. 2025 г.», «march 2025», «август»."""
    match = _MONTH_DATE.match(value)
    if not match:
        return None
    day, name, year = match.groups()
    month = _MONTHS.get(name) or next(
        (m for stem, m in _MONTHS.items() if len(stem) >= 4 and name.startswith(stem)), None)
    if month is None:
        return None
    if year is None:  # «август»: the latest August not in the future
        past = (month, int(day or 1)) <= (today.month, today.day)
        year_n = today.year if past else today.year - 1
    else:
        year_n = int(year)
    try:
        return date(year_n, month, int(day)) if day else _month(year_n, month, end)
    except ValueError:
        raise DateError(_("not a real date: {text!r}").format(text=value)) from None


def _ago(value: str, today: date) -> date | None:
    """«2 недели назад», «неделю назад», «3 days ago»."""
    match = _AGO.match(value)
    if not match:
        return None
    unit = next((days for stem, days in _AGO_UNITS if match.group(2).startswith(stem)), None)
    if unit is None:
        return None
    return today - timedelta(days=int(match.group(1) or 1) * unit)


def _dateparser(value: str, today: date, end: bool) -> date | None:
    from dateparser.date import DateDataParser  # slow to import: only for the rare forms

    parser = DateDataParser(languages=["ru", "en"], settings={
        "RELATIVE_BASE": datetime(today.year, today.month, today.day),
        "PREFER_DAY_OF_MONTH": "first", "PREFER_DATES_FROM": "past"})
    data = parser.get_date_data(value)
    if data is None or data.date_obj is None:
        return None
    found = data.date_obj.date()
    if data.period == "year":
        return date(found.year, 12, 31) if end else date(found.year, 1, 1)
    if data.period == "month":
        return _month(found.year, found.month, end)
    return found
