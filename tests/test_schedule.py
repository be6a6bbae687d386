"""`newsmon schedule` left running: repeated runs, isolation of failures, clean shutdown,
resumption after kill -9, watch lists and digests."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import FIXTURES, NEWSMON, ROOT, newsmon_here, run_newsmon, write_sources

from crawler.serve import SiteServer

DEMO_SITE = ROOT / "crawler" / "demo_site"


def demo_entry(slug: str, base: str, every: str = "1h") -> str:
    return f"""
[sources.{slug}]
name = "{slug}"
home = "{base}/"
feeds = ["{base}/rss.xml"]
listings = ["{base}/news/"]
every = "{every}"
delay = 0
concurrency = 4
"""


def start_schedule(data_dir: Path, sources: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([*NEWSMON, "--data-dir", str(data_dir), "--sources", str(sources),
                             "schedule", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)


def runs(data_dir: Path) -> list[dict]:
    path = data_dir / "archive.sqlite"
    if not path.exists():
        return []
    db = sqlite3.connect(path, timeout=10)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM runs ORDER BY started")]
    except sqlite3.OperationalError:
        return []
    finally:
        db.close()


def wait_for(condition, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def stop(process: subprocess.Popen, timeout: float = 30) -> tuple[int, str, str]:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def article_paths(requests: list[str]) -> list[str]:
    return [r for r in requests if r.count("/") >= 3 and "/page/" not in r]


def test_runs_repeat_survive_a_crash_and_stop_cleanly(tmp_path):
    with SiteServer(FIXTURES / "site") as fixture, SiteServer(DEMO_SITE, delay=0.5) as slow:
        sources = write_sources(tmp_path / "sources.toml", fixture.base, every='"1s"')
        with sources.open("a", encoding="utf-8") as handle:
            handle.write(demo_entry("slow", slow.base, every="1s"))
        data_dir = tmp_path / "data"
        scheduler = start_schedule(data_dir, sources)
        try:
            # crash injection: kill -9 the slow source's crawl while it is fetching
            victim = wait_for(lambda: next((r for r in runs(data_dir) if r["source"] == "slow"
                                            and r["outcome"] == "running"), None),
                              what="a running crawl of the slow source")
            os.kill(victim["pid"], signal.SIGKILL)
            wait_for(lambda: sum(r["source"] == "testsite" and r["outcome"] == "ok"
                                 for r in runs(data_dir)) >= 3, what="three testsite runs")
            wait_for(lambda: any(r["source"] == "slow" and r["outcome"] == "ok"
                                 for r in runs(data_dir)), what="a slow run after the crash")
        finally:
            code, out, err = stop(scheduler)
        assert code == 0, err
        assert "Traceback" not in out + err
        history = runs(data_dir)
        crashed = [r for r in history if r["run_id"] == victim["run_id"]]
        assert crashed[0]["outcome"] == "crashed"
        assert "SIGKILL" in crashed[0]["messages"]
        assert not [r for r in history if r["outcome"] == "running"]
        # several runs, yet no page fetched twice: 13 articles, a soft 404 and a dead link,
        # the last two remembered as not articles
        fetched = Counter(article_paths(fixture.requests))
        assert len(fetched) == 15 and set(fetched.values()) == {1}, fetched
        assert {p for p in fetched if "staraya" in p or "udalennaya" in p} == {
            "/obrazovanie/staraya-stranica-100000/", "/obrazovanie/udalennaya-100001/"}
        status = json.loads(newsmon_here("status", "--format", "json", data_dir=data_dir,
                                         sources=sources).stdout)
        by_source = {row["source"]: row for row in status}
        assert by_source["testsite"]["runs"] >= 3
        assert by_source["testsite"]["last_run"]["ok"] is True
        assert by_source["slow"]["articles"] == 7
        assert "start testsite" in out and "end slow" in out
        assert (data_dir / "logs" / "schedule.log").exists()


def test_hanging_run_is_killed_after_the_limit(tmp_path):
    with SiteServer(FIXTURES / "site") as fixture, SiteServer(DEMO_SITE, delay=30) as hanging:
        sources = write_sources(tmp_path / "sources.toml", fixture.base)
        with sources.open("a", encoding="utf-8") as handle:
            handle.write(demo_entry("hangs", hanging.base))
        data_dir = tmp_path / "data"
        result = subprocess.run([*NEWSMON, "--data-dir", str(data_dir), "--sources",
                                 str(sources), "schedule", "--once", "--timeout", "8"],
                                capture_output=True, text=True, cwd=ROOT, timeout=60)
        # 8 s: the healthy source's crawl ends within it even on a busy machine
        assert result.returncode == 1  # one source did not finish
        outcomes = {r["source"]: r["outcome"] for r in runs(data_dir)}
        assert outcomes == {"testsite": "ok", "hangs": "timeout"}
        # --once again: nothing is due yet
        again = subprocess.run([*NEWSMON, "--data-dir", str(data_dir), "--sources",
                                str(sources), "schedule", "--once", "testsite"],
                               capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert again.returncode == 0 and len(runs(data_dir)) == 2


def test_a_second_scheduler_is_refused(tmp_path, site):
    sources = write_sources(tmp_path / "sources.toml", site.base)
    data_dir = tmp_path / "data"
    first = start_schedule(data_dir, sources)
    try:
        wait_for(lambda: (data_dir / "schedule.lock").exists() and runs(data_dir),
                 what="the first scheduler")
        second = run_newsmon("schedule", data_dir=data_dir, sources=sources, timeout=30)
        assert second.returncode == 2
        assert "another `newsmon schedule` is already running" in second.stderr
    finally:
        assert stop(first)[0] == 0


def test_watch_digest_lists_exactly_the_new_matching_articles(tmp_path, site):
    data_dir = tmp_path / "data"
    with SiteServer(DEMO_SITE) as demo:
        sources = write_sources(tmp_path / "sources.toml", site.base)
        with sources.open("a", encoding="utf-8") as handle:
            handle.write(demo_entry("demo", demo.base))
        assert run_newsmon("crawl", "demo", data_dir=data_dir, sources=sources).returncode == 0
        added = newsmon_here("watch", "add", "spo", "колледжи OR техникум", data_dir=data_dir,
                             sources=sources)
        assert added.returncode == 0, added.stderr
        bad = newsmon_here("watch", "add", "broken", '"колледж', data_dir=data_dir,
                           sources=sources)
        assert bad.returncode == 2 and "unbalanced quote" in bad.stderr
        assert run_newsmon("crawl", "testsite", data_dir=data_dir,
                           sources=sources).returncode == 0
    digest = json.loads(newsmon_here("digest", "--format", "json", data_dir=data_dir,
                                     sources=sources).stdout)
    (group,) = digest
    # a digest covers what the archive took in since the day, whether the watch existed
    # then or not: the demo site's college article, archived before the watch, is in it
    titles = {h["title"] for h in group["hits"] if h["source"] == "testsite"}
    assert titles == {
        "Волгоградский опыт в развитии системы СПО получил федеральное признание",
        "Комитет образования подвёл итоги приёмной кампании в колледжах",
    }
    assert any(h["source"] == "demo" for h in group["hits"])
    markdown = newsmon_here("digest", "--format", "markdown", "--write", str(tmp_path / "d"),
                            data_dir=data_dir, sources=sources)
    assert "## spo" in markdown.stdout and "**колледж" in markdown.stdout
    assert len(list((tmp_path / "d").glob("digest-*.md"))) == 1
    listed = newsmon_here("watch", "list", data_dir=data_dir, sources=sources).stdout
    assert "spo" in listed and "2 hits" in listed
    assert newsmon_here("watch", "rm", "spo", data_dir=data_dir, sources=sources).returncode == 0
    assert newsmon_here("watch", "rm", "spo", data_dir=data_dir, sources=sources).returncode == 1


def test_status_flags_a_source_that_stopped_producing(tmp_path, site, monkeypatch):
    import indexer.archive
    from indexer.archive import Archive

    sources = write_sources(tmp_path / "sources.toml", site.base)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    # run times are kept to the second: each run a minute after the last, an hour ago
    clock = iter(range(10_000))
    hour_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    monkeypatch.setattr(indexer.archive, "_now", lambda: (
        hour_ago + timedelta(minutes=next(clock))).isoformat())
    with Archive(data_dir / "archive.sqlite") as archive:
        for n, new in enumerate([5, 0, 0, 0]):
            archive.run_started(f"run{n}", ["testsite"], 1, "log")
            archive.run_finished(f"run{n}", "testsite", pages=3, new=new, updated=0,
                                 messages=[], outcome="ok")
    (row,) = json.loads(newsmon_here("status", "--format", "json", data_dir=data_dir,
                                     sources=sources).stdout)
    assert row["runs"] == 4 and row["stale"] is True
    table = newsmon_here("status", data_dir=data_dir, sources=sources).stdout
    assert "no new articles in the last 3 runs" in table
    with Archive(data_dir / "archive.sqlite") as archive:  # the source produces again
        archive.run_started("run4", ["testsite"], 1, "log")
        archive.run_finished("run4", "testsite", pages=3, new=2, updated=0, messages=[],
                             outcome="ok")
    (row,) = json.loads(newsmon_here("status", "--format", "json", data_dir=data_dir,
                                     sources=sources).stdout)
    assert row["runs"] == 5 and row["stale"] is False
