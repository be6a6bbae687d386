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
from datetime import datetime
from pathlib import Path

from crawler.article import Article, article_id, normalize_url

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
    html BLOB
);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published);
-- every URL that led to an archived article (fetched, redirected, canonical): never refetched
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,
    article_id TEXT NOT NULL
);
"""

_COLUMNS = ("id", "url", "source", "title", "lead", "body", "published", "modified", "author",
            "section", "tags", "language", "fetched")


class Archive:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save(self, article: Article, html: bytes | None = None,
             fetched_urls: Iterable[str] = ()) -> str:
        """Insert or update one article; returns "new", "updated" or "unchanged"."""
        row = _row(article)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            old = self.db.execute(
                "SELECT title, lead, body, published, modified, author, section, tags "
                "FROM articles WHERE id = ?", (article.id,)).fetchone()
            state = "new" if old is None else (
                "unchanged" if tuple(old) == (row["title"], row["lead"], row["body"],
                                              row["published"], row["modified"], row["author"],
                                              row["section"], row["tags"]) else "updated")
            if state != "unchanged":
                blob = zlib.compress(html, 6) if html is not None else None
                self.db.execute(
                    f"INSERT INTO articles ({', '.join(_COLUMNS)}, html) "
                    f"VALUES ({', '.join('?' * (len(_COLUMNS) + 1))}) "
                    "ON CONFLICT(id) DO UPDATE SET "
                    + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[1:])
                    + ", html = COALESCE(excluded.html, articles.html)",
                    (*[row[c] for c in _COLUMNS], blob),
                )
            for url in {article.url, *fetched_urls}:
                self.db.execute("INSERT OR IGNORE INTO urls (url, article_id) VALUES (?, ?)",
                                (normalize_url(url), article.id))
        return state

    def known_urls(self, sources: Iterable[str] | None = None) -> set[str]:
        """Normalized URLs that must not be fetched again."""
        if sources is None:
            rows = self.db.execute("SELECT url FROM urls")
        else:
            names = list(sources)
            rows = self.db.execute(
                "SELECT u.url FROM urls u JOIN articles a ON a.id = u.article_id "
                f"WHERE a.source IN ({', '.join('?' * len(names))})", names)
        return {r[0] for r in rows}

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


def _row(article: Article) -> dict[str, object]:
    data = article.to_json()
    data["tags"] = json.dumps(list(article.tags), ensure_ascii=False)
    return data


def _article(row: tuple) -> Article:
    data = dict(zip(_COLUMNS, row, strict=True))
    tags = tuple(json.loads(data.pop("tags") or "[]"))
    for key in ("published", "modified", "fetched"):
        data[key] = datetime.fromisoformat(data[key]) if data[key] else None
    return Article(tags=tags, **data)
