"""`newsmon sources --check` against a healthy source, a redesigned one and a dead one."""

from __future__ import annotations

import json
import socket

from conftest import newsmon_here


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthy_redesigned_and_down(tmp_path, site):
    """Delay 0: the four share one host, and pages a second apart (the default) would be
    most of the time here; the delay is the crawl's own (crawler/run.py), tested in
    tests/test_workers.py."""
    dead = f"http://127.0.0.1:{free_port()}"
    sources = tmp_path / "sources.toml"
    sources.write_text(f"""
[sources.healthy]
name = "Вести Приволжья"
home = "{site.base}/"
feeds = ["{site.base}/rss.xml"]
listings = ["{site.base}/obrazovanie/"]
delay = 0

[sources.redesigned]
name = "После редизайна"
home = "{site.base}/"
listings = ["{site.base}/obrazovanie/"]
article_url = '/news/\\d+\\.html$'
delay = 0
[sources.redesigned.selectors]
body = "div.news-text-old"

[sources.stale-selectors]
name = "Старые селекторы"
home = "{site.base}/"
feeds = ["{site.base}/rss.xml"]
delay = 0
[sources.stale-selectors.selectors]
title = "h1#page-title-old"

[sources.down]
name = "Лежит"
home = "{dead}/"
feeds = ["{dead}/rss.xml"]
delay = 0
""", encoding="utf-8")
    result = newsmon_here("sources", "--check", "--format", "json", sources=sources,
                          data_dir=tmp_path / "data")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    report = {r["source"]: r for r in json.loads(result.stdout)}
    healthy = report["healthy"]
    assert healthy["healthy"] and healthy["links"] >= 8
    assert all(a["ok"] and a["title"] and a["published"] for a in healthy["articles"])
    assert report["redesigned"]["reachable"] and report["redesigned"]["links"] == 0
    assert "no article links" in report["redesigned"]["problems"][0]
    stale = report["stale-selectors"]
    assert not stale["healthy"] and "selector title" in stale["problems"][0]
    assert not report["down"]["reachable"] and "unreachable" in report["down"]["problems"][0]
    table = newsmon_here("sources", "--check", "healthy", "down", sources=sources,
                         data_dir=tmp_path / "data")
    assert "healthy        ok" in table.stdout and "down           UNREACHABLE" in table.stdout


def test_bundled_sources_offline_are_reported_unreachable(tmp_path):
    """Two with one feed each: every page of an unreachable host is tried three times, a
    second apart (their delay), so a source of four pages would take a quarter minute."""
    result = newsmon_here("sources", "--check", "bloknot", "riac34", "--format", "json",
                          data_dir=tmp_path / "data")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert [r["reachable"] for r in report] == [False, False]
    # the test network guard answered (Twisted words a refused lookup as a failed one)
    assert "cannot resolve the host" in report[0]["problems"][0]
