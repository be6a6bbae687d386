"""The cleaner on the whole golden set (tests/measures.py; benchmarks/extraction.py compares
it with trafilatura there):
every field right on at least 95% of pages."""

from __future__ import annotations

import statistics

from measures import FIELDS, golden_set, run_newsmon, score

from crawler.config import bundled_sources_path, load_config


def test_every_field_at_least_95_percent():
    config = load_config(bundled_sources_path())
    truths = golden_set()
    assert len(truths) >= 40
    assert len({t.page.name if t.page.name != "index.html" else t.page.parent.parent.name
                for t in truths}) >= 10
    fields: dict[str, list[bool]] = {f: [] for f in FIELDS}
    for truth in truths:
        for field, ok in score(truth, run_newsmon(truth, config)).items():
            fields[field].append(ok)
    accuracy = {f: statistics.mean(v) for f, v in fields.items()}
    assert all(value >= 0.95 for value in accuracy.values()), accuracy
