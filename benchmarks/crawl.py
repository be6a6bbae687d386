"""Crawl throughput against a local site: `newsmon crawl` against plain Scrapy, same run.

    .venv/bin/python benchmarks/crawl.py [N]      (default N = 400 article pages)

The peer is a bare Scrapy spider fetching the same sitemap's pages with the
same concurrency and doing nothing with them, so the ratio is what cleaning,
archiving and indexing cost on top of fetching.  Both run in child processes
(Twisted's reactor cannot restart) against one threaded server on 127.0.0.1.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))  # before this folder's search.py

from corpus import articles  # noqa: E402

from crawler.serve import SiteServer  # noqa: E402

CONCURRENCY = 8
PEER = """
import sys, scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.utils.sitemap import Sitemap
class Peer(scrapy.Spider):
    name = "peer"
    count = 0
    async def start(self):
        yield scrapy.Request(sys.argv[1], callback=self.sitemap)
    def sitemap(self, response):
        for entry in Sitemap(response.body):
            yield scrapy.Request(entry["loc"], callback=self.page)
    def page(self, response):
        Peer.count += 1
process = CrawlerProcess({"LOG_LEVEL": "ERROR", "CONCURRENT_REQUESTS": CONCURRENCY,
                          "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY, "ROBOTSTXT_OBEY": True,
                          "TELNETCONSOLE_ENABLED": False,
                          "TWISTED_REACTOR": "twisted.internet.epollreactor.EPollReactor"})
process.crawl(Peer)
process.start()
print(Peer.count)
""".replace("CONCURRENCY", str(CONCURRENCY))


def build_site(root: Path, n: int) -> None:
    template = (ROOT / "crawler" / "demo_site" / "news" / "kolledzh-kadry-dlya-zavoda-5101" /
                "index.html").read_text(encoding="utf-8")
    original = json.loads(template.split('<script type="application/ld+json">')[1]
                          .split("</script>")[0])["@graph"][1]["headline"]
    body_start = template.index('<div class="article__text">')
    body_end = template.index("</div>", body_start)
    locs = []
    for i, record in enumerate(articles(n, seed=3)):
        paragraphs = "".join(f"<p>{p}</p>" for p in record["body"].split("\n\n"))
        page = (template[:body_start] + f'<div class="article__text">{paragraphs}'
                + template[body_end:]).replace(original, record["title"])
        page = page.replace("/news/kolledzh-kadry-dlya-zavoda-5101/", f"/news/a-{i}/")
        path = root / "news" / f"a-{i}" / "index.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
        locs.append(f"<url><loc>__BASE__/news/a-{i}/</loc></url>")
    (root / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/'
        f'sitemap/0.9">{"".join(locs)}</urlset>', encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /admin/\n")


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)
    return time.perf_counter() - started, result.stdout


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build_site(root / "site", n)
        with SiteServer(root / "site") as server:
            sources = root / "sources.toml"
            sources.write_text(f"""[sources.bench]
name = "bench"
home = "{server.base}/"
sitemaps = ["{server.base}/sitemap.xml"]
delay = 0
concurrency = {CONCURRENCY}
""", encoding="utf-8")
            peer = root / "peer.py"  # a file: Scrapy reads callbacks' source, `-c` has none
            peer.write_text(PEER, encoding="utf-8")
            peer_s, peer_out = timed([sys.executable, str(peer), f"{server.base}/sitemap.xml"])
            assert int(peer_out.strip()) == n, peer_out
            newsmon_s, out = timed([sys.executable, "-m", "search.cli", "--data-dir",
                                    str(root / "data"), "--sources", str(sources), "crawl"])
            assert f"bench: {n} new" in out, out
    print(f"{n} article pages on 127.0.0.1, concurrency {CONCURRENCY}, wall time incl. start-up")
    print(f"{'crawler':<40} {'pages/s':>8} {'seconds':>8}")
    print(f"{'plain Scrapy, fetch only':<40} {n / peer_s:>8.1f} {peer_s:>8.2f}")
    print(f"{'newsmon crawl (fetch+clean+archive+index)':<40} {n / newsmon_s:>8.1f} "
          f"{newsmon_s:>8.2f}")
    print(f"ratio newsmon/plain Scrapy throughput: {peer_s / newsmon_s:.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
