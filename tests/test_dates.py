"""Russian date text as pages write it; a wrong date hides an article from date searches."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from crawler import dates
from search.dates import DateError, parse_bound

TZ = dates.zone("Europe/Volgograd")
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # 11:00 in Volgograd


@pytest.mark.parametrize(("text", "expected"), [
    ("12 марта 2025 года, 14:30", "2025-03-12T14:30:00+03:00"),
    ("Опубликовано 5 апреля 2025, 18:20 · Просмотров: 10", "2025-04-05T18:20:00+03:00"),
    ("03.02.2025 в 09:45", "2025-02-03T09:45:00+03:00"),
    ("09.10.20 15:57", "2020-10-09T15:57:00+04:00"),  # Volgograd was UTC+4 in 2018-2020

    ("21.03.2018 20:12", "2018-03-21T20:12:00+03:00"),
    ("15 августа 2016, 13:43", "2016-08-15T13:43:00+03:00"),
    ("7 октября 2020", "2020-10-07T00:00:00+04:00"),
    ("1 мая 2024 г. в 10:00", "2024-05-01T10:00:00+03:00"),
    ("3 мар. 2025", "2025-03-03T00:00:00+03:00"),
    ("14 сент. 2024 12:05", "2024-09-14T12:05:00+03:00"),
    ("вчера в 10:15", "2026-11-25T10:15:00+03:00"),
    ("Сегодня, 09:00", "2026-11-26T09:00:00+03:00"),
    ("2 декабря, 18:00", "2025-12-02T18:00:00+03:00"),  # no year, would be future: last year
])
def test_russian_date_text(text, expected):
    assert dates.parse_text(text, TZ, NOW).isoformat() == expected


@pytest.mark.parametrize("text", [
    "12 марта 2031 года",     # the future
    "5 мая 1987",             # before 1990
    "31.02.2025",             # no such day
    "марафон 2025 года",      # a word that starts like a month
    "версия 2.10.3",          # a version number
])
def test_implausible_or_absent_dates_are_rejected(text):
    assert dates.parse_text(text, TZ, NOW) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-03-12T14:30:00+03:00", "2025-03-12T14:30:00+03:00"),
    ("2025-04-10T06:30:00Z", "2025-04-10T06:30:00+00:00"),
    ("2025-04-10T06:30:00.000+0300", "2025-04-10T06:30:00+03:00"),
    ("2025-03-12 14:30", "2025-03-12T14:30:00+03:00"),  # no zone: the source's
    ("2025-03-12", "2025-03-12T00:00:00+03:00"),
])
def test_iso_dates(text, expected):
    assert dates.parse_iso(text, TZ).isoformat() == expected


TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(("text", "end", "expected"), [
    ("2025", False, date(2025, 1, 1)),
    ("2025", True, date(2025, 12, 31)),
    ("2025-02", True, date(2025, 2, 28)),
    ("2025-03-12", False, date(2025, 3, 12)),
    ("12.03.2025", True, date(2025, 3, 12)),
    ("7d", False, date(2026, 11, 19)),
    ("2w", False, date(2026, 11, 12)),
    ("today", True, TODAY),
    ("сегодня", False, TODAY),
    ("yesterday", False, date(2026, 11, 25)),
    ("вчера", True, date(2026, 11, 25)),
    ("позавчера", False, date(2026, 11, 24)),
    ("7д", False, date(2026, 11, 19)),
    ("08.2025", False, date(2025, 8, 1)),
    ("08.2025", True, date(2025, 8, 31)),
    ("август 2025", False, date(2025, 8, 1)),
    ("август 2025", True, date(2025, 8, 31)),   # a month reaches its last day
    ("Август 2025 года", True, date(2025, 8, 31)),
    ("1 августа 2025", True, date(2025, 8, 1)),  # a day is a day
    ("1 авг. 2025", False, date(2025, 8, 1)),
    ("march 2025", True, date(2025, 3, 31)),
    ("февраль", True, date(2026, 2, 28)),        # no year: the latest one not to come
    ("декабрь", False, date(2025, 12, 1)),
    ("2 недели назад", False, date(2026, 11, 12)),
    ("неделю назад", False, date(2026, 11, 19)),
    ("3 days ago", False, date(2026, 11, 23)),
    # the rarer forms go to dateparser
    ("в прошлом месяце", True, date(2026, 10, 31)),
    ("last month", False, date(2026, 10, 1)),
    ("last week", False, date(2026, 11, 19)),
])
def test_search_date_bounds(text, end, expected):
    assert parse_bound(text, TODAY, end=end) == expected


@pytest.mark.parametrize("text", ["2025-13", "31.02.2025", "31 февраля 2025", "13.2025",
                                  "12/03/2025", "", "марафон"])
def test_bad_search_dates(text):
    """Numbers in no known order (12/03/2025) are refused, not guessed."""
    with pytest.raises(DateError):
        parse_bound(text, TODAY, end=False)
