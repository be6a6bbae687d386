"""`newsmon demo` on the bundled site, which no other test crawls: every article once,
each found by the words of its title."""

from __future__ import annotations

import json
import sys

from conftest import FIXTURES, newsmon_here, run_newsmon

sys.path.insert(0, str(FIXTURES))
from articles import DEMO


def test_demo_crawls_archives_and_searches(tmp_path):
    result = run_newsmon("demo", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert f"demo: {len(DEMO)} new" in result.stdout
    assert "Колледж в Камышине начнет готовить кадры" in result.stdout  # the sample search
    demo_dir = tmp_path / "demo"
    stats = json.loads(newsmon_here("stats", "--format", "json", data_dir=demo_dir).stdout)
    assert stats["articles"] == len(DEMO)
    for article in DEMO:
        words = [w.strip("«».,:") for w in article["title"].split() if len(w) > 4][:4]
        hits = json.loads(newsmon_here("search", " ".join(words), "--format", "json",
                                       data_dir=demo_dir).stdout)
        assert article["title"] in [h["title"] for h in hits], words
    again = run_newsmon("demo", data_dir=tmp_path)  # a new port: the demo starts afresh
    assert again.returncode == 0
    stats = json.loads(newsmon_here("stats", "--format", "json", data_dir=demo_dir).stdout)
    assert stats["articles"] == len(DEMO)
