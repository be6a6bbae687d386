"""One fetcher (crawler/fetch.py): `extract URL` and `sources --check` fetch as a crawl does.

Against the fixture site on 127.0.0.1, over HTTP and HTTPS with its own CA: the source's CA
bundle, its headers and the crawler's User-Agent, robots.txt and the size cap all apply.
"""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import FIXTURES, newsmon_here

from crawler.config import load_config
from crawler.fetch import fetch_pages, source_for
from crawler.run import MAX_PAGE_BYTES
from crawler.serve import SiteServer

ARTICLE = "/obrazovanie/novaya-shkola-volzhskiy-147401/"
CONTACT = "mailto:desk@example.org"


def sources_file(path: Path, base: str, **extra: str) -> Path:
    lines = ["[crawler]", f'contact = "{CONTACT}"', "", "[sources.site]",
             'name = "Вести Приволжья"', f'home = "{base}/"', f'feeds = ["{base}/rss.xml"]',
             f'listings = ["{base}/obrazovanie/"]', "delay = 0",
             *(f"{k} = {v}" for k, v in extra.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def one_line_failure(result) -> str:
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_extract_needs_the_source_ca_bundle(tmp_path, https_site):
    server, cert = https_site
    plain = sources_file(tmp_path / "plain.toml", server.base)
    refused = newsmon_here("extract", server.base + ARTICLE, sources=plain,
                           data_dir=tmp_path / "data")
    assert "TLS: certificate verify failed" in one_line_failure(refused)
    # the URL's host is the source's: its ca_bundle applies without --source
    trusted = sources_file(tmp_path / "trusted.toml", server.base, ca_bundle=f'"{cert}"')
    result = newsmon_here("extract", server.base + ARTICLE, sources=trusted,
                          data_dir=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    assert "школ" in json.loads(result.stdout)["title"].lower()


def test_extract_sends_the_user_agent_and_source_headers(tmp_path, site):
    sources = sources_file(tmp_path / "sources.toml", site.base,
                           headers='{ X-Newsmon-Test = "yes", Referer = "https://example.org/" }')
    site.request_headers.clear()
    result = newsmon_here("extract", site.base + ARTICLE, "--source", "site", sources=sources,
                          data_dir=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["source"] == "site"
    seen = dict(site.request_headers)
    assert list(seen) == ["/robots.txt", ARTICLE]  # robots.txt first, as in a crawl
    headers = seen[ARTICLE]
    assert headers["User-Agent"].startswith("newsmon/") and CONTACT in headers["User-Agent"]
    assert headers["X-Newsmon-Test"] == "yes" and headers["Referer"] == "https://example.org/"
    assert headers["Accept-Language"].startswith("ru")


def test_extract_refuses_a_page_robots_txt_disallows(tmp_path, site):
    sources = sources_file(tmp_path / "sources.toml", site.base)
    site.requests.clear()
    result = newsmon_here("extract", site.base + "/private/chernovik-900001/", sources=sources,
                          data_dir=tmp_path / "data")
    assert one_line_failure(result).endswith("disallowed by robots.txt")
    assert site.requests == ["/robots.txt"]


@pytest.fixture(scope="module")
def big_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("big")
    shutil.copytree(FIXTURES / "site", root, dirs_exist_ok=True)
    (root / "big.html").write_bytes(b"<html><body><p>" + b"x" * MAX_PAGE_BYTES + b"</p></html>")
    # articles disallowed: `sources --check` must say so rather than report a broken site
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /obrazovanie/\nAllow: "
                                     "/obrazovanie/$\n", encoding="utf-8")
    with SiteServer(root) as server:
        yield server


def test_extract_refuses_an_oversize_page(tmp_path, big_site):
    sources = sources_file(tmp_path / "sources.toml", big_site.base)
    result = newsmon_here("extract", big_site.base + "/big.html", sources=sources,
                          data_dir=tmp_path / "data")
    line = one_line_failure(result)
    assert line == f"newsmon: {big_site.base}/big.html: larger than 16 MB, the largest page " \
                   "the crawler fetches"


def test_sources_check_obeys_robots_txt(tmp_path, big_site):
    sources = sources_file(tmp_path / "sources.toml", big_site.base)
    big_site.requests.clear()
    result = newsmon_here("sources", "--check", "--format", "json", sources=sources,
                          data_dir=tmp_path / "data")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    report = json.loads(result.stdout)[0]
    assert report["reachable"] and report["links"] > 0
    assert report["articles"] and all(a["error"] == "disallowed by robots.txt"
                                      for a in report["articles"])
    assert any(p.endswith("disallowed by robots.txt") for p in report["problems"])
    assert not [p for p in big_site.requests if p.startswith("/obrazovanie/") and
                p != "/obrazovanie/"]


def test_fetch_pages_in_one_call_and_again(tmp_path, site, https_site):
    """Each call runs in a fresh child process, so one process may fetch many times."""
    server, cert = https_site
    config = load_config(sources_file(tmp_path / "sources.toml", server.base,
                                      ca_bundle=f'"{cert}"'))
    source = source_for(config, server.base + "/")
    assert source is not None and source_for(config, "https://example.org/") is None
    first = fetch_pages(config, [(server.base + "/rss.xml", source),
                                 (site.base + "/missing", None),
                                 ("ftp://example.org/x", None)])
    assert first[0].ok and first[0].status == 200 and b"<rss" in first[0].body
    assert first[0].content_type == "application/xml" and first[0].url.endswith("/rss.xml")
    assert first[1].status == 404 and first[1].error == "HTTP 404"
    assert first[2].error == "not an http(s) URL"
    # TLS settings go by host, as in a crawl: without the source, its CA is unknown
    again = fetch_pages(config, [(server.base + "/rss.xml", None), (site.base + ARTICLE, None)])
    assert again[0].error.startswith("TLS: certificate verify failed")
    assert again[1].ok and again[1].requested == site.base + ARTICLE


def test_a_body_growing_past_the_cap_without_content_length_is_refused(tmp_path):
    chunk = b"x" * 2**20

    class Streaming(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/robots.txt":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(MAX_PAGE_BYTES // len(chunk) + 2):
                    self.wfile.write(chunk)
            except OSError:
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Streaming)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        config = load_config(sources_file(tmp_path / "sources.toml", base))
        [page] = fetch_pages(config, [(base + "/endless.html", None)])
        assert page.error == "larger than 16 MB, the largest page the crawler fetches"
    finally:
        server.shutdown()
        server.server_close()
