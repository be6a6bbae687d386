"""The real crawler against the fault server: bounded time, good articles kept, every
failure recorded, exit 1, no traceback, nothing raw reaching the terminal."""

from __future__ import annotations

import json
import resource
import sqlite3
import time

import pytest
from conftest import newsmon_here, run_newsmon
from fault_server import EXPECTED, FaultServer


@pytest.fixture(scope="module")
def fault_crawl(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    with FaultServer() as server:
        sources = root / "sources.toml"
        sources.write_text(f"""[sources.hostile]
name = "Враждебный сайт"
home = "{server.base}/"
feeds = ["{server.base}/feed.xml"]
delay = 0
concurrency = 4
timeout = 2
""", encoding="utf-8")
        started = time.monotonic()
        result = run_newsmon("crawl", data_dir=root / "data", sources=sources, timeout=180)
        seconds = time.monotonic() - started
        hits = dict(server.hits)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"root": root, "sources": sources, "result": result, "seconds": seconds,
            "hits": hits, "peak_mb": peak_mb, "base": server.base}


def archived_paths(data_dir) -> set[str]:
    db = sqlite3.connect(data_dir / "archive.sqlite")
    urls = db.execute("SELECT u.url FROM urls u").fetchall()
    return {"/" + u.split("/", 3)[3] for (u,) in urls}


def test_finishes_in_bounded_time_with_exit_1_and_no_traceback(fault_crawl):
    result = fault_crawl["result"]
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert fault_crawl["seconds"] < 90


def test_every_good_article_is_kept(fault_crawl):
    archived = archived_paths(fault_crawl["root"] / "data")
    assert set(EXPECTED["archived"] + EXPECTED["partial"]) <= archived
    assert not archived & set(EXPECTED["error"] + EXPECTED["skipped"])
    db = sqlite3.connect(fault_crawl["root"] / "data" / "archive.sqlite")
    partial = {"/" + url.split("/", 3)[3] for (url,) in db.execute(
        "SELECT url FROM articles WHERE partial = 1")}
    assert partial == set(EXPECTED["partial"])


def test_every_failure_is_reported_and_recorded(fault_crawl):
    stderr = fault_crawl["result"].stderr
    for path in EXPECTED["error"]:
        assert path in stderr, path
    db = sqlite3.connect(fault_crawl["root"] / "data" / "archive.sqlite")
    (errors, outcome, messages), = db.execute("SELECT errors, outcome, messages FROM runs")
    assert outcome == "errors" and errors == len(EXPECTED["error"])
    assert len(json.loads(messages)) == 5  # the first few messages, as the history keeps them


def test_retries_are_bounded(fault_crawl):
    hits = fault_crawl["hits"]
    assert hits["/fault/500"] == 3 and hits["/fault/503"] == 3  # one try and two retries
    assert hits["/fault/flaky"] == 3  # and the third try of a flaky page archives it
    # five redirects at most; a hop whose keep-alive connection drops may be retried
    assert 6 <= hits["/fault/loop"] <= 6 * 3


def test_huge_page_is_cut_off_and_memory_stays_bounded(fault_crawl):
    assert "/fault/huge" in fault_crawl["result"].stderr
    assert fault_crawl["peak_mb"] < 400


def test_offsite_redirect_is_not_followed_and_nothing_left_127(fault_crawl):
    assert "evil.example" not in fault_crawl["result"].stderr  # filtered, not attempted


def test_wrong_declared_charset_still_reads_right(fault_crawl):
    out = newsmon_here("search", "кодировкой", "--format", "json",
                       data_dir=fault_crawl["root"] / "data").stdout
    assert [h["title"] for h in json.loads(out)] == ["В Волгограде выберут учителя с кодировкой"]


def test_escape_sequences_never_reach_the_terminal(fault_crawl):
    data_dir = fault_crawl["root"] / "data"
    table = newsmon_here("search", "красная", data_dir=data_dir).stdout
    hit = json.loads(newsmon_here("search", "красная", "--format", "json",
                                  data_dir=data_dir).stdout)[0]
    shown = newsmon_here("show", hit["id"], data_dir=data_dir).stdout
    for text in (table, shown, hit["title"], hit["snippet"]):
        assert "\x1b" not in text and "\x07" not in text
    assert "injected" not in shown  # the script's text is not article text
    assert hit["title"].startswith("Школа красная <script>")
    assert "<img" not in hit["snippet"]
    # markup written as text in the page stays text, escaped, in an HTML snippet
    (second,) = json.loads(newsmon_here("search", "onerror", "--format", "json",
                                        data_dir=data_dir).stdout)
    assert second["id"] == hit["id"]
    assert "&lt;img" in second["snippet"] and "<img" not in second["snippet"]
