"""Is archive.sqlite newsmon's archive, whole?  Asked before anything opens it for writing.

SQLite takes a zero-byte file for a new, empty database, and will add newsmon's tables
to any database it is given; `check` then saw an archive without articles and dropped
all 300 from the index, the one copy left that could help recovery.  So an empty,
truncated or foreign file is refused with what to do next, and nothing is changed.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from indexer.i18n import _

HEADER = b"SQLite format 3\x00"


class ArchiveDamaged(RuntimeError):
    """The archive file cannot be used as it is: exit 1, with the way out in the message."""


def advice(path: Path) -> str:
    return _("nothing was changed; restore a backup (`newsmon restore FILE` into an empty data "
             "dir) or try SQLite's recovery: `sqlite3 {path} .recover | sqlite3 "
             "recovered.sqlite`").format(path=path)


def damaged(path: Path, what: str) -> ArchiveDamaged:
    return ArchiveDamaged(_("archive {path} {what}; {advice}").format(
        path=path, what=what, advice=advice(path)))


def inspect(path: Path, index_dir: Path) -> None:
    """Raise ArchiveDamaged unless `path` is absent, or looks like a whole newsmon archive.

    A zero-byte file beside an index that holds nothing is the trace of a first run
    killed at its first write, and is taken as new."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        # in use (or its last user was killed): its pages may be in the -wal file.  And the
        # file must not be opened outside SQLite now: closing any descriptor of it drops
        # this process's POSIX locks, and another process then takes itself for the last
        # user and deletes the -wal under a running crawl, losing what it had archived
        if size:
            _tables_checked(path)
        return
    if size == 0:
        if any(index_dir.glob("*.toc")):
            raise damaged(path, _("is empty (0 bytes) although the search index holds "
                                  "articles"))
        return
    with path.open("rb") as handle:
        head = handle.read(100)
    if not head.startswith(HEADER):
        raise damaged(path, _("is not an SQLite database"))
    if len(head) < 100:
        raise damaged(path, _("is truncated ({size} bytes)").format(size=size))
    for _attempt in range(3):  # a checkpoint in another process writes page 1 before the others
        expected = _expected_size(head)
        if not expected or size >= expected:
            break
        time.sleep(0.2)
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(100)
    else:
        raise damaged(path, _("is truncated ({size:,} of {expected:,} bytes)").format(
            size=size, expected=expected))
    _tables_checked(path)


def _tables_checked(path: Path) -> None:
    try:
        db = sqlite3.connect(path, timeout=30)  # only read from
        try:
            tables = {row[0] for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and (
                "locked" in str(exc) or "unable to open" in str(exc)):
            return  # busy, or a read-only or forbidden dir: not damage, and said when opened
        raise damaged(path, _("cannot be read ({error})").format(error=exc)) from None
    if tables and "articles" not in tables:
        raise damaged(path, _("is not a newsmon archive (it holds {tables})").format(
            tables=", ".join(sorted(tables)[:3])))


def quick_check(db: sqlite3.Connection) -> str | None:
    """SQLite's own check of every page (seconds for a large archive); None when whole."""
    try:
        rows = [row[0] for row in db.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None if rows == ["ok"] else "; ".join(rows)


def _expected_size(head: bytes) -> int:
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if head[24:28] != head[92:96]:  # the in-header page count is valid only when these agree
        return 0
    return page_size * int.from_bytes(head[28:32], "big")
