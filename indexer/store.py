"""The data directory: everything newsmon writes lives under it, in one known layout."""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO

from indexer import health
from indexer.archive import Archive, ReadOnly
from indexer.article import Article
from indexer.backend import IndexBackend, IndexBusy, IndexMissing
from indexer.i18n import _
from indexer.sql import errors
from indexer.stories import Stories

SAVE_CHUNK = 500
ARCHIVE_SCHEMA = 3  # the PostgreSQL migration that adds the archive (003_archive.sql)
log = logging.getLogger("newsmon.store")


class DataDirError(RuntimeError):
    pass


class Locked(RuntimeError):
    """Another process holds the lock; `pid` says which, as it wrote it."""

    def __init__(self, pid: str) -> None:
        super().__init__(pid)
        self.pid = pid


@dataclass(frozen=True)
class DataDir:
    """Where one installation keeps its archive and index.

    Without a database: the archive in `archive.sqlite`, the Whoosh index in `index/`.
    With one (`--database postgresql://…`, NEWSMON_DATABASE): both in that PostgreSQL
    database — the archive (articles, raw HTML, frontier, runs, watches, deliveries,
    stories) in its schema `archive`, the index in `public` — made and upgraded by the
    numbered migrations of indexer/pg_migrations/.  The data dir then keeps only what is
    per machine: run logs, locks, the word list."""

    root: Path
    database: str | None = field(
        default_factory=lambda: os.environ.get("NEWSMON_DATABASE") or None)

    @property
    def archive_path(self) -> Path:
        """The SQLite archive's file (not used with a database)."""
        return self.root / "archive.sqlite"

    @property
    def archive_location(self) -> Path | str:
        """What Archive() opens: the database URL, or the SQLite file."""
        return self.database or self.archive_path

    def has_archive(self) -> bool:
        """Whether there is an archive to read yet (a reader without one answers empty)."""
        if not self.database:
            return self.archive_path.exists()
        from indexer.sql import schema_version

        try:
            # an older newsmon's archive.sqlite beside it: opening says what to do with it
            return schema_version(self.database) >= ARCHIVE_SCHEMA or self.archive_path.exists()
        except errors():
            return True  # opening it says what is wrong

    @property
    def index(self) -> IndexBackend:
        """The search index: Whoosh, embedded in the data dir, is the default backend;
        with a database URL, PostgreSQL (indexer/postgres_index.py)."""
        if self.database:
            from indexer.postgres_index import PostgresIndex

            return PostgresIndex(self.database)
        from indexer.whoosh_index import WhooshIndex

        return WhooshIndex(self.root / "index")

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def ensure_writable(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataDirError(_("cannot create data dir {root} ({error})").format(
                root=self.root, error=exc.strerror)) from None
        if os.statvfs(self.root).f_flag & os.ST_RDONLY:
            raise DataDirError(_("data dir {root} is read-only (its file system is mounted "
                                 "read-only): remount it read-write or pass another "
                                 "--data-dir").format(root=self.root))
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise DataDirError(_("data dir {root} is not writable").format(root=self.root))

    def lock(self, name: str) -> IO[str]:
        """An exclusive lock file under the data dir, held until the handle is closed.

        flock dies with its process, so a killed crawl or scheduler leaves no stale lock."""
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid = handle.read().strip() or "?"
            handle.close()
            raise Locked(pid) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        return handle

    def open_archive(self, create: bool = False, readonly: bool = False,
                     importing: bool = False) -> Archive:
        """`readonly` for the commands that only read: they work where nothing may be written.
        `importing`: `newsmon import`, which may fill a new database archive from an export
        of the SQLite one beside it."""
        if self.database:
            return self._open_database(create, readonly, importing)
        if create:
            self.ensure_writable()
        elif not self.archive_path.exists():
            raise DataDirError(_("no archive in {root} yet (run `newsmon crawl` first, "
                                 "or pass --data-dir)").format(root=self.root))
        health.inspect(self.archive_path, self.root / "index")
        if readonly:
            try:
                return Archive(self.archive_path, readonly=True)
            except ReadOnly:  # made by an older newsmon: upgraded first where it may be
                if not os.access(self.root, os.W_OK):
                    raise
                Archive(self.archive_path).close()
                return Archive(self.archive_path, readonly=True)
        return Archive(self.archive_path)

    def _open_database(self, create: bool, readonly: bool, importing: bool) -> Archive:
        from indexer.sql import location, schema_version

        url = self.database or ""
        where = location(url)
        # the archive of an older newsmon, which kept it here beside a database index:
        # taking the database's empty one for it would look like every article was lost
        beside = not importing and self.archive_path.exists()
        try:
            made = schema_version(url) >= ARCHIVE_SCHEMA
            if not made and not create:
                if beside:
                    raise self._left_beside(where)
                raise DataDirError(_("no archive in {where} yet (run `newsmon crawl` or "
                                     "`newsmon import` first)").format(where=where))
            try:
                archive = Archive(url, readonly=readonly)
            except ReadOnly:  # made by an older newsmon: upgraded first where it may be
                Archive(url).close()
                archive = Archive(url, readonly=True)
        except errors() as exc:
            raise DataDirError(_("cannot open the archive at {where} ({error})").format(
                where=where, error=str(exc).strip().splitlines()[0])) from None
        if beside and archive.db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None:
            archive.close()
            raise self._left_beside(where)
        return archive

    def _left_beside(self, where: str) -> DataDirError:
        return DataDirError(
            _("the archive at {where} is empty but {file} holds one: move it with "
              "`NEWSMON_DATABASE= newsmon --data-dir {root} export --format jsonl | newsmon "
              "--database URL import -`, then remove or rename that file").format(
                where=where, file=self.archive_path, root=self.root))

    def store(self, archive: Archive, articles: Iterable[tuple[Article, bytes | None, list[str]]],
              bulk: bool = False) -> list[str]:
        """Archive first (the truth), then index what changed: a crash between the two
        leaves an index that `newsmon reindex` repairs, never a lost article."""
        states: list[str] = []
        changed: list[str] = []
        pending = iter(articles)
        try:
            with self.index.writing(bulk=bulk) as write:
                # one archive transaction per chunk (a commit per article was a fifth of
                # an import's time), committed before its articles go to the index
                while chunk := list(islice(pending, SAVE_CHUNK)):
                    with archive.transaction():
                        saved = [(a, archive.save(a, html, urls)) for a, html, urls in chunk]
                        # in the same transaction: an article is never archived storyless
                        story = Stories(archive.db).assign(
                            a for a, state in saved if state != "unchanged")
                    states += [state for _, state in saved]
                    for article, state in saved:
                        if state != "unchanged":
                            write(article, state == "new", story[article.id])
                            changed.append(article.id)
        except (IndexBusy, IndexMissing, OSError) as exc:
            # what was archived stays archived and unindexed, for catch_up() or `newsmon check`
            log.warning("index not updated (%s); the next crawl or `newsmon check` will", exc)
            states += [archive.save(article, html, urls) for article, html, urls in pending]
            return states
        archive.mark_indexed(changed)
        return states

    def index_archived(self, archive: Archive, ids: list[tuple[str, bool]]) -> None:
        """Index articles already committed to the archive, (id, is new) each, in one bulk
        commit; if the index cannot be written they stay unindexed for catch_up()."""
        story = Stories(archive.db).story_of([i for i, _ in ids])
        try:
            with self.index.writing(bulk=True) as write:
                for start in range(0, len(ids), 500):  # read 500 at once, not all
                    chunk = ids[start:start + 500]
                    articles = archive.get_many([i for i, _ in chunk])
                    for article_id, is_new in chunk:
                        if (article := articles.get(article_id)) is not None:
                            write(article, is_new, story.get(article_id))
        except (IndexBusy, IndexMissing, OSError) as exc:
            log.warning("index not updated (%s); the next crawl or `newsmon check` will", exc)
            return
        archive.mark_indexed(i for i, _ in ids)

    def catch_up(self, archive: Archive) -> int:
        """Index what the archive holds but the index does not yet (a crawl killed between
        the two commits); returns how many articles were indexed."""
        total = 0
        while batch := archive.unindexed():
            with archive.transaction():
                stories = Stories(archive.db).assign(batch)
            self.index.add(batch, stories)
            archive.mark_indexed(a.id for a in batch)
            total += len(batch)
        return total
