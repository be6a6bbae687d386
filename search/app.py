"""The application layer: what a person can ask of a newsmon archive, for every front end.

`newsmon` (search/cli.py and search/commands/) and the web page call these methods and
only print or render what they return, so the two answer alike.  Everything below
works on the archive and index of one data dir through `indexer/`; nothing here writes
SQL or knows which index backend answers.  Readers (search, article, stats, export,
status, digest, watches) open the archive read-only and work on a data dir the user may
not change; the writing methods say so with one clear error when it is read-only.

Errors a front end must tell the user about: `Invalid` (bad input: exit 2, HTTP 400),
`NotFound` (exit 1, HTTP 404), plus the lower layers' `DataDirError`, `QueryError`,
`IndexMissing`, `IndexBusy`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from indexer.archive import Archive
from indexer.article import Article
from indexer.store import DataDir
from search.i18n import _
from search.progress import bar, working

if TYPE_CHECKING:
    from crawler.config import Config
    from indexer.backend import Hit
    from search.engine import Results, Searcher

DEFAULT_TIMEZONE = "Europe/Volgograd"  # crawler/config.py's default, for an App without one
STALE_RUNS = 3  # this many runs in a row without a new article: the source may have changed


class Invalid(ValueError):
    """The request cannot be done as asked (bad input): exit 2, HTTP 400."""


class NotFound(LookupError):
    """The thing asked for does not exist: exit 1, HTTP 404."""


@dataclass(frozen=True)
class ArticleView:
    """One article with its story: the other articles of the story, earliest first."""

    article: Article
    story: str | None
    members: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {**self.article.to_json(), "story": self.story}


BUCKETS = ("day", "week", "month")


@dataclass(frozen=True)
class Timeline:
    """Matches per period (the period's first day, count), oldest first, and per source."""

    query: str
    by: str
    total: int
    articles: int
    counts: list[tuple[date, int]]
    sources: list[tuple[str, int]]
    undated: int = 0  # matches without a date, in no period
    suggestion: str | None = None  # the query matched nothing: the repaired query
    corrected: bool = False  # the counts are the suggestion's

    def to_json(self) -> dict[str, Any]:
        record = {"query": self.query, "by": self.by, "total": self.total,
                  "articles": self.articles,
                  "counts": [{"period": d.isoformat(), "count": n} for d, n in self.counts],
                  "sources": [{"source": s, "count": n} for s, n in self.sources],
                  "undated": self.undated}
        if self.suggestion:
            record.update(suggestion=self.suggestion, corrected=self.corrected)
        return record


def _from_number(number: int) -> date:
    return date(number // 10000, number // 100 % 100, number % 100)


def _bucket(day: date, by: str) -> date:
    if by == "week":
        return day - timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    return day


def _next_bucket(start: date, by: str) -> date:
    if by == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=7 if by == "week" else 1)


@dataclass(frozen=True)
class CheckReport:
    archived: int
    indexed: int
    missing: int
    stray: int
    repaired: int
    rebuilt: str | None = None  # why the index was rebuilt whole, when it was


class App:
    """One data dir (and, for what needs it, the sources config), opened lazily."""

    def __init__(self, data_dir: DataDir, config: Config | None = None) -> None:
        self.data_dir = data_dir
        self.config = config
        self._searcher: Searcher | None = None

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _reader(self) -> Archive:
        return self.data_dir.open_archive(readonly=True)

    def _has_archive(self) -> bool:
        return self.data_dir.has_archive()

    # --- reading ----------------------------------------------------------------------

    def search(self, query: str, *, day_from: date | None = None, day_to: date | None = None,
               sources: list[str] | None = None, sort: str = "relevance", limit: int = 10,
               offset: int = 0, group: bool = True, ids: list[str] | None = None,
               facets: bool = False) -> Results:
        """One page of hits, grouped one per story unless `group` is false; `facets`: also
        the count of every match per day and per source (`timeline` buckets them)."""
        if day_from and day_to and day_from > day_to:
            raise Invalid(_("the start date {start} is after the end date {end}").format(
                start=day_from, end=day_to))
        if self._searcher is None:
            from search.engine import Searcher

            self._searcher = Searcher(self.data_dir)
        return self._searcher.search(query, day_from=day_from, day_to=day_to, sources=sources,
                                     sort=sort, limit=limit, offset=offset, group=group, ids=ids,
                                     facets=facets)

    def timeline(self, query: str, *, by: str | None = None, day_from: date | None = None,
                 day_to: date | None = None, sources: list[str] | None = None,
                 group: bool = True) -> Timeline:
        """Matches of a query over time (per day, week or month; chosen by the range when
        `by` is None) and by source: what an analyst charts, counted over every match."""
        page = self.search(query, day_from=day_from, day_to=day_to, sources=sources, limit=0,
                           group=group, facets=True)
        return _timeline(query, page, by, day_from, day_to)

    def search_page(self, query: str, *, by: str | None = None, day_from: date | None = None,
                    day_to: date | None = None, sources: list[str] | None = None,
                    sort: str = "relevance", limit: int = 10, offset: int = 0,
                    group: bool = True) -> tuple[Results, Timeline]:
        """One page of hits and the timeline of every match, from one search (the web's
        search page: the chart above the results costs no second query)."""
        page = self.search(query, day_from=day_from, day_to=day_to, sources=sources, sort=sort,
                           limit=limit, offset=offset, group=group, facets=True)
        return page, _timeline(query, page, by, day_from, day_to)

    def each_hit(self, query: str, *, day_from: date | None = None,
                 day_to: date | None = None, sources: list[str] | None = None,
                 sort: str = "relevance", group: bool = True, limit: int | None = None,
                 batch: int = 500) -> Iterator[Hit]:
        """Every match (not one page), with snippets, in pages of `batch`: for exports.
        The first page is searched now, so a bad query is said before any output."""
        first = self.search(query, day_from=day_from, day_to=day_to, sources=sources,
                            sort=sort, group=group, limit=min(batch, limit or batch))
        wanted = first.total if limit is None else min(limit, first.total)

        def hits() -> Iterator[Hit]:
            page, offset = first, 0
            while True:
                yield from page.hits[:max(0, wanted - offset)]
                offset += len(page.hits)
                if not page.hits or offset >= wanted:
                    return
                page = self.search(query, day_from=day_from, day_to=day_to, sources=sources,
                                   sort=sort, group=group, offset=offset,
                                   limit=min(batch, wanted - offset))
        return hits()

    def details(self, article_id: str) -> dict[str, str | None]:
        """Author, section and full text of one article, for report columns."""
        try:
            view = self.article(article_id)
        except NotFound:
            return {}
        article = view.article
        text = f"{article.lead}\n\n{article.body}" if article.lead else article.body
        return {"author": article.author, "section": article.section, "text": text}

    def source_names(self) -> dict[str, str]:
        """Source slug -> the outlet's name from the sources file (none without one)."""
        if self.config is None:
            return {}
        return {slug: source.name for slug, source in self.config.sources.items()}

    def article(self, key: str) -> ArticleView:
        """By id or by any URL that led to it."""
        from indexer.stories import Stories

        with self._reader() as archive:
            article = archive.get(key.strip())
            if article is None:
                raise NotFound(_("no archived article {key!r}").format(key=key))
            stories = Stories(archive.db)
            story = stories.story_of([article.id]).get(article.id)
            members = stories.members([story])[story] if story else []
        return ArticleView(article, story, members)

    def stats(self) -> dict[str, Any]:
        """Articles and stories, by source and month; first publications and reprints."""
        from indexer.stories import Stories

        with self._reader() as archive:
            stats = archive.stats()
            stats.update(Stories(archive.db).counts())
        return stats

    def export(self) -> Iterator[dict[str, Any]]:
        """Every archived article as its JSON record with its story, in id order.  The
        archive is opened now, so a missing one is said before any output is written."""
        archive = self._reader()

        def records() -> Iterator[dict[str, Any]]:
            with archive:
                for article in archive.iter_articles():
                    yield {**article.to_json(), "story": archive.story_of(article.id)}
        return records()

    def rejected(self, sources: list[str], limit: int) -> list[dict[str, Any]]:
        if not self._has_archive():
            return []
        with self._reader() as archive:
            return archive.rejected(sources, limit)

    def sources(self) -> list[dict[str, Any]]:
        """The configured sources with what the archive holds of each."""
        config = self._config()
        counts: dict[str, int] = {}
        last: dict[str, str] = {}
        if self._has_archive():
            with self._reader() as archive:
                counts = archive.stats()["by_source"]  # type: ignore[assignment]
                last = archive.last_fetched()
        return [{"slug": s.slug, "name": s.name, "home": s.home, "feeds": list(s.feeds),
                 "sitemaps": list(s.sitemaps), "listings": list(s.listings), "topic": s.topic,
                 "every": s.every, "timezone": s.timezone, "articles": counts.get(s.slug, 0),
                 "last_crawl": last.get(s.slug)} for s in config.sources.values()]

    def status(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Per source: the last run, when the next is due, and whether it went stale (the
        last STALE_RUNS runs brought nothing new: a changed layout, or a block)."""
        config = self._config()
        from search.watch import local

        now = (now or datetime.now(self.zone)).astimezone(self.zone).replace(microsecond=0)
        latest: dict[str, dict[str, Any]] = {}
        counts: dict[str, int] = {}
        recent: dict[str, list[dict[str, Any]]] = {}
        totals: dict[str, int] = {}
        problems: dict[str, dict[str, int]] = {}
        if self._has_archive():
            with self._reader() as archive:
                latest = archive.latest_runs()
                counts = archive.run_counts()
                totals = archive.stats()["by_source"]  # type: ignore[assignment]
                recent = {s: archive.runs(s, limit=STALE_RUNS) for s in config.sources}
                problems = archive.problem_counts()
        rows = []
        for source in config.sources.values():
            run = latest.get(source.slug)
            last_run = None
            next_run = now.isoformat()
            if run:
                last_run = {"started": local(run["started"], self.zone),
                            "finished": local(run["finished"], self.zone),
                            "articles_new": run["articles_new"], "pages": run["pages"],
                            "errors": run["errors"], "messages": run["messages"],
                            "outcome": run["outcome"], "ok": run["outcome"] == "ok"}
                next_run = (datetime.fromisoformat(str(run["started"]))
                            + timedelta(seconds=source.every_seconds)).astimezone(
                                self.zone).isoformat()
            history = recent.get(source.slug, [])
            stale = len(history) >= STALE_RUNS and all(
                r["articles_new"] == 0 and r["outcome"] != "running" for r in history)
            found = problems.get(source.slug, {})
            rows.append({"source": source.slug, "runs": counts.get(source.slug, 0),
                         "articles": totals.get(source.slug, 0), "every": source.every,
                         "partial": found.get("partial", 0),
                         "rejected": found.get("rejected", 0),
                         "last_run": last_run, "next_run": next_run, "stale": stale})
        return rows

    # --- watches and digests ----------------------------------------------------------

    def watches(self) -> list[dict[str, Any]]:
        if not self._has_archive():
            return []
        with self._reader() as archive:
            return archive.watches()

    @property
    def zone(self) -> ZoneInfo:
        """The one clock of run times, status and digests: `[crawler] timezone`."""
        return ZoneInfo(self.config.timezone if self.config else DEFAULT_TIMEZONE)

    @property
    def zone_name(self) -> str:
        return self.config.timezone if self.config else DEFAULT_TIMEZONE

    def add_watch(self, name: str, query: str, source: str | None = None,
                  backfill: str | date = "none") -> None:
        """A malformed query or an unknown source is refused now, not at 3 a.m.

        `backfill` says what the archive already holds that the watch matches is to the
        channels: "none" (the default): already delivered, only what is archived from now
        on is sent; a day: what was archived since that day (in the configured zone) is
        sent, older matches are not; "all": every match is sent."""
        from search import watch

        name = name.strip()
        if not name or not query.strip():
            raise Invalid(_("a watch needs a name and a query"))
        if source is not None:
            self._source_known(source)
        if not isinstance(backfill, date) and backfill not in ("none", "all"):
            raise Invalid(_("--backfill takes none, all or a date, not {value!r}").format(
                value=backfill))
        watch.check_query(self.data_dir, query)
        now = datetime.now(UTC).replace(microsecond=0).isoformat()
        send_from = {"none": now, "all": "0000"}.get(backfill) if isinstance(backfill, str) \
            else watch.day_start(backfill, self.zone)
        with self.data_dir.open_archive(create=True) as archive:
            skipped: set[str] = set()
            if send_from != "0000" and archive.count():
                listed = {"name": name, "query": query, "source": source}
                skipped = {e["story"] for e in watch.entries(self, archive, listed, None, self.zone)
                           if _utc(e["matched"]) < send_from}
            archive.save_watch(name, query, source, send_from, skipped)

    def remove_watch(self, name: str) -> None:
        if not self._has_archive():
            raise NotFound(_("no watch named {name!r}").format(name=name))
        with self.data_dir.open_archive() as archive:
            if not archive.remove_watch(name):
                raise NotFound(_("no watch named {name!r}").format(name=name))

    def record_hits(self, run_id: str, new_ids: list[str]) -> int:
        """Match every watch against a run's new articles; returns the hits added."""
        from search import watch

        return watch.record_hits(self.data_dir, self, run_id, new_ids)

    def digest(self, since: date) -> list[dict[str, Any]]:
        """Per watch, the stories it matched on or after `since`, each once with its outlets."""
        from search import watch

        return watch.digest(self.data_dir, self, since)

    def pending(self, since: date | None = None) -> dict[str, list[dict[str, Any]]]:
        """Per configured channel, per watch, the matches it has not delivered yet (archived
        since `since`, a day in the zone; default: the last 30 days)."""
        from search import watch
        from search.notify.deliver import pending

        channels = self.config.notify.channels if self.config else []
        if not channels or not self._has_archive():
            return {}
        start = watch.day_start(since, self.zone) if since else None
        with self._reader() as archive:
            return {c.name: pending(self, archive, c.name, start) for c in channels}

    def deliver(self, since: date | None = None, sleep: Any = None) -> list[Any]:
        """Send every pending match on each configured channel and record it; one report
        per channel (search/notify/deliver.py).  Nothing configured: an empty list."""
        from search import watch
        from search.notify.deliver import deliver

        if not self._has_archive():
            return []
        start = watch.day_start(since, self.zone) if since else None
        return deliver(self, start, sleep=sleep)

    def channels(self) -> list[dict[str, Any]]:
        """The configured channels with their last delivery attempt (times in the zone)."""
        from search.watch import local

        config = self._config()
        attempts: dict[str, dict[str, Any]] = {}
        if self._has_archive():
            with self._reader() as archive:
                attempts = archive.channel_attempts()
        rows = []
        for channel in config.notify.channels:
            last = dict(attempts.get(channel.name) or {})
            for key in ("attempted", "last_ok"):
                if last.get(key):
                    last[key] = local(last[key], self.zone)
            rows.append({"channel": channel.name, "last_attempt": last or None})
        return rows

    # --- writing ----------------------------------------------------------------------

    def import_file(self, path: Path) -> Counter[str]:
        """All or nothing (search/importer.py); returns new/updated/unchanged counts."""
        from search.importer import BadImportFile, import_jsonl

        try:
            return import_jsonl(path, self.data_dir, progress=bar)
        except BadImportFile as exc:
            raise Invalid(str(exc)) from None

    def reindex(self) -> tuple[int, int]:
        """Rebuild the index from the archive; returns (articles newly given a story,
        articles indexed)."""
        from indexer.stories import Stories

        with self.data_dir.open_archive() as archive:
            with archive.transaction():  # an archive made before stories gets them first
                assigned = Stories(archive.db).assign_missing()
            total = self.data_dir.index.rebuild(
                bar(archive.iter_articles(), archive.count(), _("reindexing")),
                story_of=archive.story_of)
            archive.mark_all_indexed()
        return assigned, total

    def stories(self, rebuild: bool = False) -> dict[str, int]:
        """Story counts; `rebuild` re-clusters the archive in publication order (stories
        are then named after their first publishers) and re-indexes what moved."""
        from indexer.stories import Stories

        changed = None
        with self.data_dir.open_archive() as archive:  # an older archive gets its stories
            stories = Stories(archive.db)
            if rebuild:
                with archive.transaction():
                    changed = stories.rebuild()
                archive.mark_indexed(changed, value=0)
                self.data_dir.catch_up(archive)
            result = {"articles": archive.count(), "stories": stories.counts()["stories"],
                      "unassigned": stories.unassigned()}
        if changed is not None:
            result["changed"] = len(changed)
        return result

    def compact(self) -> int:
        """Merge the index's segments into one; returns how many were merged."""
        self.data_dir.ensure_writable()
        with working(_("merging index segments")):
            return self.data_dir.index.compact()

    def check(self, force: bool = False) -> CheckReport:
        """The archive is the truth: the index gets what it lacks and loses what it should
        not have — unless the archive looks damaged or emptied, when nothing is dropped."""
        from indexer.backend import IndexMissing

        index = self.data_dir.index
        with self.data_dir.open_archive() as archive:
            try:
                indexed = index.ids()
            except IndexMissing as exc:
                total = index.rebuild(bar(archive.iter_articles(), archive.count(),
                                          _("rebuilding")), story_of=archive.story_of)
                archive.mark_all_indexed()
                return CheckReport(total, 0, total, 0, total, rebuilt=str(exc))
            archived = archive.ids()
            missing, extra = archived - indexed, indexed - archived
            if extra and not force:
                _refuse_to_drop(archive, len(archived), len(extra))
            if missing:
                archive.mark_indexed(missing, value=0)
            with working(_("indexing {n} missing articles").format(n=len(missing)) if missing
                         else _("checking")):
                repaired = self.data_dir.catch_up(archive)
                index.delete(extra)
        return CheckReport(len(archived), len(indexed), len(missing), len(extra), repaired)

    def reclean(self, sources: list[str], since: date | None, partial: bool) -> Counter[str]:
        from crawler.reclean import reclean

        config = self._config()
        for slug in sources:
            self._source_known(slug)
        self.data_dir.open_archive().close()  # no archive yet: one clear line
        return reclean(self.data_dir, config, sources or None,
                       since.isoformat() if since else None, partial)

    # --- helpers ----------------------------------------------------------------------

    def _config(self) -> Config:
        if self.config is None:
            raise Invalid(_("no sources file given"))
        return self.config

    def _source_known(self, slug: str) -> None:
        self._config().select([slug])  # an unknown source: ConfigError naming the known ones


def _utc(stamp: str | None) -> str:
    if not stamp:
        return ""
    return datetime.fromisoformat(stamp).astimezone(UTC).replace(microsecond=0).isoformat()


def _timeline(query: str, page: Results, by: str | None, day_from: date | None,
              day_to: date | None) -> Timeline:
    days = {_from_number(n): c for n, c in page.days.items()}
    if by is None:
        first = day_from or min(days, default=None)
        last = day_to or max(days, default=None)
        span = (last - first).days if first and last else 0
        by = "day" if span <= 62 else "week" if span <= 366 else "month"
    if by not in BUCKETS:
        raise Invalid(_("unknown period {by!r}: day, week or month").format(by=by))
    buckets: dict[date, int] = {}
    for day, count in days.items():
        start = _bucket(day, by)
        buckets[start] = buckets.get(start, 0) + count
    if buckets:  # empty periods between the first and last match are shown as zero
        current, last_bucket = min(buckets), max(buckets)
        while current < last_bucket:
            current = _next_bucket(current, by)
            buckets.setdefault(current, 0)
    return Timeline(query=query, by=by, total=page.total, articles=page.articles,
                    counts=sorted(buckets.items()),
                    sources=sorted(page.sources.items(), key=lambda kv: (-kv[1], kv[0])),
                    undated=page.total - sum(days.values()), suggestion=page.suggestion,
                    corrected=page.corrected)


def _refuse_to_drop(archive: Archive, archived: int, extra: int) -> None:
    """The index is the last copy of articles an archive lost: dropping them must be asked."""
    from indexer.health import ArchiveDamaged, advice, quick_check

    problem = quick_check(archive.db.conn) if archive.db.dialect == "sqlite" else None
    if problem:
        raise ArchiveDamaged(_("archive {path} is damaged ({problem}); the index's {extra} "
                               "articles it lacks were kept; {advice}").format(
                                   path=archive.path, problem=problem, extra=extra,
                                   advice=advice(archive.path)))
    if not archived:
        raise ArchiveDamaged(_("archive {path} holds no articles but the index holds {extra}: "
                               "not removing them (restore a backup with `newsmon restore "
                               "FILE`, or run `newsmon check --force` if the archive was "
                               "emptied on purpose)").format(path=archive.path, extra=extra))
