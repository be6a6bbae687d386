"""`newsmon backup DIR` and `newsmon restore FILE`.

The archive is the one thing that cannot be rebuilt, so a backup is a copy of it alone,
taken with SQLite's online backup API: one read transaction, a consistent snapshot
while crawls, imports and searches go on (in WAL mode readers never block writers).
A file copy taken during a write could hold half a transaction.  The sources file in
use is copied beside it.  The index is derived, so `restore` rebuilds it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from indexer import health
from indexer.archive import Archive
from indexer.i18n import _
from indexer.store import DataDir

PREFIX = "newsmon-"


class BackupError(ValueError):
    """A backup or restore that cannot be done as asked: exit 2."""


def backup(data_dir: DataDir, sources: Path | None, target_dir: Path,
           keep: int | None = None) -> tuple[Path, int]:
    """Write a consistent copy of the archive into target_dir; returns (file, articles)."""
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(_("cannot create backup dir {path} ({error})").format(
            path=target_dir, error=exc.strerror)) from None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = target_dir / f"{PREFIX}{stamp}.sqlite"
    partial = target.with_name(target.name + ".part")
    with data_dir.open_archive() as archive:
        try:
            copy = sqlite3.connect(partial)
            try:
                archive.db.conn.backup(copy)  # one step: one snapshot
                copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
                count = copy.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            finally:
                copy.close()
            _fsync(partial)
            partial.rename(target)
        finally:
            partial.unlink(missing_ok=True)
    if sources is not None and sources.is_file():
        shutil.copyfile(sources, target.with_suffix(".sources.toml"))
    if keep:
        for old in sorted(target_dir.glob(f"{PREFIX}*.sqlite"))[:-keep]:
            old.unlink(missing_ok=True)
            old.with_suffix(".sources.toml").unlink(missing_ok=True)
    return target, count


def restore(source: Path, data_dir: DataDir) -> int:
    """Bring a backup into an empty data dir and rebuild its index; returns the articles."""
    if not source.is_file():
        raise BackupError(_("no backup file {path}").format(path=source))
    try:
        health.inspect(source, source.parent / "no-index")
        db = sqlite3.connect(source)
        try:
            problem = health.quick_check(db)
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
        finally:
            db.close()
    except (health.ArchiveDamaged, sqlite3.DatabaseError) as exc:
        raise BackupError(_("{path} is not a usable newsmon backup ({problem})").format(
            path=source, problem=exc)) from None
    if problem or "articles" not in tables:
        raise BackupError(_("{path} is not a usable newsmon backup ({problem})").format(
            path=source, problem=problem or _("no articles table")))
    if data_dir.archive_path.exists() or any((data_dir.root / "index").glob("*.toc")):
        raise BackupError(_("data dir {root} already holds an archive; restore into an "
                            "empty data dir (--data-dir NEW), so nothing is overwritten").format(
                                root=data_dir.root))
    data_dir.ensure_writable()
    partial = data_dir.root / "archive.sqlite.part"
    try:
        src = sqlite3.connect(source)
        copy = sqlite3.connect(partial)
        try:
            src.backup(copy)
        finally:
            copy.close()
            src.close()
        _fsync(partial)
        partial.rename(data_dir.archive_path)
    finally:
        partial.unlink(missing_ok=True)
    with Archive(data_dir.archive_path) as archive:
        total = data_dir.index.rebuild(archive.iter_articles())
        archive.mark_all_indexed()
    return total


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
