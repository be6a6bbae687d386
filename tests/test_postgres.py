"""The PostgreSQL search index (indexer/postgres_index.py) against the Whoosh one: the same
articles imported into both, the same queries through App.search, the same hit sets and
exact totals (and the same order when sorted by date; relevance scores differ by design:
ts_rank_cd, not BM25F).  Its schema migrations, and the command line with --database:
the fixture site crawled into the database archive answers as a SQLite data dir does,
the web page reads it, a source is crawled once per database.  The archive's own calls on
both backends are in tests/test_archive.py.

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust): skipped when it is not there,
except under CI=true, where that fails.  Every test makes and drops its own database."""

from __future__ import annotations

import html
import json
import os
import re
import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "faults"))
from conftest import newsmon_here, run_newsmon
from synthetic import records, write_jsonl

from indexer.article import article_id
from indexer.store import DataDir
from search.app import App

if os.environ.get("CI") == "true":
    import psycopg
else:
    psycopg = pytest.importorskip("psycopg")


def corpus(tmp_path: Path) -> Path:
    """Synthetic articles from two sources, a few reprinted by a third (stories), one
    replaced by a later version."""
    items = records(360, seed=3)
    for i, item in enumerate(items):
        if i % 3 == 0:
            item["source"] = "second"
        if i % 4 == 0:  # bylines: author and section are fields of their own
            item["author"] = ["Анна Учитель", "Пётр Новиков"][i % 8 // 4]
            item["section"] = ["Образование", "Новости"][i % 3 % 2]
        if i % 5 == 0:  # phrases of common words, and one with a rare word
            item["body"] += " Школьный конкурс чтецов."
        if i % 180 == 7:
            item["body"] += " Конкурс чтецов редкостный."
    for i in range(0, 60, 6):  # reprints: the same text elsewhere, the next day
        copy = dict(items[i], url=f"https://reprint.example/{i}/", source="reprint",
                    published=items[i]["published"].replace("T10", "T18"))
        items.append(copy)
    items.append(dict(items[5], title=items[5]["title"] + " обновлено"))  # a new version
    items.append(dict(records(1, seed=4, start=1000)[0], published=None))  # undated
    return write_jsonl(tmp_path / "corpus.jsonl", items)


QUERIES = [
    ("one word", "учитель", {}),
    ("two words", "учитель конкурс", {}),
    ("phrase", '"новость номер"', {}),
    ("three-word phrase", '"новость номер 12"', {}),
    ("phrase of common words", '"конкурс чтецов"', {}),
    ("three common words", '"школьный конкурс чтецов"', {}),
    ("phrase with a rare word", '"чтецов редкостный"', {}),
    ("phrase and a word", '"конкурс чтецов" учитель', {}),
    ("phrases OR", '"конкурс чтецов" OR "новость номер"', {}),
    ("title phrase", 'title:"новость номер"', {}),
    ("NOT phrase", 'учитель NOT "номер 12"', {}),
    ("author field", "author:учитель", {}),
    ("section field", "section:новость учитель", {}),
    ("OR", "учитель OR тренер", {}),
    ("NOT", "учитель NOT тренер", {}),
    ("minus", "новость -школах -учитель", {}),
    ("prefix", "школ*", {}),
    ("title field", "title:номер", {}),
    ("tag", "tag:тест учитель", {}),
    ("source field", "source:reprint", {}),
    ("parentheses", "(учитель OR тренер) конкурс", {}),
    ("date range", "новость", {"day_from": date(2025, 3, 1), "day_to": date(2025, 5, 15)}),
    ("one day", "новость", {"day_from": date(2025, 7, 7), "day_to": date(2025, 7, 7)}),
    ("days and a month", "новость", {"day_from": date(2025, 2, 27),
                                     "day_to": date(2025, 4, 2)}),
    ("a year", "учитель", {"day_from": date(2025, 1, 1), "day_to": date(2025, 12, 31)}),
    ("a decade", "учитель", {"day_from": date(2020, 1, 1), "day_to": date(2029, 12, 31)}),
    ("from a day on", "учитель", {"day_from": date(2025, 6, 10)}),
    ("up to a day", "новость", {"day_to": date(2025, 4, 20)}),
    ("a range and a phrase", '"конкурс чтецов"', {"day_from": date(2025, 5, 1),
                                                  "day_to": date(2025, 9, 30)}),
    ("source filter", "учитель", {"sources": ["second", "reprint"]}),
    ("sort by date", "учитель OR конкурс", {"sort": "date"}),
    ("sort by date, grouped", "новость", {"sort": "date", "group": True}),
    ("grouped", "учитель", {"group": True}),
    ("all (ungrouped)", "учитель", {"group": False}),
    ("facets", "новость", {"facets": True, "group": True}),
    ("ids", "новость", {"ids": "some"}),
]


@pytest.mark.parametrize("pairs", [False, True], ids=["phrases re-read", "pair words"])
def test_same_answers_as_whoosh(tmp_path, database, monkeypatch, pairs):
    """`pair words`: chosen early (migration 005; at 100 articles, not 2,000), so the
    first rows get their pairs afterwards, read back from their tsvectors, and the later
    ones as they are written; phrases of those words are then looked up by their pairs."""
    from indexer import postgres_index

    if pairs:
        monkeypatch.setattr(postgres_index, "PAIRS_FROM", 100)
        monkeypatch.setattr(postgres_index, "FLUSH", 50)
        monkeypatch.setattr(postgres_index, "PAIR_SHARE", 0.03)  # «редкостный» twice: not
    export = corpus(tmp_path)
    whoosh, pg = App(DataDir(tmp_path / "w", None)), App(DataDir(tmp_path / "p", database))
    assert whoosh.import_file(export) == pg.import_file(export)
    assert pg.data_dir.index.count() == whoosh.data_dir.index.count() == 371
    with psycopg.connect(database) as conn:
        chosen = dict(conn.execute("SELECT word, number FROM pair_words").fetchall())
        pair = chosen.get("конкурс", 0) * 32768 + chosen.get("чтец", 0)
        paired = conn.execute("SELECT count(*) FROM articles WHERE pairs @> %s::integer[]",
                              ([pair],)).fetchone()[0]
    if pairs:
        assert {"новость", "номер", "конкурс", "чтец", "школьный"} <= set(chosen)
        assert "редкостный" not in chosen
        assert paired == whoosh.search('"конкурс чтецов"', group=False).total > 70
    else:
        assert not chosen and not paired
    some = sorted(pg.data_dir.index.ids())[::7]
    failures = []
    for label, text, options in QUERIES:
        options = {"group": False, **options}
        if options.get("ids") == "some":
            options["ids"] = some
        a = whoosh.search(text, limit=1000, **options)
        b = pg.search(text, limit=1000, **options)
        assert a.total > 0, label
        got = (b.total, b.articles, {h.id for h in b.hits})
        want = (a.total, a.articles, {h.id for h in a.hits})
        if got != want:
            failures.append(f"{label}: PostgreSQL {got[:2]}, Whoosh {want[:2]}, "
                            f"{len(got[2] ^ want[2])} ids differ")
        if options.get("sort") == "date":
            # newest first in both; ties (the same second) go in index order, which for an
            # article replaced during the import is Whoosh's segment order, so the ties are
            # compared as sets
            if [h.published for h in a.hits] != [h.published for h in b.hits]:
                failures.append(f"{label}: order differs")
            elif ties(a.hits) != ties(b.hits):
                failures.append(f"{label}: ties differ")
        else:
            assert all(h.score is not None for h in b.hits)
        if options.get("facets") and (a.days, a.sources) != (b.days, b.sources):
            failures.append(f"{label}: facets differ")
        # paging: a page of the same size and the same total
        page = pg.search(text, limit=5, offset=3, **options)
        assert page.total == b.total and len(page.hits) == min(5, max(0, b.total - 3)), label
    grouped = pg.search("новость", limit=1000, group=True)
    assert grouped.total < grouped.articles  # the reprints folded into stories
    assert any(h.story_size > 1 and h.reprints for h in grouped.hits)
    assert not failures, "\n".join(failures)
    # snippets mark the query's words, read from the readings table
    hit = pg.search("учитель", limit=1).hits[0]
    assert "\x02" in hit.snippet
    assert pg.data_dir.index.frequencies(["учитель", "нетслова"])["нетслова"] == 0
    # a misspelling is repaired from the archive's own word forms, alike on both
    assert pg.search("учитля", limit=1).suggestion == \
        whoosh.search("учитля", limit=1).suggestion == "учителя"
    whoosh.close()
    pg.close()


def ties(hits) -> list[frozenset[str]]:
    groups: dict[str | None, set[str]] = {}
    for hit in hits:
        groups.setdefault(hit.published, set()).add(hit.id)
    return [frozenset(g) for g in groups.values()]


def test_writes_replace_and_delete(tmp_path, database):
    from indexer.article import Article, article_id
    from indexer.postgres_index import PostgresIndex
    from search.query import build

    index = PostgresIndex(database)
    url = "https://x.example/1/"
    first = Article(id=article_id(url), url=url, source="x", title="Школа открылась",
                    body="В городе открылась новая школа", lead=None, published=None)
    assert index.add([first]) == 1
    schema = index.query_schema()
    assert index.search(build("школа", schema)).total == 1
    index.update([Article(**{**first.__dict__, "title": "Колледж открылся",
                             "body": "Новый колледж"})])
    assert index.count() == 1
    assert index.search(build("школа", schema)).total == 0
    assert index.search(build('"новый колледж"', schema)).total == 1
    with pytest.raises(RuntimeError), index.writing() as write:  # cancelled: nothing written
        write(Article(**{**first.__dict__, "id": "other", "url": "https://x.example/2/"}),
              True, None)
        raise RuntimeError("cancel")
    assert index.ids() == {first.id}
    assert index.delete([first.id, "absent"]) == 2
    assert index.count() == 0
    assert index.compact() == 0


def test_a_story_written_over_several_writes_is_counted_once(database):
    """The first article of a story is written alone; its reprints come in later writes,
    one replaced, one deleted: the grouped total stays one story (migration 004's
    `multi`, which lets the count skip DISTINCT for stories of one article)."""
    from indexer.article import Article, article_id
    from indexer.postgres_index import PostgresIndex
    from search.query import build

    def article(n: int) -> Article:
        url = f"https://x.example/{n}/"
        return Article(id=article_id(url), url=url, source="x", title=f"Школа {n}",
                       body="В городе открылась новая школа", lead=None, published=None)

    index = PostgresIndex(database)
    schema = index.query_schema()
    first, second, third, alone = article(1), article(2), article(3), article(4)
    story = first.id[:12]
    index.add([first, alone], {first.id: story})
    index.add([second], {second.id: story})
    index.update([third], {third.id: story})
    index.update([second], {second.id: story})  # written again: still one story

    def totals() -> tuple[int, int]:
        page = index.search(build("школа", schema), group=True)
        return page.articles, page.total

    assert totals() == (4, 2)
    index.delete([first.id])
    assert totals() == (3, 2)
    index.close()


def test_migrations_from_empty_and_from_older(database):
    from indexer.postgres_index import IndexNewer, PostgresIndex
    from indexer.sql import latest_version, migrate

    assert latest_version() >= 2
    assert migrate(database, upto=1) == 1  # an index made by the first schema
    with psycopg.connect(database) as conn:
        conn.execute("INSERT INTO articles (id, url, doc) VALUES ('a1', 'u', 'школа:1')")
        assert conn.execute("SELECT to_regclass('readings')").fetchone()[0] is None
    index = PostgresIndex(database)
    assert index.count() == 1  # opened: upgraded
    with psycopg.connect(database) as conn:
        versions = [v for v, in conn.execute("SELECT version FROM schema_version ORDER BY 1")]
        assert versions == list(range(1, latest_version() + 1))
        assert conn.execute("SELECT to_regclass('readings')").fetchone()[0] == "readings"
        # upgraded with articles in it: its readings do not cover them
        assert conn.execute("SELECT value FROM index_meta WHERE key = 'readings_complete'"
                            ).fetchone()[0] == "0"
        conn.execute("INSERT INTO schema_version (version, name) VALUES (999, 'future')")
    index.close()
    with pytest.raises(IndexNewer, match="newer than this newsmon") as refused:
        PostgresIndex(database).count()
    assert "\n" not in str(refused.value)


def test_an_older_index_answers_date_ranges_once_upgraded(database):
    """Migration 006 gives the rows already there their day lexemes: a range then finds
    them, and a row whose day is outside it stays out."""
    from whoosh.query import Or, Term

    from indexer.postgres_index import PostgresIndex
    from indexer.sql import migrate

    assert migrate(database, upto=5) == 5
    with psycopg.connect(database) as conn:
        for n, day in enumerate((20250301, 20250302, 0)):
            conn.execute("INSERT INTO articles (id, url, day, doc) VALUES (%s, %s, %s, "
                         "'школа:1')", (f"a{n}", f"u{n}", day))
    index = PostgresIndex(database)
    school = Or([Term("title", "школа"), Term("body", "школа")])
    assert index.search(school).total == 3
    found = index.search(school, day_from=date(2025, 3, 1), day_to=date(2025, 3, 1))
    assert [h.id for h in found.hits] == ["a0"]
    assert index.search(school, day_from=date(2025, 3, 1)).total == 2
    index.close()


def test_empty_database_gets_every_migration(database):
    from indexer.postgres_index import PostgresIndex
    from indexer.sql import latest_version

    assert PostgresIndex(database).count() == 0
    with psycopg.connect(database) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == \
            latest_version()
        assert conn.execute("SELECT value FROM index_meta WHERE key = 'readings_complete'"
                            ).fetchone()[0] == "1"


def test_more_matches_than_are_ranked(tmp_path, database, monkeypatch):
    """Past RANKED matches only some are ranked and past DATE_PREFIX a grouped page is
    read from the newest matches: the totals stay exact, sorted by date the pages stay
    Whoosh's, and ranked hits are matches, the ones with the word in the title first."""
    from indexer import pg_query

    export = corpus(tmp_path)
    whoosh, pg = App(DataDir(tmp_path / "w", None)), App(DataDir(tmp_path / "p", database))
    whoosh.import_file(export)
    pg.import_file(export)
    monkeypatch.setattr(pg_query, "RANKED", 8)
    monkeypatch.setattr(pg_query, "DATE_PREFIX", 5)
    for group in (False, True):
        for text in ("новость", "учитель", "учитель OR тренер", "source:reprint"):
            everything = {h.id for h in whoosh.search(text, limit=1000, group=False).hits}
            for offset in (0, 30):
                options = {"group": group, "limit": 10, "offset": offset}
                a = whoosh.search(text, sort="date", **options)
                b = pg.search(text, sort="date", **options)
                assert (b.total, b.articles) == (a.total, a.articles), (text, options)
                assert [h.published for h in b.hits] == [h.published for h in a.hits]
                ranked = pg.search(text, **options)
                assert (ranked.total, ranked.articles) == (a.total, a.articles)
                assert len(ranked.hits) == min(10, max(0, a.total - offset))
                assert {h.id for h in ranked.hits} <= everything
    # the word is in a few titles: with 8 ranked of many, those come first
    titled = [h for h in whoosh.search("учитель", limit=1000, group=False).hits
              if "учител" in h.title.lower()]
    best = pg.search("учитель", limit=len(titled), group=False).hits
    assert titled and {h.id for h in best} == {h.id for h in titled}
    faceted = pg.search("новость", limit=5, group=True, facets=True)
    assert sum(faceted.days.values()) == faceted.total - 1  # but the undated one
    whoosh.close()
    pg.close()


def test_index_of_schema_3_is_searched_as_a_new_one(database):
    """Migration 004 splits the old single tsvector (author B, section C, title A, body D)
    into its columns: an upgraded index answers field queries as a new one does."""
    from indexer.postgres_index import PostgresIndex
    from indexer.sql import migrate
    from search.query import build

    assert migrate(database, upto=3) == 3
    old = "'иванов':1B 'образование':3C 'школа':5A 'новый':7 'учитель':8"
    with psycopg.connect(database) as conn:
        conn.execute("INSERT INTO articles (id, url, title, doc) VALUES ('a1', 'u', 'Школа', "
                     "%s::tsvector)", (old,))
    index = PostgresIndex(database)
    schema = index.query_schema()
    for text, total in (("школа", 1), ("title:школа", 1), ("title:учитель", 0),
                        ("author:иванов", 1), ("иванов", 0), ("section:образование", 1),
                        ('"новый учитель"', 1), ("body:школа", 0)):
        assert index.search(build(text, schema)).total == total, text


def test_command_line(tmp_path, database):
    export = write_jsonl(tmp_path / "a.jsonl", records(40, seed=5))
    data = tmp_path / "data"
    db = ("--database", database)
    done = newsmon_here(*db, "import", str(export), data_dir=data)
    assert done.returncode == 0, done.stderr
    # the index and the archive are in PostgreSQL, not in the data dir
    assert not (data / "index").exists() and not (data / "archive.sqlite").exists()

    def search(*args: str) -> list[dict]:
        done = newsmon_here(*db, "search", *args, "--format", "json", "--limit", "100",
                            data_dir=data)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    found = search("новость", "--all")
    assert len(found) == 40
    assert newsmon_here(*db, "reindex", data_dir=data).returncode == 0
    compacted = newsmon_here(*db, "compact", data_dir=data)
    assert compacted.returncode == 0 and "no segments to merge" in compacted.stdout
    assert len(search("новость", "--all")) == 40
    with psycopg.connect(database) as conn:  # lost from the index: check restores them
        conn.execute("DELETE FROM articles WHERE id = ANY(%s)", ([h["id"] for h in found[:3]],))
    checked = newsmon_here(*db, "check", data_dir=data)
    assert checked.returncode == 0, checked.stderr
    assert len(search("новость", "--all")) == 40
    with psycopg.connect(database) as conn:
        conn.execute("INSERT INTO schema_version (version, name) VALUES (999, 'future')")
    refused = newsmon_here(*db, "search", "новость", data_dir=data)
    assert refused.returncode == 2
    assert "newer than this newsmon" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_crawl_into_postgres_answers_as_sqlite(tmp_path, site, database):
    """The fixture site crawled twice, into a SQLite data dir and with --database: every
    reading command gives the same answers, only the times of the crawl differ (and the
    relevance order: the index is PostgreSQL's too, ranked by ts_rank_cd)."""
    from conftest import write_sources

    sources = write_sources(tmp_path / "sources.toml", site.base)
    dirs = {"sqlite": (tmp_path / "s", ()), "postgres": (tmp_path / "p", ("--database", database))}

    def newsmon(backend: str, *args: str) -> str:
        data, db = dirs[backend]
        run = run_newsmon if args[0] == "crawl" else newsmon_here  # a crawl's own reactor
        done = run(*db, *args, data_dir=data, sources=sources)
        assert done.returncode == 0, (backend, args, done.stderr)
        assert "Traceback" not in done.stderr
        return done.stdout

    answers: dict[str, dict] = {}
    for backend in dirs:
        newsmon(backend, "watch", "add", "школы", "школа OR колледж", "--backfill", "all")
        newsmon(backend, "crawl")
        found = json.loads(newsmon(backend, "search", "школа", "--format", "json", "--all",
                                   "--limit", "100"))
        first = found[0]["id"]
        answers[backend] = {
            "search": sorted((h["id"], h["title"]) for h in found),
            "grouped": json.loads(newsmon(backend, "search", "новости", "--format", "json",
                                          "--sort", "date", "--limit", "100")),
            "count": newsmon(backend, "search", "образование", "--count"),
            "show": _timeless(json.loads(newsmon(backend, "show", first, "--format", "json"))),
            "stats": json.loads(newsmon(backend, "stats", "--format", "json")),
            "export": [_timeless(json.loads(line)) for line in
                       newsmon(backend, "export", "--format", "jsonl").splitlines()],
            "status": [{k: v for k, v in row.items() if k not in ("last_run", "next_run")}
                       for row in json.loads(newsmon(backend, "status", "--format", "json"))],
            "watches": newsmon(backend, "watch", "list").split()[:2],
            "digest": _timeless(json.loads(newsmon(backend, "digest", "--since", "2000-01-01",
                                                   "--format", "json"))),
            "rejected": [r["url"] for r in json.loads(newsmon(backend, "rejected", "--format",
                                                              "json"))],
        }
        newsmon(backend, "check")
        newsmon(backend, "reindex")
        assert json.loads(newsmon(backend, "stats", "--format", "json")) == \
            answers[backend]["stats"]
    assert answers["sqlite"]["stats"]["articles"] > 5
    assert answers["sqlite"]["digest"] and answers["sqlite"]["search"]
    for key, value in answers["sqlite"].items():
        assert answers["postgres"][key] == value, key
    # a second crawl of the database archive fetches no archived article again
    site.requests.clear()
    newsmon("postgres", "crawl")
    assert not [p for p in site.requests if "/news/" in p and p.endswith(".html")]
    assert not (tmp_path / "p" / "archive.sqlite").exists()


def _timeless(value):
    """A record without the times of the crawl that made it."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items()
                if k not in ("fetched", "archived", "matched", "since", "generated", "until")}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


def test_one_source_is_crawled_once_per_database(tmp_path, site, database):
    """Two machines (two data dirs) crawling one source into one database archive would
    fetch everything twice: the lock is in the database, and the second crawl refuses."""
    from conftest import write_sources

    from indexer.sql import try_locks

    sources = write_sources(tmp_path / "sources.toml", site.base)
    held, busy = try_locks(database, ["testsite"])
    assert busy is None
    try:
        refused = run_newsmon("--database", database, "crawl", data_dir=tmp_path / "other",
                              sources=sources)
    finally:
        held.close()
    assert refused.returncode == 2
    assert "already being crawled" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_web_page_reads_the_database_archive(tmp_path, database):
    """`newsmon serve --database …`: the search page and an article page, the article read
    from the PostgreSQL archive (nothing in the data dir)."""
    from starlette.testclient import TestClient

    from search.web.app import close_app, create_app

    items = records(20, seed=4)
    export = write_jsonl(tmp_path / "a.jsonl", items)
    data = tmp_path / "data"
    assert newsmon_here("--database", database, "import", str(export),
                        data_dir=data).returncode == 0
    web = create_app(App(DataDir(data, database)))
    try:
        client = TestClient(web)
        page = client.get("/", params={"q": "новость"})
        assert page.status_code == 200
        first = re.findall(r'<h2><a href="/article/([0-9a-f]+)"', page.text)[0]
        article = client.get(f"/article/{first}")
        assert article.status_code == 200
        title = next(r["title"] for r in items if article_id(r["url"]) == first)
        assert html.escape(title, quote=False) in article.text
    finally:
        close_app(web)
    assert not (data / "archive.sqlite").exists()


def test_an_index_without_pair_words_gets_them_when_rebuilt(tmp_path, database, monkeypatch):
    """An index past the size at which pair words are chosen as it is written (one
    upgraded to schema 5, say) has none: its phrases are re-read, right but slow.
    `reindex` chooses them and gives every row its pairs; the answers stay the same."""
    from indexer import postgres_index
    from indexer.article import Article

    items = records(300, seed=5)
    for item in items[::3]:
        item["body"] += " Школьный конкурс чтецов."
    articles = [Article.from_json(item) for item in items]
    monkeypatch.setattr(postgres_index, "PAIRS_UNTIL", 50)  # 300 is "too many" to choose
    index = postgres_index.PostgresIndex(database)
    index.add(articles)
    from search.query import build

    query = build('"конкурс чтецов"', index.query_schema())
    before = index.search(query, limit=500)
    with psycopg.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM pair_words").fetchone()[0] == 0
    monkeypatch.setattr(postgres_index, "PAIRS_FROM", 100)
    monkeypatch.setattr(postgres_index, "PAIRS_UNTIL", 20_000)
    monkeypatch.setattr(postgres_index, "FLUSH", 50)
    assert index.rebuild(articles) == 300
    with psycopg.connect(database) as conn:
        chosen = dict(conn.execute("SELECT word, number FROM pair_words").fetchall())
        paired = conn.execute("SELECT count(*) FROM articles WHERE pairs <> '{}'").fetchone()[0]
    assert {"конкурс", "чтец"} <= set(chosen) and paired == 300
    after = index.search(query, limit=500)
    assert after.total == before.total == 100
    assert {h.id for h in after.hits} == {h.id for h in before.hits}
    index.close()
