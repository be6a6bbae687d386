"""Every word form the index holds, with the dictionary forms it was indexed under.

A cold `newsmon search` spent a quarter of its time loading pymorphy3's dictionary
to read the query's two or three words, though the indexer had read every word of
the archive already.  The writers keep those readings here, in a small SQLite file
in the index directory, written before each commit: the file always covers the
index.  A query word seen in the archive then needs no dictionary, and the forms a
snippet marks are the archive's own words indexed under the query's lemmas: what
the search matched, rather than pymorphy3's whole paradigm.

Only a file begun with its index covers all of it (`complete`); one added later to
an index built by an older newsmon serves query words but not snippets.  A file
that cannot be written fails the commit, so the index never holds a word the file
lacks; a file that cannot be read makes the search fall back to the dictionary.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from indexer import analysis
from indexer.analysis import ReadingsCache

FILE = "readings.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS readings (
    word TEXT NOT NULL, rank INTEGER NOT NULL, lemma TEXT NOT NULL,
    PRIMARY KEY (word, rank)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS readings_lemma ON readings (lemma);
"""


def begin(folder: Path) -> None:
    """The file of a new, empty index: every word it will hold passes record()."""
    db = _connect(folder)
    try:
        with db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('complete', '1')")
    finally:
        db.close()


def record(folder: Path, cache: ReadingsCache | None = None) -> dict[str, tuple[str, ...]]:
    """Save the readings this process made (`cache`, by default the analyzer's) that the
    folder's file may lack; call before committing a segment.  Returns them (a bulk
    worker hands them to its parent)."""
    cache = cache or analysis.READINGS
    target = _target(folder)
    found = cache.unsaved(target)
    if found:
        try:
            db = _connect(folder)
            try:
                with db:
                    db.executemany("INSERT OR IGNORE INTO readings VALUES (?, ?, ?)",
                                   sorted((word, rank, lemma) for word, lemmas in found.items()
                                          for rank, lemma in enumerate(lemmas)))
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise OSError(f"cannot record word readings in {folder / FILE} ({exc})") from None
    cache.mark_saved(target)
    return found


def learned(folder: Path, found: dict[str, tuple[str, ...]],
            cache: ReadingsCache | None = None) -> None:
    """Readings another process (a bulk worker) recorded in the folder's file."""
    (cache or analysis.READINGS).learn(found, _target(folder))


def _target(folder: Path) -> tuple[int, int]:
    stat = os.stat(folder)
    return stat.st_dev, stat.st_ino  # a rebuilt index at the same path is another file


class Readings:
    """The file opened for one search; every method answers empty when it cannot be read."""

    def __init__(self, folder: Path) -> None:
        self.db: sqlite3.Connection | None = None
        self.complete = False
        path = folder / FILE
        if not path.exists():
            return
        try:
            self.db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
            row = self.db.execute("SELECT value FROM meta WHERE key = 'complete'").fetchone()
            self.complete = row is not None
        except sqlite3.Error:
            self.close()

    def lemmas(self, words: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """The index forms of those lower-case words the archive holds, likeliest first."""
        wanted = sorted(set(words))
        if self.db is None or not wanted:
            return {}
        found: dict[str, list[str]] = {}
        try:
            for word, lemma in self.db.execute(
                    f"SELECT word, lemma FROM readings WHERE word IN ({_marks(wanted)}) "
                    "ORDER BY word, rank", wanted):
                found.setdefault(word, []).append(lemma)
        except sqlite3.Error:
            return {}
        return {word: tuple(lemmas) for word, lemmas in found.items()}

    def similar(self, word: str, spread: int = 2, limit: int = 20_000) -> list[str]:
        """Archived words and their dictionary forms that may be a few edits from `word`:
        the same first letter and a length within `spread` (candidates for a spelling fix)."""
        if self.db is None or not word:
            return []
        first = word[0]
        try:
            bounds = (first, chr(ord(first) + 1), len(word) - spread, len(word) + spread)
            rows = self.db.execute(
                "SELECT word FROM readings WHERE word >= ? AND word < ? "
                "AND length(word) BETWEEN ? AND ? UNION "
                "SELECT lemma FROM readings WHERE lemma >= ? AND lemma < ? "
                "AND length(lemma) BETWEEN ? AND ? LIMIT ?", (*bounds, *bounds, limit)).fetchall()
        except sqlite3.Error:
            return []
        return [w for w, in rows]

    def forms(self, lemmas: Iterable[str]) -> frozenset[str] | None:
        """Every archived word (lower-case, ё folded) indexed under one of `lemmas`, or
        None when the file does not cover the whole index."""
        wanted = sorted(set(lemmas))
        if self.db is None or not self.complete:
            return None
        try:
            rows = self.db.execute(f"SELECT word FROM readings WHERE lemma IN ({_marks(wanted)})",
                                   wanted).fetchall() if wanted else []
        except sqlite3.Error:
            return None
        return frozenset(word.replace("ё", "е") for word, in rows) | set(wanted)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def _connect(folder: Path) -> sqlite3.Connection:
    db = sqlite3.connect(folder / FILE, timeout=60)  # bulk workers write at once
    db.executescript(SCHEMA)
    return db


def _marks(values: list[str]) -> str:
    return ", ".join("?" * len(values))
