"""Crawls that end: sitemaps read once per run, nested indexes to a bounded depth, a
request budget per source per run, a 100,000-item feed and a 10 MB robots.txt."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from conftest import run_newsmon

from crawler.serve import SiteServer

INDEX = ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns='
         '"http://www.sitemaps.org/schemas/sitemap/0.9">{}</sitemapindex>')
URLSET = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns='
          '"http://www.sitemaps.org/schemas/sitemap/0.9">{}</urlset>')


def index(*names: str) -> str:
    return INDEX.format("".join(f"<sitemap><loc>__BASE__/{n}</loc></sitemap>" for n in names))


def urlset(paths: list[str]) -> str:
    return URLSET.format("".join(f"<url><loc>__BASE__{p}</loc></url>" for p in paths))


def sources(path: Path, base: str, **keys: str) -> Path:
    lines = ["[sources.bounded]", 'name = "Ограниченный"', f'home = "{base}/"', "delay = 0",
             "concurrency = 4", *(f"{k} = {v}" for k, v in keys.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def build(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text if isinstance(text, bytes) else text.encode())
    return root


def crawl(tmp_path: Path, files: dict[str, str | bytes], **keys: str):
    site = build(tmp_path / "site", files)
    with SiteServer(site) as server:
        conf = sources(tmp_path / "sources.toml", server.base,
                       **{k: v.replace("__BASE__", server.base) for k, v in keys.items()})
        started = time.monotonic()
        result = run_newsmon("crawl", data_dir=tmp_path / "data", sources=conf, timeout=90)
        return result, Counter(server.requests), time.monotonic() - started


def test_sitemap_indexes_listing_themselves_or_nested_deep_are_read_once_and_bounded(
        tmp_path):
    files = {"self.xml": index("self.xml", "a.xml", "level1.xml"),  # lists itself
             "a.xml": index("b.xml", "news.xml"),                    # a and b list each other
             "b.xml": index("a.xml", "self.xml"),
             "news.xml": urlset(["/news/one-100001/", "/news/two-100002/"]),
             **{f"level{i}.xml": index(f"level{i + 1}.xml") for i in range(1, 10)}}
    result, requests, seconds = crawl(tmp_path, files, sitemaps='["__BASE__/self.xml"]')
    assert result.returncode == 0, result.stderr
    assert {p: requests[f"/{p}"] for p in ("self.xml", "a.xml", "b.xml", "news.xml")} == {
        "self.xml": 1, "a.xml": 1, "b.xml": 1, "news.xml": 1}
    assert requests["/news/one-100001/"] == 1
    # self.xml is depth 1: indexes are followed down to depth 3, no further
    assert [requests[f"/level{i}.xml"] for i in range(1, 5)] == [1, 1, 0, 0]
    assert seconds < 30


def test_a_feed_of_100000_items_ends_at_the_request_budget_with_a_clear_error(tmp_path):
    items = "".join(f"<item><title>Новость {i}</title><link>__BASE__/news/n-{i:06d}/</link>"
                    "</item>" for i in range(100_000))
    feed = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"{items}</channel></rss>")
    result, requests, seconds = crawl(tmp_path, {"rss.xml": feed}, feeds='["__BASE__/rss.xml"]',
                                      max_requests="30")
    assert result.returncode == 1
    assert "request budget reached: 30 requests this run" in result.stderr
    assert "Traceback" not in result.stderr
    assert sum(n for p, n in requests.items() if p != "/robots.txt") == 30
    assert seconds < 40


def test_a_10_mb_robots_txt_is_read_as_far_as_major_crawlers_read_it(tmp_path):
    padding = "".join(f"# line {i} of padding\n" for i in range(500_000))  # about 11 MB
    robots = f"User-agent: *\nDisallow: /private/\n{padding}Disallow: /news/late-rule/\n"
    files = {"robots.txt": robots,
             "map.xml": urlset(["/private/secret-100001/", "/news/public-100002/",
                                "/news/late-rule/page-100003/"])}
    result, requests, seconds = crawl(tmp_path, files, sitemaps='["__BASE__/map.xml"]')
    assert result.returncode == 0, result.stderr
    assert requests["/news/public-100002/"] == 1
    assert requests["/private/secret-100001/"] == 0  # a rule in the first 500 KiB is kept
    # one 11 MB down is ignored, as Google and RFC 9309 do
    assert requests["/news/late-rule/page-100003/"] == 1
    assert seconds < 30
