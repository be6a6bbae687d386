"""The archive (indexer/archive.py) and its stories (indexer/stories.py) on both backends:
a SQLite file and a PostgreSQL database (issue 18), the same calls giving the same answers.
Then what only PostgreSQL has: its numbered migrations, and several writers at once.

The PostgreSQL cases need PostgreSQL on 127.0.0.1:5432 (see conftest's `database`)."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_stories import family, negatives

sys.path.insert(0, str(Path(__file__).resolve().parent / "faults"))

from indexer import stories
from indexer.archive import Archive, ReadOnly
from indexer.article import Article, article_id


@pytest.fixture(params=["sqlite", "postgres"])
def target(request, tmp_path):
    """What Archive() opens: a SQLite file, or a fresh PostgreSQL database's URL."""
    if request.param == "sqlite":
        return tmp_path / "archive.sqlite"
    return request.getfixturevalue("database")


def article(n: int, **changes) -> Article:
    url = f"https://x.example/news/{n}/"
    fields = dict(id=article_id(url), url=url, source="x", title=f"Новость {n}",
                  body=f"Текст новости номер {n}. " * 20, lead=None,
                  published=datetime(2025, 3, n % 28 + 1, 10, tzinfo=UTC))
    return Article(**{**fields, **changes})


def test_save_new_unchanged_updated(target):
    with Archive(target) as archive:
        first = article(1)
        assert archive.save(first, b"<html>1</html>", ["https://x.example/n?id=1"]) == "new"
        assert archive.save(first) == "unchanged"
        assert archive.save(article(1, title="Новость 1, дополнено")) == "updated"
        assert archive.count() == 1
        # the raw HTML stays when a version without it replaces the text
        assert archive.html(first.id) == b"<html>1</html>"
        assert archive.get("https://x.example/n?id=1").title == "Новость 1, дополнено"
        assert archive.get(first.url).published == first.published
        assert archive.get("absent") is None
        assert archive.unindexed()[0].id == first.id
        archive.mark_indexed([first.id])
        assert archive.unindexed() == []
        with pytest.raises(RuntimeError), archive.transaction():  # all or nothing
            archive.save(article(2))
            raise RuntimeError("cancelled")
        assert archive.ids() == {first.id}
        assert archive.texts([first.id])[first.id].startswith("Текст новости номер 1")
        assert archive.stats()["by_month"] == {"2025-03": 1}


def test_save_many_answers_as_save_does(target):
    """An import's batch: the same states as one save() at a time, a second version of
    an article in the same batch included, and what discovery said of a URL kept."""
    with Archive(target) as archive:
        archive.save(article(1))
        archive.frontier_add("x", article(3).url, {"title": "Из ленты"})
        batch = [article(1), article(2), article(3), article(2, title="Новость 2, дополнено"),
                 article(1, body="Другой текст")]
        assert archive.save_many(batch) == ["unchanged", "new", "new", "updated", "updated"]
        assert archive.get(article(2).url).title == "Новость 2, дополнено"
        assert archive.get(article(1).url).body == "Другой текст"
        assert archive.count() == 3
        assert archive.hints(article(3).id) == {"title": "Из ленты"}
        assert archive.frontier(["x"]) == []
        assert archive.save_many([]) == []
        assert archive.save_many([article(3)]) == ["unchanged"]


def test_urls_and_known_urls(target):
    with Archive(target) as archive:
        archive.save(article(1), fetched_urls=["https://x.example/old/1"])
        archive.save(article(2, source="y"))
        archive.frontier_add("x", "https://x.example/listing/")
        archive.frontier_done("https://x.example/listing/", skipped="a listing",
                              kind="rejected")
        known = archive.known_urls()
        assert {"https://x.example/news/1/", "https://x.example/old/1",
                "https://x.example/news/2/", "https://x.example/listing/"} <= known
        assert "https://x.example/news/2/" not in archive.known_urls(["x"])
        assert archive.rejected(["x"])[0]["reason"] == "a listing"
        assert archive.problem_counts()["x"]["rejected"] == 1
        assert archive.source_names() == {"x", "y"}


def test_frontier_resumes_with_its_hints(target):
    with Archive(target) as archive:
        archive.frontier_add("x", "https://x.example/news/1/")
        archive.frontier_add("x", "https://x.example/news/1/", {"title": "Из ленты"})
        archive.frontier_add("x", "https://x.example/news/1/")  # found again: hints kept
        archive.frontier_add("x", "https://x.example/news/2/")
        archive.frontier_add("other", "https://other.example/1/")
    with Archive(target) as archive:  # an interrupted crawl starts from these
        assert archive.frontier(["x"]) == [
            ("x", "https://x.example/news/1/", {"title": "Из ленты"}),
            ("x", "https://x.example/news/2/", {})]
        archive.save(article(1))  # archived: out of the frontier, its hints kept with it
        assert archive.hints(article(1).id) == {"title": "Из ленты"}
        archive.frontier_done("https://x.example/news/2/")
        assert archive.frontier(["x"]) == []
        archive.save_validators({"https://x.example/rss.xml": ("e1", None)})
        archive.save_validators({"https://x.example/rss.xml": ("e2", "Mon")})
        assert archive.validators() == {"https://x.example/rss.xml": ("e2", "Mon")}


def test_runs(target):
    with Archive(target) as archive:
        archive.run_started("r1", ["x", "y"], 100, "log1")
        archive.run_finished("r1", "x", pages=5, new=2, updated=1, messages=[], outcome="ok")
        archive.run_ended_abnormally("r1", "killed", "killed by signal 9")
        runs = {r["source"]: r for r in archive.runs()}
        assert runs["x"]["outcome"] == "ok" and runs["x"]["articles_new"] == 2
        assert runs["y"]["outcome"] == "killed" and runs["y"]["messages"] == [
            "killed by signal 9"]
        archive.run_started("r2", ["x"], 101, "log2")
        assert archive.latest_runs()["x"]["run_id"] in ("r1", "r2")
        assert archive.run_counts() == {"x": 2, "y": 1}
        assert [r["run_id"] for r in archive.runs("y")] == ["r1"]


def test_watches_and_deliveries(target):
    with Archive(target) as archive:
        archive.save(article(1))
        archive.save_watch("школы", "школа", None, skipped=["old-story"])
        archive.add_watch_hits([("школы", article(1).id, "r1"), ("школы", article(1).id, "r2")])
        assert archive.watches()[0]["hits"] == 1
        assert list(archive.watch_hits("школы", "2000")) == [article(1).id]
        assert archive.delivered("школы", "mail") == {"old-story"}  # '*': every channel
        sent = [("школы", "s1", article(1).id), ("школы", "s1", article(1).id)]
        assert archive.record_deliveries("mail", sent) == 1  # a double write refused
        assert archive.delivered("школы", "mail") == {"old-story", "s1"}
        assert archive.delivered("школы", "telegram") == {"old-story"}
        archive.record_attempt("mail", ok=True, error=None, sent=1, pending=0)
        archive.record_attempt("mail", ok=False, error="timed out", sent=0, pending=1)
        attempt = archive.channel_attempts()["mail"]
        assert attempt["ok"] is False and attempt["error"] == "timed out"
        assert attempt["last_ok"]  # kept from the attempt that worked
        archive.save_watch("школы", "школа OR колледж", "x")  # replaced: deliveries afresh
        assert archive.delivered("школы", "mail") == set()
        assert archive.watches()[0]["query"] == "школа OR колледж"
        assert archive.remove_watch("школы") and not archive.remove_watch("школы")
        assert archive.watches() == []


def test_stories_assignment(target):
    batch = [Article.from_json(r) for r in family() + negatives()]
    with Archive(target) as archive:
        with archive.transaction():
            for item in batch:
                archive.save(item)
            found = stories.Stories(archive.db).assign(batch)
        original = article_id("https://obraz.example/news/1/")
        family_ids = [article_id(r["url"]) for r in family()]
        assert {found[i] for i in family_ids} == {found[family_ids[0]]}
        assert len(set(found.values())) == 3  # the family; the follow-up; the other topic
        named = stories.Stories(archive.db)
        members = named.members([found[original]])[found[original]]
        assert members[0]["id"] == original  # earliest published first
        assert named.sizes([found[original]]) == {found[original]: 4}
        counts = named.counts()
        assert counts["stories"] == 3
        assert counts["by_source_stories"]["obraz"] == {"first": 1, "reprints": 0}
        assert archive.story_of(original) == found[original]
        assert named.unassigned() == 0
        with archive.transaction():
            named.rebuild()  # publication order: the story is named after its original
        assert stories.Stories(archive.db).story_of([original]) == {original: original}
        with archive.transaction():  # assigned again: the story stands
            assert stories.Stories(archive.db).assign(batch[:1])[batch[0].id] == original


def test_a_reader_refuses_writes(target):
    Archive(target).close()
    with Archive(target, readonly=True) as archive:
        assert archive.count() == 0
        with pytest.raises(ReadOnly), archive.transaction():
            pass
        with pytest.raises(ReadOnly):
            archive.save(article(1))
        with pytest.raises(ReadOnly):
            archive.save_watch("w", "q", None)
    with Archive(target) as archive:
        assert archive.watches() == []


def test_export_and_import_move_an_archive(tmp_path, database):
    """`newsmon export --format jsonl | newsmon --database URL import -`: every article
    and the same stories."""
    import json
    import subprocess

    from conftest import NEWSMON, ROOT, newsmon_here
    from synthetic import records, write_jsonl

    items = records(30, seed=9) + [dict(r, url=r["url"] + "copy/", source="reprint")
                                   for r in family()] + family()
    export = write_jsonl(tmp_path / "in.jsonl", items)
    # one data dir, as a user moves the archive of an older newsmon into the database
    sqlite_dir = pg_dir = tmp_path / "data"
    assert newsmon_here("import", str(export), data_dir=sqlite_dir).returncode == 0
    moved = newsmon_here("export", "--format", "jsonl", data_dir=sqlite_dir)
    assert moved.returncode == 0, moved.stderr
    # the pipe, as a user types it
    export_cmd = [*NEWSMON, "--data-dir", str(sqlite_dir), "export", "--format", "jsonl"]
    import_cmd = [*NEWSMON, "--data-dir", str(pg_dir), "--database", database, "import", "-"]
    with subprocess.Popen(export_cmd, stdout=subprocess.PIPE, cwd=ROOT) as exporting:
        done = subprocess.run(import_cmd, stdin=exporting.stdout, capture_output=True,
                              text=True, cwd=ROOT, timeout=120)
    assert exporting.returncode == 0
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"imported {len(items)} articles")

    def stats(*args: str) -> dict:
        done = newsmon_here(*args, "stats", "--format", "json", data_dir=pg_dir)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    assert stats("--database", database) == json.loads(newsmon_here(
        "stats", "--format", "json", data_dir=sqlite_dir).stdout)
    again = newsmon_here("--database", database, "export", "--format", "jsonl",
                         data_dir=pg_dir)
    assert again.stdout == moved.stdout  # the same records, stories included


# --- PostgreSQL only -------------------------------------------------------------------------

def test_migrations_from_empty_and_from_an_index_only_database(database):
    """A database an older newsmon made holds the index (migrations 001, 002) with its
    articles: opening the archive there adds 003, the index's rows untouched."""
    import psycopg

    from indexer.sql import SchemaNewer, forget, latest_version, migrate

    assert migrate(database, upto=2) == 2
    with psycopg.connect(database) as conn:
        conn.execute("INSERT INTO articles (id, url, doc) VALUES ('a1', 'u', 'школа:1')")
    with pytest.raises(ReadOnly, match="older than this newsmon"):  # a reader cannot upgrade
        Archive(database, readonly=True)
    with Archive(database) as archive:
        assert archive.count() == 0
        archive.save(article(1))
    with psycopg.connect(database) as conn:
        versions = [v for v, in conn.execute("SELECT version FROM schema_version ORDER BY 1")]
        assert versions == list(range(1, latest_version() + 1))
        assert conn.execute("SELECT id FROM public.articles").fetchall() == [("a1",)]
        assert conn.execute("SELECT count(*) FROM archive.articles").fetchone()[0] == 1
        conn.execute("INSERT INTO schema_version (version, name) VALUES (999, 'future')")
    forget(database)
    with pytest.raises(SchemaNewer, match="newer than this newsmon"):  # never misread
        Archive(database)


def test_an_older_sqlite_archive_beside_a_database_is_not_silently_ignored(tmp_path, database):
    """An older newsmon kept the archive in the data dir with the index in the database:
    the empty database archive is not taken for it."""
    from conftest import newsmon_here
    from synthetic import records, write_jsonl

    export = write_jsonl(tmp_path / "a.jsonl", records(5, seed=2))
    data = tmp_path / "data"
    assert newsmon_here("import", str(export), data_dir=data).returncode == 0
    refused = newsmon_here("--database", database, "stats", data_dir=data)
    assert refused.returncode == 2
    assert "export --format jsonl" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_several_writers_one_database(database):
    """Crawl workers write one archive at once: the same article from two of them is one
    row with one story, and each one's articles are all there."""
    Archive(database).close()
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            with Archive(database) as archive:
                for n in range(20):
                    item = article(worker * 100 + n) if n % 2 else article(n)  # shared: even
                    with archive.transaction():
                        if archive.save(item) != "unchanged":
                            stories.Stories(archive.db).assign([item])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in (1, 2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    with Archive(database) as archive:
        assert archive.count() == 10 + 3 * 10
        counts = stories.Stories(archive.db).counts()
        assert sum(v["first"] + v["reprints"] for v in counts["by_source_stories"].values()) \
            == archive.count()
        assert len(archive.known_urls()) == archive.count()


def test_backup_points_to_pg_dump(tmp_path, database):
    from conftest import newsmon_here

    done = newsmon_here("--database", database, "backup", str(tmp_path / "b"),
                        data_dir=tmp_path / "d")
    assert done.returncode == 2
    assert "pg_dump" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_cutoff_of_skipped_urls(target):
    """A URL skipped more than SKIP_DAYS ago may be fetched again, on both backends."""
    from indexer.archive import SKIP_DAYS

    with Archive(target) as archive:
        archive.frontier_done("https://x.example/gone/", skipped="HTTP 404", kind="http")
        assert "https://x.example/gone/" in archive.known_urls()
        old = (datetime.now(UTC) - timedelta(days=SKIP_DAYS + 1)).isoformat()
        with archive.transaction():
            archive.db.execute("UPDATE skipped SET seen = ?", (old,))
        assert "https://x.example/gone/" not in archive.known_urls()


def test_held_lock_is_waited_for_across_sessions(database):
    """Watch delivery on several machines: the second delivery starts only when the first
    has ended (they would otherwise both send the same matches)."""
    from indexer.sql import held_lock

    order: list[str] = []
    first_holds, second_tries = threading.Event(), threading.Event()

    def second() -> None:
        first_holds.wait(10)
        second_tries.set()
        with held_lock(database, "notify"):
            order.append("second")

    thread = threading.Thread(target=second)
    thread.start()
    with held_lock(database, "notify"):
        first_holds.set()
        second_tries.wait(10)
        thread.join(0.5)  # it waits on the lock, so it cannot have finished yet
        order.append("first")
    thread.join(10)
    assert order == ["first", "second"]
    with held_lock(database, "notify"), held_lock(database, "other"):
        pass  # other names do not wait on each other
