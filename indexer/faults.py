"""Faults of the machine rather than of the input, worded as what happened and what to do.

A full disk used to read `database or disk is full (details in no log: data dir not
writable)`, a damaged archive `DatabaseError: database disk image is malformed`: true,
but not what an analyst can act on.  Each known fault becomes one line and an exit code.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from indexer.health import ArchiveDamaged, advice
from indexer.i18n import _, ngettext

_DAMAGED = ("malformed", "not a database", "file is encrypted", "disk i/o error")


def describe(exc: BaseException, root: Path | None) -> tuple[str, int] | None:
    """(message, exit code) for a known fault, or None for a real bug."""
    archive = root / "archive.sqlite" if root else Path("archive.sqlite")
    text = str(exc).lower()
    if isinstance(exc, ArchiveDamaged):
        return str(exc), 1
    if _disk_full(exc):
        return _("disk full under {root}: the command stopped; every article archived before "
                 "it is kept and nothing archived was lost{kept}; free some space, then run "
                 "`newsmon check`").format(root=root, kept=_kept(archive)), 1
    if (isinstance(exc, sqlite3.OperationalError | OSError) and _read_only(root)) or \
            (isinstance(exc, sqlite3.OperationalError) and "readonly" in text) or \
            (isinstance(exc, OSError) and exc.errno == errno.EROFS):
        return _("data dir {root} is read-only (even a search writes there: SQLite's "
                 "write-ahead log); remount it read-write or pass another --data-dir").format(
                     root=root), 2
    if isinstance(exc, PermissionError) or (
            isinstance(exc, sqlite3.OperationalError) and "unable to open" in text):
        where = getattr(exc, "filename", None) or root
        return _("permission denied on {where}: run newsmon as the user who owns the data "
                 "dir, or fix its permissions").format(where=where), 2
    if (isinstance(exc, sqlite3.DatabaseError) and any(w in text for w in _DAMAGED)) or \
            isinstance(exc, UnicodeDecodeError):
        return _("archive {path} is damaged ({problem}); {advice}").format(
            path=archive, problem=exc, advice=advice(archive)), 1
    return None


def _read_only(root: Path | None) -> bool:
    try:
        return bool(root and os.statvfs(root).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _disk_full(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc):
        return True
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def _kept(archive: Path) -> str:
    try:
        db = sqlite3.connect(archive, timeout=5)
        try:
            count = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        finally:
            db.close()
    except (sqlite3.Error, OSError):
        return ""
    return " " + ngettext("(the archive holds {n:,} article)",
                          "(the archive holds {n:,} articles)", count).format(n=count)
