"""SIGKILL at random moments, concurrent searches and crawls: the archive keeps every
article exactly once and the index ends consistent with it."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import time

from conftest import FIXTURES, NEWSMON, ROOT, newsmon_here, run_newsmon, write_sources

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


def run_rows(data_dir) -> dict[int, str]:
    """pid -> outcome of each recorded run."""
    try:
        db = sqlite3.connect(data_dir / "archive.sqlite", timeout=10)
        return dict(db.execute("SELECT pid, outcome FROM runs"))
    except sqlite3.Error:
        return {}


def test_random_sigkills_then_a_full_crawl_leave_each_article_once(tmp_path):
    rng = random.Random(20261126)
    with SiteServer(FIXTURES / "site", delay=0.25) as slow:
        sources = write_sources(tmp_path / "sources.toml", slow.base, concurrency="2")
        data_dir = tmp_path / "data"
        kills = []
        for n in range(4):  # four crawls, each killed at a random moment
            crawl = start_crawl(data_dir, sources)
            if n % 2 == 0:  # counted from when the run is under way: a kill mid-fetch
                deadline = time.monotonic() + 60
                while crawl.pid not in run_rows(data_dir) and crawl.poll() is None \
                        and time.monotonic() < deadline:
                    time.sleep(0.05)
            moment = rng.uniform(0.2, 3.0)  # else from the start: a kill while it starts up
            time.sleep(moment)
            crawl.kill()
            crawl.wait()
            kills.append((crawl.pid, crawl.returncode, round(moment, 2), archived(data_dir)))
        final = run_newsmon("crawl", data_dir=data_dir, sources=sources)
        assert final.returncode == 0, (kills, final.stderr)
    db = sqlite3.connect(data_dir / "archive.sqlite")
    assert db.execute("SELECT COUNT(*), COUNT(DISTINCT url) FROM articles").fetchone() == (13, 13)
    assert db.execute("SELECT COUNT(*) FROM frontier").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM articles WHERE indexed = 0").fetchone()[0] == 0
    ids = {row[0] for row in db.execute("SELECT id FROM articles")}
    assert Index(data_dir / "index").ids() == ids
    check = newsmon_here("check", data_dir=data_dir, sources=sources)
    assert check.returncode == 0 and "0 missing added, 0 stray removed" in check.stdout
    # a killed crawl cannot record its own end (the scheduler does): its run stays 'running',
    # never 'ok'; a crawl that ended before its kill recorded 'ok'
    outcomes = run_rows(data_dir)
    for pid, code, *_ in kills:
        if code == -9:
            assert outcomes.get(pid, "running") == "running", kills
        else:
            assert code == 0 and outcomes[pid] == "ok", kills
    mid_crawl = [k for k in kills if k[1] == -9 and k[0] in outcomes]
    assert mid_crawl, f"no kill landed in a running crawl: {kills}"
    assert sorted(outcomes.values()).count("running") == len(mid_crawl)
    assert len(outcomes) == 1 + sum(pid in outcomes for pid, *_ in kills)  # and the last run


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
    check = newsmon_here("check", data_dir=data_dir, sources=sources)
    assert "3 missing added, 1 stray removed" in check.stdout
    assert len(index.ids()) == 13 and "stray0000000" not in index.ids()


def test_damaged_index_names_reindex_and_check_rebuilds_it(tmp_path, site):
    sources = write_sources(tmp_path / "sources.toml", site.base)
    data_dir = tmp_path / "data"
    assert run_newsmon("crawl", data_dir=data_dir, sources=sources).returncode == 0
    for toc in (data_dir / "index").glob("_MAIN_*.toc"):
        toc.write_bytes(b"garbage")
    search = newsmon_here("search", "школа", data_dir=data_dir, sources=sources)
    assert search.returncode == 2
    assert "newsmon reindex" in search.stderr and "Traceback" not in search.stderr
    check = newsmon_here("check", data_dir=data_dir, sources=sources)
    assert check.returncode == 0 and "index rebuilt: 13 articles" in check.stdout
    assert newsmon_here("search", "школа", "--count", data_dir=data_dir,
                        sources=sources).stdout.strip() != "0"


def test_searches_answer_while_a_crawl_writes_and_a_second_crawl_refuses(tmp_path,
                                                                          capsys):
    from search.cli import main

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
            # in this process, so that many searches fit in the crawl however busy the machine
            code = main(["--data-dir", str(data_dir), "--sources", str(sources), "search",
                         "школа OR колледж", "--count"])
            out, err = capsys.readouterr()
            assert code == 0, err
            counts.append(int(out))
        assert crawl.returncode == 0, crawl.stderr.read()
    assert len(counts) >= 3, counts
    assert counts == sorted(counts)  # the index only grows while the crawl runs
    final = newsmon_here("search", "школа OR колледж", "--count", data_dir=data_dir,
                         sources=sources)
    assert counts[-1] <= int(final.stdout), (counts, final.stdout)
    assert int(final.stdout) == 9, counts  # the whole archive: 9 of the 13 articles
