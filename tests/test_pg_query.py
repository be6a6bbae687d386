"""indexer/pg_query.py without a server: what a query becomes in SQL decides whether
PostgreSQL answers it from its indexes alone (no weight on a plain word, so no re-read
of every matching tsvector) and which column each field is looked up in."""

from __future__ import annotations

import pytest

from indexer.pg_query import Translation, Unanswerable, statement
from indexer.whoosh_index.index import make_schema
from search.query import build


def translate(text: str) -> tuple[str, dict]:
    tr = Translation()
    sql = tr.condition(build(text, make_schema()))
    return sql, tr.params


@pytest.mark.parametrize(("text", "sql", "tsquery"), [
    ("учитель", "doc @@", "'учитель'"),
    ('"новость номер"', "doc @@", "('новость' <-> 'номер')"),
    ("школ*", "doc @@", "'школ':*"),
    ("учитель NOT тренер", "doc @@", "('учитель' & !'тренер')"),
    ("title:номер", "title_doc @@", "'номер'"),
    ("body:номер", "doc @@", "'номер':D"),
    ("author:иванов", "fields @@", "'иванов':B"),
    ("section:образование", "fields @@", "'образование':C"),
])
def test_each_field_is_read_from_its_column(text, sql, tsquery):
    condition, params = translate(text)
    assert condition.startswith(sql)
    assert list(params.values()) == [tsquery]


def test_fields_of_different_columns_are_joined_in_sql():
    condition, params = translate("author:иванов учитель tag:тест")
    assert "fields @@" in condition and "doc @@" in condition and " AND " in condition
    assert "'учитель'" in params.values() and "тест" in params.values()


def test_ranking_weighs_the_title_and_candidates_are_found_by_title():
    tr = Translation()
    tr.condition(build("учитель title:конкурс NOT тренер", make_schema()))
    assert tr.rank_query() == "('учитель') | ('конкурс':A)"  # a negated word ranks nothing
    assert tr.title_query() == "('учитель') | ('конкурс')"


def test_a_quote_in_a_word_stays_inside_its_literal():
    from whoosh.query import Term

    tr = Translation()
    tr.condition(Term("title", "д'артаньян\\"))
    assert list(tr.params.values()) == ["'д''артаньян\\\\'"]


def test_unknown_field_query_is_refused():
    from whoosh.query import NumericRange

    with pytest.raises(Unanswerable, match="NumericRange"):
        Translation().condition(NumericRange("width", 1, 2))


def test_filters_are_applied_after_the_text_is_found():
    """A date range's own index must not lead: the planner would read the tsvector of
    every article in the range to check the word (0.9 s at a million articles)."""
    from indexer.pg_query import counting

    fenced = "WHERE doc @@ 'x'::tsquery OFFSET 0) x WHERE day BETWEEN 1 AND 2"
    assert fenced in counting("doc @@ 'x'::tsquery", "day BETWEEN 1 AND 2", True)
    sql = statement("doc @@ 'x'::tsquery", "day BETWEEN 1 AND 2", Translation(),
                    articles=5000, rank="'x'", by_date=False, group=True,
                    facets=True, limit=10, offset=0)
    assert sql.count(fenced) >= 2
    assert "doc @@ 'x'::tsquery AND day" not in sql


def test_common_words_are_walked_in_date_order_rare_ones_sorted():
    from indexer.pg_query import dense

    assert dense(850_000, 1_000_000, 400)  # the newest 400 within the first ~470 rows
    assert not dense(16_000, 1_000_000, 400)  # 25,000 rows to check: sort the bitmap's
    assert not dense(0, 1_000_000, 10)
    walked = statement("doc @@ 'x'::tsquery", "TRUE", Translation(), articles=9,
                       rank=None, by_date=True, group=False, facets=False, limit=10,
                       offset=0, walk=True)
    assert "FROM articles WHERE doc @@ 'x'::tsquery ORDER BY published DESC" in walked


def test_a_range_over_a_text_field_is_refused_not_answered_empty():
    from whoosh.query import TermRange

    with pytest.raises(Unanswerable, match="TermRange"):
        Translation().condition(TermRange("title", "а", "б"))


def test_rows_index_the_forms_and_positions_whoosh_does():
    """The tsvector a row is written with (indexer/postgres_index.py) holds every index form
    Whoosh's tokenizer gives, at its position (+1: tsvector counts from 1), whatever the
    case a word is written in; stop words keep their place; a second field starts a
    position after the first and carries its weight."""
    from indexer.analysis import RussianTokenizer
    from indexer.postgres_index import tsvector

    body = ("Школа и ШКОЛЫ: в школе İstanbul-овские Учителя учат; школа учителей "
            "Донская школа.")
    title = "Учителя Дона"
    parsed = {}
    for part in tsvector([(title, "A"), (body, "")]).split(" "):
        lexeme, _, marks = part.rpartition(":")
        parsed[lexeme.strip("'")] = marks.split(",")
    expected: dict[str, list[str]] = {}
    for form, positions in RussianTokenizer().positions(title).items():
        expected.setdefault(form, []).extend(f"{p + 1}A" for p in positions)
    offset = len(title.split()) + 2  # the title's words, then a position apart
    for form, positions in RussianTokenizer().positions(body).items():
        expected.setdefault(form, []).extend(str(p + offset) for p in positions)
    assert parsed == expected
    assert parsed["школа"] == ["4", "6", "8", "13", "16"]  # «и», «в» counted, not indexed
    assert parsed["учитель"][0] == "1A"


def translate_paired(text: str, pairs: dict[str, int]) -> tuple[str, list]:
    tr = Translation(pairs)
    return tr.condition(build(text, make_schema())), list(tr.params.values())


WORDS = {"новость": 0, "номер": 1, "двенадцать": 2}


@pytest.mark.parametrize(("text", "starts", "params"), [
    # two pair words: their pair's number alone, no tsvector re-read
    ('"новость номер"', "pairs @>", [[0 * 32768 + 1]]),
    # three: every pair, then the phrase itself among the articles that hold them all
    ('"новость номер двенадцать"', "(pairs @>",
     [[1, 1 * 32768 + 2], "('новость' <-> 'номер' <-> 'двенадцать')"]),
    # a word that is not a pair word: the phrase as before
    ('"новость учитель"', "doc @@", ["('новость' <-> 'учитель')"]),
    # under NOT the pairs of every article the rest matches would be read: as before
    ('школа NOT "новость номер"', "doc @@", ["('школа' & !('новость' <-> 'номер'))"]),
    # a phrase in one field only is that field's
    ('title:"новость номер"', "title_doc @@", ["('новость' <-> 'номер')"]),
])
def test_phrases_of_pair_words_are_looked_up_by_their_pairs(text, starts, params):
    condition, found = translate_paired(text, WORDS)
    assert condition.startswith(starts)
    assert found == params


def test_a_phrase_and_a_word_are_two_index_lookups():
    condition, params = translate_paired('"новость номер" школа', WORDS)
    assert "pairs @>" in condition and "doc @@" in condition and " AND " in condition
    assert [1] in params and "'школа'" in params


def test_pairs_found_while_writing_are_those_read_back_from_the_tsvector():
    """A row's pairs are found as its text is analysed; the rows already there when the
    pair words are chosen get theirs from their written tsvector: both must give the
    same pairs, and only where `doc @@ 'a' <-> 'b'` matches (a lexeme's first 256
    positions, none at PostgreSQL's last position, where the ones beyond pile up)."""
    from indexer.pg_query import lexeme
    from indexer.postgres_index import MAX_POS, PAIR_BASE, _literal, _pairs, _parsed, _table

    words = {lexeme(w): n for n, w in enumerate(("школа", "конкурс", "чтец", "город"))}
    body = ("Школа конкурс. Конкурс чтецов в городе, город школа. " * 300
            + "слово " * MAX_POS + "школа конкурс")
    pairs: set[int] = set()
    table = _table([("Городской конкурс чтецов", "A"), (body, "")], words, pairs)
    # words side by side across punctuation too, as a phrase query finds them
    school, contest, reader, city = range(4)
    assert pairs == {a * PAIR_BASE + b for a, b in [
        (school, contest), (contest, reader), (city, school), (school, school),
        (contest, contest), (city, city)]}
    assert _pairs(_parsed(_literal(table)), words) == sorted(pairs)
    assert _pairs(table, {}) == []


@pytest.mark.parametrize(("first", "last", "terms"), [
    ((2019, 1, 1), (2019, 12, 31), ["'§2019':*"]),
    ((2010, 1, 1), (2019, 12, 31), ["'§201':*"]),
    ((2019, 2, 27), (2019, 4, 2),
     ["'§20190227'", "'§20190228'", "'§201903':*", "'§20190401'", "'§20190402'"]),
    ((2024, 2, 29), (2024, 2, 29), ["'§20240229'"]),
    ((9999, 12, 1), (9999, 12, 31), ["'§999912':*"]),
])
def test_a_date_range_is_whole_years_months_and_days(first, last, terms):
    from datetime import date

    from indexer.pg_query import days_query

    assert days_query(date(*first), date(*last)) == "(" + " | ".join(terms) + ")"


def test_a_date_range_holds_each_of_its_days_and_no_other():
    """Checked day by day against the lexeme each row's day gets, for ranges of every
    length: a day, a month's end, years, an open end (to 9999-12-31)."""
    import random
    import re
    from datetime import date, timedelta

    from indexer.pg_query import day_lexeme, days_query

    rng = random.Random(7)
    span = (date(1998, 1, 1), date(2062, 12, 31))
    for _ in range(120):
        first = date(2000, 1, 1) + timedelta(days=rng.randrange(40 * 365))
        last = date.max if rng.random() < 0.1 else first + timedelta(
            days=rng.choice([0, 1, 27, 30, 364, 365, 800, rng.randrange(9000)]))
        query = days_query(first, last)
        terms = re.findall(r"('[^']+')(:\*)?", query)
        assert len(terms) <= 90, (first, last)
        day = span[0]
        while day <= span[1]:
            lexeme = day_lexeme(day.year * 10000 + day.month * 100 + day.day)
            inside = any(lexeme.startswith(t[:-1]) if star else lexeme == t
                         for t, star in terms)
            assert inside == (first <= day <= last), (first, last, day, query)
            day += timedelta(days=1)
