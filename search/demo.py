"""`newsmon demo`: the whole pipeline on the bundled offline site, no network needed.

The demo site (crawler/demo_site, a regional weekly in the shape of the real
sources) is served on 127.0.0.1 for the length of the crawl; the demo archive
lives in DATA_DIR/demo so it never mixes with a real one.  The site gets a free
port each time, so its URLs change and each run starts the demo archive afresh.
"""

from __future__ import annotations

import shutil
import sys
from datetime import date
from importlib import resources
from pathlib import Path

from indexer.store import DataDir
from search import output
from search.i18n import _

SAMPLE_QUERIES = ("колледжи", "ЕГЭ OR олимпиада", '"школьных автобусов"')


def demo_sources(base: str) -> str:
    return f"""# written by `newsmon demo`: the bundled demo site, served on 127.0.0.1
[sources.demo]
name = "Волжская неделя (демо)"
home = "{base}/"
feeds = ["{base}/rss.xml"]
listings = ["{base}/news/"]
topic = "all"
delay = 0
concurrency = 4
"""


def run_demo(data_dir: DataDir, port: int = 0) -> int:
    from crawler.config import load_config
    from crawler.run import crawl
    from crawler.serve import SiteServer
    from search.commands.common import record_sources
    from search.commands.crawl import print_report
    from search.engine import Searcher

    demo_dir = DataDir(data_dir.root / "demo")
    shutil.rmtree(demo_dir.root, ignore_errors=True)
    demo_dir.ensure_writable()
    site = Path(str(resources.files("crawler").joinpath("demo_site")))
    with SiteServer(site, port=port) as server:
        sources_file = demo_dir.root / "demo-sources.toml"
        sources_file.write_text(demo_sources(server.base), encoding="utf-8")
        record_sources(demo_dir.root, sources_file.resolve())  # the demo archive keeps to it
        config = load_config(sources_file)
        print("newsmon demo: " + _("serving the bundled demo site on {url}").format(
            url=server.base))
        report = crawl(config, list(config.sources.values()), demo_dir)
    code = print_report(report, list(config.sources.values()))
    searcher = Searcher(demo_dir)
    color = output.color(sys.stdout)
    for query in SAMPLE_QUERIES:
        page = searcher.search(query, limit=3)
        print(f"\n$ newsmon --data-dir {demo_dir.root} search '{query}'")
        print(output.table(page.hits, page.total, 0, color))
    print("\n" + _("The demo archive is in {root}; try for example").format(root=demo_dir.root))
    print(f"  .venv/bin/newsmon --data-dir {demo_dir.root} search 'школы' --from 2025-08 "
          "--sort date")
    print(f"  .venv/bin/newsmon --data-dir {demo_dir.root} stats")
    print(_("Real sources ({year}): {commands}").format(
        year=f"{date.today():%Y}",
        commands=".venv/bin/newsmon sources; .venv/bin/newsmon crawl vpravda"))
    return code
