"""Bounds on one crawl run: how many requests a source may cost, and which sitemaps it has
already read.

A sitemap index that listed itself was fetched 22,000 times a minute: sitemap requests
bypass Scrapy's duplicate filter (a redirect loop must be reported, not swallowed), and
nothing remembered the sitemaps seen.  Under `schedule` that would be most of a million
requests an hour to somebody's server, so each source also has a request budget per run
(`max_requests` in sources.toml); what is left over waits for the next run.
"""

from __future__ import annotations

from collections import Counter

from indexer.article import normalize_url

MAX_SITEMAP_DEPTH = 3  # index → index → urlset is the deepest real nesting seen


class RequestBudget:
    def __init__(self, limits: dict[str, int]) -> None:
        self.limits = limits
        self.spent: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.sitemaps: set[str] = set()

    def spend(self, slug: str) -> bool:
        """One more request for this source, if its budget allows."""
        if self.spent[slug] >= self.limits[slug]:
            self.refused[slug] += 1
            return False
        self.spent[slug] += 1
        return True

    def first_visit(self, sitemap_url: str) -> bool:
        """True the first time a sitemap URL is met in this run."""
        key = normalize_url(sitemap_url)
        if key in self.sitemaps:
            return False
        self.sitemaps.add(key)
        return True

    def message(self, slug: str) -> str | None:
        """The run's error for a source that hit its budget, else None."""
        if not self.refused[slug]:
            return None
        return (f"request budget reached: {self.limits[slug]} requests this run "
                f"(`max_requests` in sources.toml); {self.refused[slug]} more refused, "
                "left for the next run")
