"""The application layer in-process: what the command line and the web page both call.

The CLI prints what these methods return, so its answers are checked against them, and
what is computed here (staleness, next runs, watches and digests) is checked directly.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from crawler.config import load_config
from indexer.archive import ReadOnly
from indexer.store import DataDir
from search.app import App, Invalid, NotFound
from search.query import QueryError


@pytest.fixture
def app(crawled):
    with App(DataDir(crawled.data_dir), load_config(crawled.sources)) as app:
        yield app


@pytest.fixture
def own(crawled, tmp_path):
    """A data dir of this test's own, written by the app: the crawled archive imported."""
    with App(DataDir(crawled.data_dir)) as shared:
        lines = [json.dumps(r, ensure_ascii=False) for r in shared.export()]
    dump = tmp_path / "all.jsonl"
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with App(DataDir(tmp_path / "data"), load_config(crawled.sources)) as app:
        assert app.import_file(dump)["new"] == len(lines)
        yield app


def test_the_cli_prints_what_the_app_answers(app, cli):
    page = app.search("школа", sort="date", limit=5)
    code, out, _ = cli("search", "школа", "--sort", "date", "--limit", "5", "--format", "json")
    assert code == 0 and page.total > 1
    assert [h["id"] for h in json.loads(out)] == [h.id for h in page.hits]
    code, out, _ = cli("search", "школа", "--count")
    assert int(out) == page.total


def test_an_article_by_id_or_url_with_its_story(app):
    hit = app.search("школа", limit=1).hits[0]
    by_id = app.article(hit.id)
    by_url = app.article(by_id.article.url)
    assert by_url.article.id == hit.id and by_id.story == hit.story
    assert by_id.to_json()["story"] == hit.story
    assert hit.id in [m["id"] for m in by_id.members]
    with pytest.raises(NotFound):
        app.article("https://nowhere.example/none/")


def test_search_refuses_a_range_that_ends_before_it_starts(app):
    with pytest.raises(Invalid):
        app.search("школа", day_from=date(2025, 9, 1), day_to=date(2025, 8, 1))


def test_stats_and_export_agree(app):
    stats = app.stats()
    exported = list(app.export())
    assert stats["articles"] == len(exported) == sum(stats["by_source"].values())
    assert len({r["story"] for r in exported}) == stats["stories"]
    assert all(r["story"] for r in exported)


def test_status_says_when_the_next_run_is_due_and_when_a_source_went_stale(own):
    archive = own.data_dir.open_archive()
    slug = next(iter(own.config.sources))
    every = own.config.sources[slug].every_seconds
    assert own.status()[0]["last_run"] is None
    for number in range(3):
        archive.run_started(f"run{number}", [slug], 1, "log")
        archive.run_finished(f"run{number}", slug, pages=4, new=0, updated=0, messages=[],
                             outcome="ok")
    row = next(r for r in own.status() if r["source"] == slug)
    assert row["runs"] == 3 and row["stale"] is True
    started = datetime.fromisoformat(row["last_run"]["started"])
    assert datetime.fromisoformat(row["next_run"]) == started + timedelta(seconds=every)
    archive.run_started("run3", [slug], 1, "log")
    archive.run_finished("run3", slug, pages=4, new=2, updated=0, messages=[], outcome="ok")
    archive.close()
    assert next(r for r in own.status() if r["source"] == slug)["stale"] is False


def test_watches_are_checked_when_added_and_matched_once_per_story(own):
    with pytest.raises(Invalid):
        own.add_watch(" ", "школа")
    with pytest.raises(QueryError):
        own.add_watch("bad", "школа AND (")
    own.add_watch("школы", "школа")
    assert [w["name"] for w in own.watches()] == ["школы"]
    ids = [a["id"] for a in own.export()]
    added = own.record_hits("run1", ids)
    matching = own.search("школа", limit=1000)
    assert added == matching.total  # one hit per story, not per reprint
    assert own.record_hits("run2", ids) == 0  # matched before: not news again
    groups = own.digest(date(2000, 1, 1))
    assert [g["watch"] for g in groups] == ["школы"]
    assert {h["id"] for h in groups[0]["hits"]} == {h.id for h in matching.hits}
    own.remove_watch("школы")
    assert own.watches() == []
    with pytest.raises(NotFound):
        own.remove_watch("школы")


def test_a_reader_never_writes(app):
    archive = app.data_dir.open_archive(readonly=True)
    with pytest.raises(ReadOnly), archive.transaction():
        pass
    archive.close()


def test_a_timeline_counts_every_match_by_period_and_source(app):
    page = app.search("школа OR колледж", group=False, limit=1000)
    by_month = app.timeline("школа OR колледж", by="month", group=False)
    assert by_month.total == page.total
    assert sum(n for _, n in by_month.counts) + by_month.undated == page.total
    months: dict[date, int] = {}
    for hit in page.hits:
        if hit.published:
            key = date.fromisoformat(hit.published[:10]).replace(day=1)
            months[key] = months.get(key, 0) + 1
    assert {d: n for d, n in by_month.counts if n} == months
    assert all(d.day == 1 for d, _ in by_month.counts)
    assert dict(by_month.sources) == {"testsite": page.total}
    by_day = app.timeline("школа OR колледж", group=False)  # the range picks the period
    assert by_day.by in ("day", "week", "month")
    assert sum(n for _, n in by_day.counts) == sum(n for _, n in by_month.counts)
    with pytest.raises(Invalid):
        app.timeline("школа", by="fortnight")
