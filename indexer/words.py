"""Query words' dictionary forms and inflections, kept between runs of `newsmon search`.

A cold search spent 0.1 s of its 0.4 s loading pymorphy3's dictionaries to read two or
three query words.  The index's readings file (indexer/readings.py) answers for every
word the archive holds; this file keeps what was worked out for the others (and for
every word, with an index begun by an older newsmon), so a repeated query loads no
dictionary at all.  The file is keyed by the installed dictionary, so an upgrade starts
it afresh.  It is a cache: when it cannot be read or written, searching goes on without it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from indexer import analysis

ANALYSIS_VERSION = "1"  # bump when indexer/analysis.py reads words differently
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS lemmas (word TEXT PRIMARY KEY, lemmas TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS forms (lemma TEXT PRIMARY KEY, forms TEXT NOT NULL);
"""


class WordCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.db: sqlite3.Connection | None = None
        self.known_words: set[str] = set()
        self.known_lemmas: set[str] = set()

    def _open(self) -> sqlite3.Connection | None:
        if self.db is None:
            try:
                db = sqlite3.connect(self.path, timeout=0.5, isolation_level=None)
                db.executescript(SCHEMA)
                stamp = _dictionary_stamp()
                row = db.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()
                if row is None or row[0] != stamp:
                    db.executescript("DELETE FROM lemmas; DELETE FROM forms;")
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('stamp', ?)", (stamp,))
                self.db = db
            except sqlite3.Error:
                return None
        return self.db

    def prime(self, text: str, archived: dict[str, tuple[str, ...]] | None = None) -> None:
        """Hand the analyzer what is known of the query's words: `archived`, read from the
        index's readings (indexer/readings.py), then the rest from this file."""
        if archived:
            analysis.READINGS.recall(archived, {})
            self.known_words |= set(archived)
        words = query_words(text) - self.known_words
        db = self._open()
        if not words or db is None:
            return
        marks = ", ".join("?" * len(words))
        try:
            lemmas_of = {w: tuple(json.loads(f)) for w, f in db.execute(
                f"SELECT word, lemmas FROM lemmas WHERE word IN ({marks})", sorted(words))}
            wanted = sorted({lem for found in lemmas_of.values() for lem in found})
            forms_of = {lem: frozenset(json.loads(f)) for lem, f in db.execute(
                f"SELECT lemma, forms FROM forms WHERE lemma IN ({', '.join('?' * len(wanted))})",
                wanted)} if wanted else {}
        except sqlite3.Error:
            return
        analysis.READINGS.recall(lemmas_of, forms_of)
        self.known_words |= set(lemmas_of)
        self.known_lemmas |= set(forms_of)

    def keep(self, text: str, lemmas: Iterable[str]) -> None:
        """Store what this search worked out and the file did not have."""
        words = sorted(query_words(text) - self.known_words)
        new_lemmas = sorted(set(lemmas) - self.known_lemmas)
        if not words and not new_lemmas:
            return
        lemmas_of, forms_of = analysis.READINGS.remembered(words, new_lemmas)
        db = self._open()
        if db is None:
            return
        try:
            with db:
                db.executemany("INSERT OR REPLACE INTO lemmas VALUES (?, ?)",
                               [(w, json.dumps(f, ensure_ascii=False))
                                for w, f in lemmas_of.items()])
                db.executemany("INSERT OR REPLACE INTO forms VALUES (?, ?)",
                               [(lem, json.dumps(sorted(f), ensure_ascii=False))
                                for lem, f in forms_of.items()])
        except sqlite3.Error:
            return
        self.known_words |= set(lemmas_of)
        self.known_lemmas |= set(forms_of)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def query_words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _dictionary_stamp() -> str:
    """The installed versions of pymorphy3 and its dictionary, without importing them
    (their dist-info folder names carry the versions)."""
    spec = importlib.util.find_spec("pymorphy3_dicts_ru")
    if spec is None or not spec.origin:
        return ANALYSIS_VERSION
    site = Path(spec.origin).parent.parent
    names = sorted(n for n in os.listdir(site) if n.startswith("pymorphy3"))
    return ":".join([ANALYSIS_VERSION, *names])
