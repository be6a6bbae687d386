"""The archive: the source of truth, from which the index can always be rebuilt.

Raw HTML is kept zlib-compressed so improved cleaning can be re-applied
without re-crawling.  Every write is one transaction: a crawl killed at any
moment leaves either the whole article or none of it.

It lives in SQLite (a file in the data dir; its schema is SCHEMA below, older archives
upgraded in place) or in PostgreSQL (a database URL; its schema is the numbered
migrations in indexer/pg_migrations/).  One copy of the SQL serves both, through the
connection seam of indexer/sql.py.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from indexer import stories
from indexer.article import Article, article_id, normalize_url
from indexer.i18n import _
from indexer.sql import (
    Database,
    PostgresDatabase,
    is_url,
    latest_version,
    location,
    migrate,
    schema_version,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    source TEXT,
    title TEXT NOT NULL,
    lead TEXT,
    body TEXT NOT NULL,
    published TEXT,
    modified TEXT,
    author TEXT,
    section TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    language TEXT NOT NULL DEFAULT 'ru',
    fetched TEXT,
    html BLOB,
    indexed INTEGER NOT NULL DEFAULT 0,  -- 1 once the index holds this version
    matched TEXT NOT NULL DEFAULT '[]',  -- why the topic filter kept it
    partial INTEGER NOT NULL DEFAULT 0,  -- 1: text from the feed/sitemap, the page defeated us
    hints TEXT,                          -- what discovery said of the page (JSON), for reclean
    archived TEXT                        -- UTC, when this archive first held it (never changes)
);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published);
-- every URL that led to an archived article (fetched, redirected, canonical): never refetched
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,
    article_id TEXT NOT NULL
);
-- article URLs discovered but not yet fetched: an interrupted crawl starts from these
CREATE TABLE IF NOT EXISTS frontier (
    url TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    feed_text TEXT,         -- older newsmon: the feed's full text; now inside hints
    discovered TEXT NOT NULL,
    hints TEXT              -- what the feed or sitemap said of the page (JSON)
);
-- URLs found not to be articles (listings, soft 404s, dead or forbidden links): not
-- fetched again until they are SKIP_DAYS old.  kind: rejected (by the cleaner),
-- off-topic, http (404/410), ignored (robots.txt, off-site)
CREATE TABLE IF NOT EXISTS skipped (
    url TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    seen TEXT NOT NULL,
    source TEXT,
    kind TEXT
);
-- ETag / Last-Modified of feeds, for conditional requests
CREATE TABLE IF NOT EXISTS validators (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT
);
-- one row per source per crawl run
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT NOT NULL,
    source TEXT NOT NULL,
    pid INTEGER,
    started TEXT NOT NULL,
    finished TEXT,
    pages INTEGER NOT NULL DEFAULT 0,
    articles_new INTEGER NOT NULL DEFAULT 0,
    articles_updated INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    messages TEXT NOT NULL DEFAULT '[]',
    outcome TEXT NOT NULL DEFAULT 'running',
    log TEXT,
    PRIMARY KEY (run_id, source)
);
CREATE INDEX IF NOT EXISTS runs_source ON runs(source, started);
CREATE TABLE IF NOT EXISTS watches (
    name TEXT PRIMARY KEY,
    query TEXT NOT NULL,
    source TEXT,
    created TEXT NOT NULL,
    send_from TEXT  -- UTC: matches archived before this are not delivered (watch add --backfill)
);
CREATE TABLE IF NOT EXISTS watch_hits (
    watch TEXT NOT NULL,
    article_id TEXT NOT NULL,
    run_id TEXT,
    matched TEXT NOT NULL,
    PRIMARY KEY (watch, article_id)
);
-- what each channel delivered: a (watch, story, channel) row is written after the server
-- accepted the message, so it is never sent again.  channel '*': every channel (a match
-- older than the watch's backfill boundary, which no channel is to send)
CREATE TABLE IF NOT EXISTS deliveries (
    watch TEXT NOT NULL,
    story TEXT NOT NULL,
    channel TEXT NOT NULL,
    article_id TEXT,
    delivered TEXT NOT NULL,
    PRIMARY KEY (watch, story, channel)
);
-- each channel's last delivery attempt, for `newsmon status`
CREATE TABLE IF NOT EXISTS channel_attempts (
    channel TEXT PRIMARY KEY,
    attempted TEXT NOT NULL,
    ok INTEGER NOT NULL,
    error TEXT,
    sent INTEGER NOT NULL DEFAULT 0,
    pending INTEGER NOT NULL DEFAULT 0,
    last_ok TEXT
);
"""

SKIP_DAYS = 30
# what makes a refetched article "updated" rather than "unchanged"
_COMPARED = ("title", "lead", "body", "published", "modified", "author", "section", "tags",
             "matched", "partial")
_COLUMNS = ("id", "url", "source", "title", "lead", "body", "published", "modified", "author",
            "section", "tags", "language", "fetched", "matched", "partial")
# columns added after the first release, with what an older archive's rows get
_ADDED = {
    "articles": (("indexed", "INTEGER NOT NULL DEFAULT 0"),
                 ("matched", "TEXT NOT NULL DEFAULT '[]'"),
                 ("partial", "INTEGER NOT NULL DEFAULT 0"), ("hints", "TEXT"),
                 ("archived", "TEXT")),
    "watches": (("send_from", "TEXT"),),
    "frontier": (("hints", "TEXT"),),
    "skipped": (("source", "TEXT"), ("kind", "TEXT")),
}


class ReadOnly(RuntimeError):
    """A write asked of an archive opened for reading: the caller opened it wrongly."""


class Archive:
    db: Database

    def __init__(self, path: Path | str, readonly: bool = False) -> None:
        """`path`: the SQLite file, or a PostgreSQL URL.  `readonly`: for the commands that
        only read (search, show, stats, export, status, digest), which must work on a data
        dir the user may not change — a read-only mount, a colleague's copy, a replica.
        Nothing is created, migrated or written then."""
        self.readonly = readonly
        if is_url(path):
            self.path = location(str(path))
            self._open_postgres(str(path))
            return
        path = Path(path)
        self.path = path
        if readonly:
            self.db = Database(_connect_readonly(path))
            _require_current(self.db.conn, path)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = Database(sqlite3.connect(path, timeout=30, isolation_level=None))
        # switching to WAL takes an exclusive lock that SQLite's busy timeout does not wait
        # for: two crawl workers opening a new archive at once got "database is locked"
        with path.with_name(path.name + ".setup-lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._set_up()

    def _open_postgres(self, url: str) -> None:
        """The schema is made or upgraded by the numbered migrations; a reader finds it
        current or refuses, as for SQLite."""
        if self.readonly:
            version = schema_version(url)
            if version < latest_version():
                raise ReadOnly(_("archive at {path} has schema version {version}, older than "
                                 "this newsmon's: it needs upgrading; run a writing command "
                                 "once (e.g. `newsmon check`) with write access").format(
                                     path=self.path, version=version))
        migrate(url)  # a reader's finds the schema current and writes nothing
        self.db = PostgresDatabase(url, self.readonly)

    def _set_up(self) -> None:
        """WAL, the schema and the columns added since the first release, in place."""
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.conn.executescript(SCHEMA)
        for table, added in _ADDED.items():
            columns = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
            for name, kind in added:
                if name not in columns:  # archives made before the column existed
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
        self.db.execute("CREATE INDEX IF NOT EXISTS articles_unindexed ON articles(indexed) "
                        "WHERE indexed = 0")
        if self.db.execute("SELECT 1 FROM articles WHERE archived IS NULL LIMIT 1").fetchone():
            # rows of an archive made before the column: when they were fetched, in UTC
            # (SQLite's strftime reads the stored offset), else now
            with self.db.transaction():
                self.db.execute(
                    "UPDATE articles SET archived = COALESCE(strftime('%Y-%m-%dT%H:%M:%S+00:00',"
                    " fetched), ?) WHERE archived IS NULL", (_now(),))
        self.db.execute("CREATE INDEX IF NOT EXISTS articles_archived ON articles(archived)")
        stories.migrate(self.db.conn)  # the story tables (indexer/stories.py), added in place

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction for many save() calls: all of them or none.  Every write
        goes through here, so a reader's write is refused alike on both backends."""
        if self.readonly:
            raise ReadOnly(_("archive {path} was opened read-only").format(path=self.path))
        with self.db.transaction():
            yield

    def save(self, article: Article, html: bytes | None = None,
             fetched_urls: Iterable[str] = ()) -> str:
        """Insert or update one article; returns "new", "updated" or "unchanged"."""
        if not self.db.in_transaction:
            with self.transaction():
                return self.save(article, html, fetched_urls)
        old = self.db.execute(f"SELECT {', '.join(_COMPARED)} FROM articles WHERE id = ?",
                              (article.id,)).fetchone()
        return self._write(article, _row(article), tuple(old) if old else None, html,
                           fetched_urls)

    def save_many(self, articles: Sequence[Article]) -> list[str]:
        """save() of each (no HTML: an import), in the open transaction: the stored rows
        read in one statement a few hundred articles and the writes sent without waiting
        for each answer (psycopg's pipeline), not five round trips an article."""
        if not self.db.in_transaction:
            with self.transaction():
                return self.save_many(articles)
        olds: dict[str, tuple | None] = {}
        ids = list(dict.fromkeys(a.id for a in articles))
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for row in self.db.execute(
                    f"SELECT id, {', '.join(_COMPARED)} FROM articles "
                    f"WHERE id IN ({', '.join('?' * len(chunk))})", chunk):
                olds[row[0]] = tuple(row[1:])
        states = []
        with self.db.pipeline():
            for article in articles:
                row = _row(article)
                states.append(self._write(article, row, olds.get(article.id)))
                # the same id again in the batch: compared with this version
                olds[article.id] = tuple(row[c] for c in _COMPARED)
        return states

    def _write(self, article: Article, row: dict[str, object], old: tuple | None,
               html: bytes | None = None, fetched_urls: Iterable[str] = ()) -> str:
        state = "new" if old is None else (
            "unchanged" if old == tuple(row[c] for c in _COMPARED) else "updated")
        if state != "unchanged":
            blob = zlib.compress(html, 6) if html is not None else None
            self.db.execute(
                f"INSERT INTO articles ({', '.join(_COLUMNS)}, html, archived) "
                f"VALUES ({', '.join('?' * (len(_COLUMNS) + 2))}) "
                "ON CONFLICT(id) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[1:])
                + ", html = COALESCE(excluded.html, articles.html), indexed = 0",
                (*[row[c] for c in _COLUMNS], blob, _now()),
            )
        for url in {article.url, *fetched_urls}:
            self.db.execute("INSERT INTO urls (url, article_id) VALUES (?, ?) "
                            "ON CONFLICT DO NOTHING",
                            (normalize_url(url), article.id))
            # what discovery said of the page stays with the article, for `newsmon reclean`
            self.db.execute("UPDATE articles SET hints = COALESCE((SELECT hints FROM frontier "
                            "WHERE url = ? AND hints IS NOT NULL), hints) WHERE id = ?",
                            (normalize_url(url), article.id))
            self.db.execute("DELETE FROM frontier WHERE url = ?", (normalize_url(url),))
        return state

    def mark_indexed(self, ids: Iterable[str], value: int = 1) -> None:
        with self.transaction():
            self.db.executemany("UPDATE articles SET indexed = ? WHERE id = ?",
                                [(value, i) for i in ids])

    def mark_all_indexed(self) -> None:
        with self.transaction():
            self.db.execute("UPDATE articles SET indexed = 1 WHERE indexed = 0")

    def unindexed(self, limit: int = 1000) -> list[Article]:
        rows = self.db.execute(f"SELECT {', '.join(_COLUMNS)} FROM articles WHERE indexed = 0 "
                               "LIMIT ?", (limit,)).fetchall()
        return [_article(row) for row in rows]

    def known_urls(self, sources: Iterable[str] | None = None) -> set[str]:
        """Normalized URLs that must not be fetched again: archived ones, and recent skips."""
        cutoff = (datetime.now(UTC) - timedelta(days=SKIP_DAYS)).isoformat()
        skipped = {r[0] for r in self.db.execute("SELECT url FROM skipped WHERE seen >= ?",
                                                 (cutoff,))}
        if sources is None:
            rows = self.db.execute("SELECT url FROM urls")
        else:
            names = list(sources)
            rows = self.db.execute(
                "SELECT u.url FROM urls u JOIN articles a ON a.id = u.article_id "
                f"WHERE a.source IN ({', '.join('?' * len(names))})", names)
        return {r[0] for r in rows} | skipped

    def get(self, key: str) -> Article | None:
        """By id or by any URL that led to the article."""
        row = self.db.execute(f"SELECT {', '.join(_COLUMNS)} FROM articles WHERE id = ?",
                              (key,)).fetchone()
        if row is None and "://" in key:
            row = self.db.execute(
                f"SELECT {', '.join('a.' + c for c in _COLUMNS)} FROM articles a "
                "JOIN urls u ON u.article_id = a.id WHERE u.url = ?",
                (normalize_url(key),)).fetchone()
            if row is None:
                row = self.db.execute(f"SELECT {', '.join(_COLUMNS)} FROM articles WHERE id = ?",
                                      (article_id(key),)).fetchone()
        return _article(row) if row else None

    def get_many(self, ids: list[str]) -> dict[str, Article]:
        """By id, in one query per 500: indexing what was just archived asked one each."""
        found: dict[str, Article] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for row in self.db.execute(
                    f"SELECT {', '.join(_COLUMNS)} FROM articles WHERE id IN "
                    f"({', '.join('?' * len(chunk))})", chunk):
                found[row[0]] = _article(row)
        return found

    def texts(self, ids: list[str]) -> dict[str, str]:
        """Lead and body of each article, for snippets."""
        if not ids:
            return {}
        rows = self.db.execute(
            f"SELECT id, lead, body FROM articles WHERE id IN ({', '.join('?' * len(ids))})",
            ids)
        return {i: f"{lead}\n\n{body}" if lead else body for i, lead, body in rows}

    def html(self, key: str) -> bytes | None:
        row = self.db.execute("SELECT html FROM articles WHERE id = ?", (key,)).fetchone()
        return zlib.decompress(row[0]) if row and row[0] is not None else None

    def iter_articles(self, batch: int = 500) -> Iterator[Article]:
        """All articles in a stable order, fetched in batches so memory stays flat."""
        last = ""
        while True:
            rows = self.db.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM articles WHERE id > ? ORDER BY id LIMIT ?",
                (last, batch)).fetchall()
            if not rows:
                return
            for row in rows:
                yield _article(row)
            last = rows[-1][0]

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def stats(self) -> dict[str, object]:
        by_source = dict(self.db.execute(
            "SELECT COALESCE(source, ''), COUNT(*) FROM articles GROUP BY 1 ORDER BY 2 DESC"))
        by_month = dict(self.db.execute(
            "SELECT COALESCE(substr(published, 1, 7), 'undated'), COUNT(*) FROM articles "
            "GROUP BY 1 ORDER BY 1"))
        by_source_month: dict[str, dict[str, int]] = {}
        for source, month, n in self.db.execute(
                "SELECT COALESCE(source, ''), COALESCE(substr(published, 1, 7), 'undated'), "
                "COUNT(*) FROM articles GROUP BY 1, 2 ORDER BY 1, 2"):
            by_source_month.setdefault(source, {})[month] = n
        return {"articles": self.count(), "by_source": by_source, "by_month": by_month,
                "by_source_month": by_source_month}

    def archived_since(self, since: str) -> list[str]:
        """Ids of the articles this archive first held at or after `since` (UTC ISO)."""
        return [row[0] for row in self.db.execute(
            "SELECT id FROM articles WHERE archived >= ? ORDER BY archived, id", (since,))]

    def archived_at(self, ids: Iterable[str]) -> dict[str, str]:
        """id -> when the archive first held it (UTC ISO)."""
        names = list(ids)
        found: dict[str, str] = {}
        for start in range(0, len(names), 500):
            chunk = names[start:start + 500]
            found.update(self.db.execute(
                f"SELECT id, archived FROM articles WHERE id IN ({', '.join('?' * len(chunk))})",
                chunk))
        return found

    def source_names(self) -> set[str]:
        """Every source the archive holds an article of."""
        return {s for s, in self.db.execute(
            "SELECT DISTINCT source FROM articles WHERE source IS NOT NULL")}

    def last_fetched(self) -> dict[str, str]:
        return dict(self.db.execute(
            "SELECT source, MAX(fetched) FROM articles WHERE source IS NOT NULL GROUP BY 1"))


    # --- frontier and validators (used by the crawler) ---------------------------------------

    def frontier_add(self, source: str, url: str, hints: dict | None = None) -> None:
        # a URL found again with hints (a feed item after a listing's link) keeps them
        self.db.execute("INSERT INTO frontier (url, source, hints, discovered) "
                        "VALUES (?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
                        "hints = COALESCE(excluded.hints, frontier.hints)",
                        (normalize_url(url), source,
                         json.dumps(hints, ensure_ascii=False) if hints else None, _now()))

    def frontier_done(self, url: str, skipped: str | None = None, kind: str | None = None,
                      source: str | None = None) -> None:
        """The URL was dealt with; `skipped` says why it is not an article, if it is not."""
        key = normalize_url(url)
        with self.transaction():
            if skipped:
                self.db.execute(
                    "INSERT INTO skipped (url, reason, seen, source, kind) "
                    "VALUES (?, ?, ?, COALESCE(?, (SELECT source FROM frontier WHERE url = ?)),"
                    " ?) ON CONFLICT(url) DO UPDATE SET reason = excluded.reason, "
                    "seen = excluded.seen, source = excluded.source, kind = excluded.kind",
                    (key, skipped, _now(), source, key, kind))
            self.db.execute("DELETE FROM frontier WHERE url = ?", (key,))

    def frontier(self, sources: Iterable[str]) -> list[tuple[str, str, dict]]:
        """(source, url, hints) of URLs discovered but not yet dealt with."""
        names = list(sources)
        rows = self.db.execute(
            f"SELECT source, url, hints, feed_text FROM frontier WHERE source IN "
            f"({', '.join('?' * len(names))}) ORDER BY discovered", names).fetchall()
        return [(source, url, _hints(hints, feed_text)) for source, url, hints, feed_text in rows]

    def rejected(self, sources: Iterable[str] | None = None,
                 limit: int = 1000) -> list[dict[str, str]]:
        """Pages the cleaner refused, newest first: what a user checks for lost articles."""
        names = list(sources or [])
        where = f"AND source IN ({', '.join('?' * len(names))})" if names else ""
        cursor = self.db.execute(
            f"SELECT seen, source, url, reason FROM skipped WHERE kind = 'rejected' {where} "
            "ORDER BY seen DESC, url LIMIT ?", [*names, limit])
        return [dict(zip(("seen", "source", "url", "reason"), row, strict=True))
                for row in cursor]

    def problem_counts(self) -> dict[str, dict[str, int]]:
        """Per source: partial articles archived, pages the cleaner rejected."""
        counts: dict[str, dict[str, int]] = {}
        for source, n in self.db.execute(
                "SELECT COALESCE(source, ''), COUNT(*) FROM articles WHERE partial = 1 "
                "GROUP BY 1"):
            counts.setdefault(source, {"partial": 0, "rejected": 0})["partial"] = n
        for source, n in self.db.execute(
                "SELECT COALESCE(source, ''), COUNT(*) FROM skipped WHERE kind = 'rejected' "
                "GROUP BY 1"):
            counts.setdefault(source, {"partial": 0, "rejected": 0})["rejected"] = n
        return counts

    def hints(self, key: str) -> dict:
        row = self.db.execute("SELECT hints FROM articles WHERE id = ?", (key,)).fetchone()
        return _hints(row[0] if row else None)

    def reclean_candidates(self, sources: Iterable[str] | None = None,
                           since: str | None = None, partial: bool = False,
                           batch: int = 200) -> Iterator[tuple[Article, bytes, dict]]:
        """Archived articles with their raw HTML and hints, in batches (memory stays flat)."""
        names = list(sources or [])
        where = ["html IS NOT NULL"]
        args: list[object] = []
        if names:
            where.append(f"source IN ({', '.join('?' * len(names))})")
            args += names
        if since:
            where.append("COALESCE(published, fetched) >= ?")
            args.append(since)
        if partial:
            where.append("partial = 1")
        last = ""
        while True:
            rows = self.db.execute(
                f"SELECT {', '.join(_COLUMNS)}, html, hints FROM articles "
                f"WHERE {' AND '.join(where)} AND id > ? ORDER BY id LIMIT ?",
                [*args, last, batch]).fetchall()
            if not rows:
                return
            for row in rows:
                yield _article(row[:len(_COLUMNS)]), zlib.decompress(row[-2]), _hints(row[-1])
            last = rows[-1][0]

    def validators(self) -> dict[str, tuple[str | None, str | None]]:
        return {url: (etag, modified) for url, etag, modified in
                self.db.execute("SELECT url, etag, last_modified FROM validators")}

    def save_validators(self, found: dict[str, tuple[str | None, str | None]]) -> None:
        with self.transaction():
            self.db.executemany("INSERT INTO validators VALUES (?, ?, ?) ON CONFLICT(url) "
                                "DO UPDATE SET etag = excluded.etag, "
                                "last_modified = excluded.last_modified",
                                [(url, *pair) for url, pair in found.items()])

    # --- run history ------------------------------------------------------------------------

    def run_started(self, run_id: str, sources: Iterable[str], pid: int, log: str) -> None:
        with self.transaction():
            self.db.executemany(
                "INSERT INTO runs (run_id, source, pid, started, log) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(run_id, source) DO UPDATE SET pid = excluded.pid, "
                "started = excluded.started, log = excluded.log, finished = NULL, pages = 0, "
                "articles_new = 0, articles_updated = 0, errors = 0, messages = '[]', "
                "outcome = 'running'", [(run_id, s, pid, _now(), log) for s in sources])

    def run_finished(self, run_id: str, source: str, *, pages: int, new: int, updated: int,
                     messages: list[str], outcome: str) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE runs SET finished = ?, pages = ?, articles_new = ?, articles_updated = ?, "
                "errors = ?, messages = ?, outcome = ? WHERE run_id = ? AND source = ?",
                (_now(), pages, new, updated, len(messages),
                 json.dumps(messages[:5], ensure_ascii=False), outcome, run_id, source))

    def run_ended_abnormally(self, run_id: str, outcome: str, message: str) -> None:
        """A run whose process died or was killed: its rows still say 'running'."""
        with self.transaction():
            self.db.execute(
                "UPDATE runs SET finished = ?, outcome = ?, errors = errors + 1, messages = ? "
                "WHERE run_id = ? AND outcome = 'running'",
                (_now(), outcome, json.dumps([message], ensure_ascii=False), run_id))

    def runs(self, source: str | None = None, limit: int = 50,
             latest: bool = False) -> list[dict[str, object]]:
        """Newest first; `latest`: only the newest run of each source."""
        where, args = ("WHERE source = ?", [source]) if source else ("WHERE TRUE", [])
        if latest:
            where += (" AND started = (SELECT MAX(started) FROM runs r2 "
                      "WHERE r2.source = runs.source)")
        cursor = self.db.execute(
            f"SELECT run_id, source, pid, started, finished, pages, articles_new, "
            f"articles_updated, errors, messages, outcome, log FROM runs {where} "
            f"ORDER BY started DESC LIMIT ?", [*args, limit])
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor]
        for row in rows:
            row["messages"] = json.loads(row["messages"])
        return rows

    def latest_runs(self) -> dict[str, dict[str, object]]:
        """The newest run of each source."""
        return {str(row["source"]): row for row in self.runs(limit=100_000, latest=True)}

    def run_counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT source, COUNT(*) FROM runs GROUP BY source"))


    # --- watches: saved queries and what they matched (search/watch.py) -------------------

    def save_watch(self, name: str, query: str, source: str | None,
                   send_from: str | None = None, skipped: Iterable[str] = ()) -> None:
        """Add or replace a watch; `send_from` (UTC ISO): matches archived earlier are not
        delivered, and the `skipped` stories (older matches) count as delivered on every
        channel.  Replacing a watch starts its delivery log afresh."""
        now = _now()
        with self.transaction():
            self.db.execute("INSERT INTO watches (name, query, source, created, send_from) "
                            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                            "query = excluded.query, source = excluded.source, "
                            "created = excluded.created, send_from = excluded.send_from",
                            (name, query, source, now, send_from or now))
            self.db.execute("DELETE FROM deliveries WHERE watch = ?", (name,))
            self.db.executemany("INSERT INTO deliveries VALUES (?, ?, '*', NULL, ?) "
                                "ON CONFLICT DO NOTHING",
                                [(name, story, now) for story in skipped])

    def remove_watch(self, name: str) -> bool:
        with self.transaction():
            gone = self.db.execute("DELETE FROM watches WHERE name = ?", (name,)).rowcount
            self.db.execute("DELETE FROM watch_hits WHERE watch = ?", (name,))
            self.db.execute("DELETE FROM deliveries WHERE watch = ?", (name,))
        return bool(gone)

    def watches(self) -> list[dict[str, object]]:
        rows = self.db.execute(
            "SELECT w.name, w.query, w.source, w.created, COALESCE(w.send_from, w.created), "
            "COUNT(h.article_id) FROM watches w "
            "LEFT JOIN watch_hits h ON h.watch = w.name GROUP BY w.name ORDER BY w.name")
        return [{"name": n, "query": q, "source": s, "created": c, "send_from": f, "hits": k}
                for n, q, s, c, f, k in rows]

    # --- deliveries: what each channel sent (search/notify/) ------------------------------

    def delivered(self, watch: str, channel: str) -> set[str]:
        """Stories of this watch the channel delivered, or that no channel is to send."""
        return {row[0] for row in self.db.execute(
            "SELECT story FROM deliveries WHERE watch = ? AND channel IN (?, '*')",
            (watch, channel))}

    def record_deliveries(self, channel: str, sent: Iterable[tuple[str, str, str]]) -> int:
        """(watch, story, article id) each, delivered on `channel` now; one transaction."""
        now = _now()
        with self.transaction():
            return self.db.executemany(
                "INSERT INTO deliveries VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(w, s, channel, a, now) for w, s, a in sent]).rowcount

    def record_attempt(self, channel: str, *, ok: bool, error: str | None, sent: int,
                       pending: int) -> None:
        now = _now()
        with self.transaction():
            self.db.execute(
                "INSERT INTO channel_attempts (channel, attempted, ok, error, sent, pending, "
                "last_ok) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(channel) DO UPDATE SET "
                "attempted = excluded.attempted, ok = excluded.ok, error = excluded.error, "
                "sent = excluded.sent, pending = excluded.pending, "
                "last_ok = COALESCE(excluded.last_ok, channel_attempts.last_ok)",
                (channel, now, int(ok), error, sent, pending, now if ok else None))

    def channel_attempts(self) -> dict[str, dict[str, object]]:
        if self.db.dialect == "sqlite" and not self.db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'channel_attempts'").fetchone():
            return {}  # a reader of an archive made before channels
        cursor = self.db.execute("SELECT channel, attempted, ok, error, sent, pending, last_ok "
                                 "FROM channel_attempts ORDER BY channel")
        names = [d[0] for d in cursor.description]
        rows = {row[0]: dict(zip(names, row, strict=True)) for row in cursor}
        for row in rows.values():
            row["ok"] = bool(row["ok"])
        return rows

    def watch_stories(self, story: str) -> set[tuple[str, str]]:
        """(watch, story) pairs already matched for this story: a reprint of a story a
        digest showed is not news again."""
        return set(self.db.execute(
            "SELECT h.watch, m.story FROM watch_hits h JOIN story_members m "
            "ON m.article_id = h.article_id WHERE m.story = ?", (story,)))

    def add_watch_hits(self, hits: Iterable[tuple[str, str, str | None]]) -> None:
        """(watch, article id, run id) each, stamped now; a pair already there is kept."""
        now = _now()
        with self.transaction():
            self.db.executemany("INSERT INTO watch_hits VALUES (?, ?, ?, ?) "
                                "ON CONFLICT DO NOTHING",
                                [(w, a, r, now) for w, a, r in hits])

    def watch_hits(self, watch: str, since: str) -> dict[str, str]:
        """article id -> when the watch matched it, for matches on or after `since`."""
        return dict(self.db.execute(
            "SELECT article_id, matched FROM watch_hits WHERE watch = ? AND matched >= ? "
            "ORDER BY matched DESC", (watch, since)))

    # --- lookups for export and check ----------------------------------------------------

    def story_of(self, article_id: str) -> str | None:
        """One indexed lookup: an export of a large archive does not hold the whole map."""
        row = self.db.execute("SELECT story FROM story_members WHERE article_id = ?",
                              (article_id,)).fetchone()
        return row[0] if row else None

    def ids(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT id FROM articles")}


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """mode=ro still needs the -wal and -shm files, which SQLite creates beside the archive;
    where it may not (a read-only dir) and no -wal holds pages, the file is opened immutable."""
    from urllib.parse import quote

    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    wal = path.with_name(path.name + "-wal")
    has_wal = wal.exists() and wal.stat().st_size > 0
    if not os.access(path.parent, os.W_OK) and not has_wal:
        uri += "&immutable=1"
    db = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
    db.execute("PRAGMA query_only = 1")
    return db


def _require_current(db: sqlite3.Connection, path: Path) -> None:
    """A reader cannot upgrade an older archive, and must not misread one."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(articles)")}
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    missing = [c for c, _ in _ADDED["articles"] if c not in columns]
    if not columns or missing or not {"watches", "story_members", "deliveries"} <= tables:
        raise ReadOnly(_("archive {path} was made by an older newsmon and needs upgrading; "
                         "run a writing command once (e.g. `newsmon check`) where it may be "
                         "written").format(path=path))


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _hints(raw: str | None, feed_text: str | None = None) -> dict:
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    if feed_text and "full_text" not in data:  # a frontier row written by an older newsmon
        data = {**data, "full_text": feed_text, "listed": True}
    return data


def _row(article: Article) -> dict[str, object]:
    data = article.to_json()
    data["tags"] = json.dumps(list(article.tags), ensure_ascii=False)
    data["matched"] = json.dumps(list(article.matched), ensure_ascii=False)
    data["partial"] = int(article.partial)
    return data


def _article(row: tuple) -> Article:
    data = dict(zip(_COLUMNS, row, strict=True))
    tags = tuple(json.loads(data.pop("tags") or "[]"))
    data["matched"] = tuple(json.loads(data["matched"] or "[]"))
    data["partial"] = bool(data["partial"])
    for key in ("published", "modified", "fetched"):
        data[key] = datetime.fromisoformat(data[key]) if data[key] else None
    return Article(tags=tags, **data)
