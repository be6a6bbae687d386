"""The SQLite archive: the source of truth, from which the index can always be rebuilt.

Raw HTML is kept zlib-compressed so improved cleaning can be re-applied
without re-crawling.  Every write is one transaction: a crawl killed at any
moment leaves either the whole article or none of it.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.article import Article, article_id, normalize_url
from indexer import stories

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
    matched TEXT NOT NULL DEFAULT '[]'   -- why the topic filter kept it
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
    feed_text TEXT,
    discovered TEXT NOT NULL
);
-- URLs found not to be articles (listings, soft 404s, dead or forbidden links): not
-- fetched again until they are SKIP_DAYS old
CREATE TABLE IF NOT EXISTS skipped (
    url TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    seen TEXT NOT NULL
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
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS watch_hits (
    watch TEXT NOT NULL,
    article_id TEXT NOT NULL,
    run_id TEXT,
    matched TEXT NOT NULL,
    PRIMARY KEY (watch, article_id)
);
"""

SKIP_DAYS = 30
# what makes a refetched article "updated" rather than "unchanged"
_COMPARED = ("title", "lead", "body", "published", "modified", "author", "section", "tags",
             "matched")
_COLUMNS = ("id", "url", "source", "title", "lead", "body", "published", "modified", "author",
            "section", "tags", "language", "fetched", "matched")


class Archive:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._in_transaction = False
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(articles)")}
        for name, kind in (("indexed", "INTEGER NOT NULL DEFAULT 0"),
                           ("matched", "TEXT NOT NULL DEFAULT '[]'")):
            if name not in columns:  # archives made before the column existed
                self.db.execute(f"ALTER TABLE articles ADD COLUMN {name} {kind}")
        self.db.execute("CREATE INDEX IF NOT EXISTS articles_unindexed ON articles(indexed) "
                        "WHERE indexed = 0")
        stories.migrate(self.db)  # the story tables (indexer/stories.py), added in place

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction for many save() calls: all of them or none."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self._in_transaction = True
            try:
                yield
            finally:
                self._in_transaction = False

    def save(self, article: Article, html: bytes | None = None,
             fetched_urls: Iterable[str] = ()) -> str:
        """Insert or update one article; returns "new", "updated" or "unchanged"."""
        if not self._in_transaction:
            with self.transaction():
                return self.save(article, html, fetched_urls)
        row = _row(article)
        old = self.db.execute(f"SELECT {', '.join(_COMPARED)} FROM articles WHERE id = ?",
                              (article.id,)).fetchone()
        state = "new" if old is None else (
            "unchanged" if tuple(old) == tuple(row[c] for c in _COMPARED) else "updated")
        if state != "unchanged":
            blob = zlib.compress(html, 6) if html is not None else None
            self.db.execute(
                f"INSERT INTO articles ({', '.join(_COLUMNS)}, html) "
                f"VALUES ({', '.join('?' * (len(_COLUMNS) + 1))}) "
                "ON CONFLICT(id) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[1:])
                + ", html = COALESCE(excluded.html, articles.html), indexed = 0",
                (*[row[c] for c in _COLUMNS], blob),
            )
        for url in {article.url, *fetched_urls}:
            self.db.execute("INSERT OR IGNORE INTO urls (url, article_id) VALUES (?, ?)",
                            (normalize_url(url), article.id))
            self.db.execute("DELETE FROM frontier WHERE url = ?", (normalize_url(url),))
        return state

    def mark_indexed(self, ids: Iterable[str], value: int = 1) -> None:
        with self.db:
            self.db.executemany("UPDATE articles SET indexed = ? WHERE id = ?",
                                [(value, i) for i in ids])

    def mark_all_indexed(self) -> None:
        with self.db:
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

    def last_fetched(self) -> dict[str, str]:
        return dict(self.db.execute(
            "SELECT source, MAX(fetched) FROM articles WHERE source IS NOT NULL GROUP BY 1"))


    # --- frontier and validators (used by the crawler) ---------------------------------------

    def frontier_add(self, source: str, url: str, feed_text: str | None = None) -> None:
        self.db.execute("INSERT OR IGNORE INTO frontier (url, source, feed_text, discovered) "
                        "VALUES (?, ?, ?, ?)", (normalize_url(url), source, feed_text, _now()))

    def frontier_done(self, url: str, skipped: str | None = None) -> None:
        """The URL was dealt with; `skipped` says why it is not an article, if it is not."""
        with self.db:
            self.db.execute("DELETE FROM frontier WHERE url = ?", (normalize_url(url),))
            if skipped:
                self.db.execute("INSERT OR REPLACE INTO skipped VALUES (?, ?, ?)",
                                (normalize_url(url), skipped, _now()))

    def frontier(self, sources: Iterable[str]) -> list[tuple[str, str, str | None]]:
        names = list(sources)
        return self.db.execute(
            f"SELECT source, url, feed_text FROM frontier WHERE source IN "
            f"({', '.join('?' * len(names))}) ORDER BY discovered", names).fetchall()

    def validators(self) -> dict[str, tuple[str | None, str | None]]:
        return {url: (etag, modified) for url, etag, modified in
                self.db.execute("SELECT url, etag, last_modified FROM validators")}

    def save_validators(self, found: dict[str, tuple[str | None, str | None]]) -> None:
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO validators VALUES (?, ?, ?)",
                                [(url, *pair) for url, pair in found.items()])

    # --- run history ------------------------------------------------------------------------

    def run_started(self, run_id: str, sources: Iterable[str], pid: int, log: str) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO runs (run_id, source, pid, started, log) "
                "VALUES (?, ?, ?, ?, ?)", [(run_id, s, pid, _now(), log) for s in sources])

    def run_finished(self, run_id: str, source: str, *, pages: int, new: int, updated: int,
                     messages: list[str], outcome: str) -> None:
        with self.db:
            self.db.execute(
                "UPDATE runs SET finished = ?, pages = ?, articles_new = ?, articles_updated = ?, "
                "errors = ?, messages = ?, outcome = ? WHERE run_id = ? AND source = ?",
                (_now(), pages, new, updated, len(messages),
                 json.dumps(messages[:5], ensure_ascii=False), outcome, run_id, source))

    def run_ended_abnormally(self, run_id: str, outcome: str, message: str) -> None:
        """A run whose process died or was killed: its rows still say 'running'."""
        with self.db:
            self.db.execute(
                "UPDATE runs SET finished = ?, outcome = ?, errors = errors + 1, messages = ? "
                "WHERE run_id = ? AND outcome = 'running'",
                (_now(), outcome, json.dumps([message], ensure_ascii=False), run_id))

    def runs(self, source: str | None = None, limit: int = 50,
             latest: bool = False) -> list[dict[str, object]]:
        """Newest first; `latest`: only the newest run of each source."""
        where, args = ("WHERE source = ?", [source]) if source else ("WHERE 1", [])
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


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _row(article: Article) -> dict[str, object]:
    data = article.to_json()
    data["tags"] = json.dumps(list(article.tags), ensure_ascii=False)
    data["matched"] = json.dumps(list(article.matched), ensure_ascii=False)
    return data


def _article(row: tuple) -> Article:
    data = dict(zip(_COLUMNS, row, strict=True))
    tags = tuple(json.loads(data.pop("tags") or "[]"))
    data["matched"] = tuple(json.loads(data["matched"] or "[]"))
    for key in ("published", "modified", "fetched"):
        data[key] = datetime.fromisoformat(data[key]) if data[key] else None
    return Article(tags=tags, **data)
