"""SIGKILL at random moments, concurrent searches and crawls: the archive keeps every
article exactly once and the index ends consistent with it."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import time

from conftest import FIXTURES, NEWSMON, ROOT, run_newsmon, write_sources

from crawler.serve import SiteServer
from indexer.whoosh_index import WhooshIndex as Index


def archived(data_dir) -> int:
    try:
        db = sqlite3.connect(data_dir / "archive.sqlite", timeout=10)
        return db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


def start_crawl(data_dir, sources) -> subprocess.Popen:
    return subprocess.Popen([*NEWSMON, "--data-dir", str(data_dir), "--sources", str(sources),
                             "crawl"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_random_sigkills_then_a_full_crawl_leave_each_article_once(tmp_path):
    rng = random.Random(20261126)
    with SiteServer(FIXTURES / "site", delay=0.25) as slow:
        sources = write_sources(tmp_path / "sources.toml", slow.base, concurrency="2")
        data_dir = tmp_path / "data"
        kills = []
        for _ in range(4):  # four crawls, each killed at a random moment
            crawl = start_crawl(data_dir, sources)
            moment = rng.uniform(0.2, 3.0)
            time.sleep(moment)
            crawl.kill()
            crawl.wait()
            kills.append((round(moment, 2), archived(data_dir)))
        final = run_newsmon("crawl", data_dir=data_dir, sources=sources)
        assert final.returncode == 0, (kills, final.stderr)
    db = sqlite3.connect(data_dir / "archive.sqlite")
    assert db.execute("SELECT COUNT(*), COUNT(DISTINCT url) FROM articles").fetchone() == (13, 13)
    assert db.execute("SELECT COUNT(*) FROM frontier").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM articles WHERE indexed = 0").fetchone()[0] == 0
    ids = {row[0] for row in db.execute("SELECT id FROM articles")}
    assert Index(data_dir / "index").ids() == ids
    check = run_newsmon("check", data_dir=data_dir, sources=sources)
    assert check.returncode == 0 and "0 missing added, 0 stray removed" in check.stdout
    killed_runs = db.execute("SELECT COUNT(*) FROM runs WHERE outcome = 'running'").fetchone()[0]
    assert killed_runs <= 4  # a killed crawl cannot record its own end; the scheduler does


def test_check_repairs_an_index_that_lost_and_gained_documents(tmp_path, site):
    sources = write_sources(tmp_path / "sources.toml", site.base)
    data_dir = tmp_path / "data"
    assert run_newsmon("crawl", data_dir=data_dir, sources=sources).returncode == 0
    index = Index(data_dir / "index")
    some = sorted(index.ids())[:3]
    index.delete(some)
    from indexer.article import Article

    index.add([Article(id="stray0000000", url="https://x.example/a/", title="Лишний",
                       body="лишний документ")])
    check = run_newsmon("check", data_dir=data_dir, sources=sources)
    assert "3 missing added, 1 stray removed" in check.stdout
    assert len(index.ids()) == 13 and "stray0000000" not in index.ids()


def test_damaged_index_names_reindex_and_check_rebuilds_it(tmp_path, site):
    sources = write_sources(tmp_path / "sources.toml", site.base)
    data_dir = tmp_path / "data"
    assert run_newsmon("crawl", data_dir=data_dir, sources=sources).returncode == 0
    for toc in (data_dir / "index").glob("_MAIN_*.toc"):
        toc.write_bytes(b"garbage")
    search = run_newsmon("search", "школа", data_dir=data_dir, sources=sources)
    assert search.returncode == 2
    assert "newsmon reindex" in search.stderr and "Traceback" not in search.stderr
    check = run_newsmon("check", data_dir=data_dir, sources=sources)
    assert check.returncode == 0 and "index rebuilt: 13 articles" in check.stdout
    assert run_newsmon("search", "школа", "--count", data_dir=data_dir,
                       sources=sources).stdout.strip() != "0"


def test_searches_answer_while_a_crawl_writes_and_a_second_crawl_refuses(tmp_path):
    with SiteServer(FIXTURES / "site", delay=0.2) as slow:
        sources = write_sources(tmp_path / "sources.toml", slow.base, concurrency="1")
        data_dir = tmp_path / "data"
        crawl = start_crawl(data_dir, sources)
        while archived(data_dir) == 0 and crawl.poll() is None:
            time.sleep(0.1)
        second = run_newsmon("crawl", data_dir=data_dir, sources=sources)
        assert second.returncode == 2
        assert "already being crawled" in second.stderr
        counts = []
        while crawl.poll() is None:
            result = run_newsmon("search", "школа OR колледж", "--count", data_dir=data_dir,
                                 sources=sources)
            assert result.returncode == 0, result.stderr
            counts.append(int(result.stdout))
        assert crawl.returncode == 0
    assert len(counts) >= 3
    assert counts == sorted(counts)  # the index only grows while the crawl runs
