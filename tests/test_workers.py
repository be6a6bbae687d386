"""Several crawl workers on one Redis frontier (NEWSMON_QUEUE), against the real Redis.

Each test has its own Redis database number and key prefix, dropped after.  Without a
Redis on 127.0.0.1:6379 the tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURES, NEWSMON, ROOT, newsmon_here, run_newsmon, write_sources
from test_crawl_e2e import article_requests

from crawler.serve import SiteServer

REDIS = "redis://127.0.0.1:6379"


class TimedSite(SiteServer):
    """The fixture site, recording when each request arrived.  With `hold`, no article
    page is answered before a second worker has asked for robots.txt (each worker reads it
    once): the second joins a crawl under way however long a process takes to start on a
    busy machine, without a delay long enough for the slowest start."""

    def __init__(self, *args, hold: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.log: list[tuple[float, str]] = []
        self.joined = threading.Event()
        if not hold:
            self.joined.set()

    def _record(self, path: str, headers: dict[str, str]) -> None:
        super()._record(path, headers)
        with self._lock:
            self.log.append((time.monotonic(), path))
            if self.requests.count("/robots.txt") >= 2:
                self.joined.set()
        if path.count("/") >= 3:
            self.joined.wait(25)  # less than the page timeout: never a retry of its own


@pytest.fixture
def queue(request):
    """A queue URL of its own (database and prefix); its keys are dropped after the test."""
    try:
        import redis

        client = redis.Redis.from_url(REDIS, socket_timeout=2)
        client.ping()
    except Exception as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS} (CI=true needs it): {exc}")
        pytest.skip(f"Redis is not reachable at {REDIS}: {exc}")
    db = 10 + (abs(hash(request.node.name)) % 6)
    url = f"{REDIS}/{db}?prefix=t-{uuid.uuid4().hex[:10]}&lease=3"
    from crawler.queue import Frontier

    frontier = Frontier.connect(url)
    yield url
    frontier.drop()
    assert not list(frontier.redis.scan_iter(match=f"{frontier.url.prefix}:*"))


def worker(queue: str, data_dir: Path, sources: Path,
           database: str | None = None) -> subprocess.Popen:
    """`database`: the workers share that PostgreSQL archive instead of the data dir's."""
    return subprocess.Popen([*NEWSMON, "--data-dir", str(data_dir), "--sources", str(sources),
                             "crawl"], cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NEWSMON_QUEUE": queue,
                                 "NEWSMON_DATABASE": database or ""})


def finish(process: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def archived(data_dir: Path, database: str | None = None) -> dict:
    code = newsmon_here(*(("--database", database) if database else ()), "stats", "--format",
                        "json", data_dir=data_dir)
    assert code.returncode == 0, code.stderr
    return json.loads(code.stdout)


def archived_urls(data_dir: Path, database: str | None = None) -> list[str]:
    from indexer.archive import Archive

    with Archive(database or data_dir / "archive.sqlite") as archive:
        return [a.url for a in archive.iter_articles()]


def new_count(stdout: str) -> int:
    line = next(line for line in stdout.splitlines() if line.startswith("testsite:"))
    return int(line.split(":")[1].split()[0])


def second_worker(site: TimedSite, queue: str, data: Path, sources: Path,
                  database: str | None = None) -> subprocess.Popen:
    """Started once the first is fetching articles (held, see TimedSite)."""
    deadline = time.monotonic() + 60
    while not article_requests(site.requests) and time.monotonic() < deadline:
        time.sleep(0.05)
    return worker(queue, data, sources, database)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_workers_fetch_each_article_once(tmp_path, queue, backend, request):
    """With --database the workers may be on different machines: each its own data dir,
    one archive in PostgreSQL."""
    database = request.getfixturevalue("database") if backend == "postgres" else None
    with TimedSite(FIXTURES / "site", delay=0.3, hold=True) as site:
        # concurrency 2: the second worker's robots.txt passes the first's held article
        sources = write_sources(tmp_path / "sources.toml", site.base, concurrency="2")
        data = tmp_path / "data"
        other = tmp_path / "other" if database else data
        queue += "&requests=1"  # one request in flight each: what one holds, the other can take
        a = worker(queue, data, sources, database)
        b = second_worker(site, queue, other, sources, database)
        (code_a, out_a, err_a), (code_b, out_b, err_b) = finish(a), finish(b)
        first_round = list(site.requests)
        # the next round (a new crawl): nothing archived is fetched again
        site.requests.clear()
        code, _out, err = finish(worker(queue, data, sources, database))
        assert code == 0, err
        assert article_requests(site.requests) == []
        site.requests[:] = first_round
    assert code_a == 0, err_a
    assert code_b == 0, err_b
    assert "Traceback" not in err_a + err_b
    fetched = article_requests(site.requests)
    assert fetched and len(fetched) == len(set(fetched)), Counter(fetched).most_common(3)
    stats = archived(data, database)
    assert stats["articles"] == 13
    assert new_count(out_a) + new_count(out_b) == 13
    assert new_count(out_a) > 0 and new_count(out_b) > 0, (out_a, out_b)  # both did work
    # the discovery pages too: one round, seeded once
    assert site.requests.count("/rss.xml") == 1
    urls = archived_urls(data, database)
    assert len(urls) == len(set(urls)) == 13
    if database:
        assert not (data / "archive.sqlite").exists()
        assert not (other / "archive.sqlite").exists()


def test_killed_worker_loses_nothing(tmp_path, queue):
    with TimedSite(FIXTURES / "site", delay=0.3) as site:
        sources = write_sources(tmp_path / "sources.toml", site.base, concurrency="1")
        data = tmp_path / "data"
        first = worker(queue, data, sources)
        deadline = time.monotonic() + 60
        while len(article_requests(site.requests)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(article_requests(site.requests)) >= 4, first.communicate()
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        before = list(article_requests(site.requests))
        code, _out, err = finish(worker(queue, data, sources))
    assert code == 0, err
    fetched = article_requests(site.requests)
    twice = [path for path, n in Counter(fetched).items() if n > 1]
    # only the page the killed worker had in flight (concurrency 1) is fetched again
    assert len(twice) <= 1, twice
    assert all(path in before for path in twice)
    assert archived(data)["articles"] == 13
    urls = archived_urls(data)
    assert len(urls) == len(set(urls)) == 13
    from crawler.queue import Frontier

    frontier = Frontier.connect(queue)
    assert frontier.outstanding(["testsite"]) == 0
    assert frontier.redis.zcard(frontier.leases) == 0


def test_politeness_holds_across_workers(tmp_path, queue):
    delay = 0.25
    with TimedSite(FIXTURES / "site") as site:  # no hold: with a delay, one page at a time
        sources = write_sources(tmp_path / "sources.toml", site.base, concurrency="4")
        sources.write_text(sources.read_text().replace("delay = 0\n", f"delay = {delay}\n"))
        data = tmp_path / "data"
        queue += "&requests=1"  # one request in flight each: what one holds, the other can take
        a = worker(queue, data, sources)
        b = second_worker(site, queue, data, sources)
        (code_a, _, err_a), (code_b, _, err_b) = finish(a), finish(b)
    assert code_a == 0 and code_b == 0, err_a + err_b
    times = sorted(t for t, _ in site.log)
    assert len(times) > 20
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= delay, sorted(gaps)[:5]
    assert archived(data)["articles"] == 13
    assert site.requests.count("/robots.txt") == 2  # each worker reads it, politely too


def test_concurrency_holds_across_workers(tmp_path, queue):
    """delay 0 and concurrency 2: never more than 2 requests in flight on the host."""
    in_flight = []
    lock = threading.Lock()
    now = [0]

    class Counting(TimedSite):
        def _resolve(self, raw_path):
            with lock:
                now[0] += 1
                in_flight.append(now[0])
            try:
                if raw_path.count("/") >= 3:
                    time.sleep(0.3)
                return super()._resolve(raw_path)
            finally:
                with lock:
                    now[0] -= 1

    with Counting(FIXTURES / "site") as site:
        sources = write_sources(tmp_path / "sources.toml", site.base, concurrency="2")
        data = tmp_path / "data"
        a, b = worker(queue, data, sources), worker(queue, data, sources)
        (code_a, _, err_a), (code_b, _, err_b) = finish(a), finish(b)
    assert code_a == 0 and code_b == 0, err_a + err_b
    assert max(in_flight) <= 2
    assert max(in_flight) == 2  # and it is used
    assert archived(data)["articles"] == 13


def test_bad_queue_url_and_unreachable_redis(tmp_path):
    sources = write_sources(tmp_path / "sources.toml", "http://127.0.0.1:9")
    bad = run_newsmon("crawl", "--queue", "http://nope", data_dir=tmp_path / "d",
                      sources=sources)
    assert bad.returncode == 2 and "redis://" in bad.stderr
    down = run_newsmon("crawl", "--queue", "redis://127.0.0.1:9/0", data_dir=tmp_path / "d",
                       sources=sources)
    assert down.returncode == 1 and "cannot reach the queue" in down.stderr
    assert "Traceback" not in down.stderr
