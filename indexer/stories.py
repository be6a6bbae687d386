"""Stories: one press item and its reprints by other outlets, found when an article is
archived.

A regional press release is reposted by most outlets within hours or days, with a new
headline, an attribution line («Как сообщили в пресс-службе…»), the tail cut or a
promo line added.  Each article joins the story of the earliest-published archived
article it reprints, or founds a story of its own, named after its own id.

Finding candidates must not compare an article with the whole archive: the body's
word 3-gram shingles get a MinHash signature (datasketch), cut into bands; an
article's band keys are stored in the archive (`story_bands`, SQLite or PostgreSQL), so
a candidate is an article sharing a band, found by one indexed lookup, with memory
bounded by the database's page cache, not by the archive.  Bands of two rows make an
article whose shingle sets overlap by a Jaccard of 0.3 (a reprint with most of its tail
cut) a candidate in 99% of cases; candidates are then confirmed exactly on their
shingle sets, by containment (the shorter text's share of shingles found in the other),
so a reprint cut to a third still counts, and a follow-up that quotes one paragraph
(«Напомним, …») does not.  Template notices (a water cut-off, an exam timetable: the same
sentences, another date and address) share most shingles; what tells them apart is their
numbers and names, so those must agree too.

Ids shown to users stay: an archived article never changes story, whatever arrives
later; a story's first publisher is its earliest-published member, computed when asked,
so a repost archived before its original still ends up with the original named first.
`rebuild()` re-clusters the archive in publication order, deterministically.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from indexer.i18n import _
from indexer.locks import die_with_parent

if TYPE_CHECKING:
    from indexer.sql import Database

SCHEMA = """
-- the story of each archived article: `story` is the id of the article that founded it
CREATE TABLE IF NOT EXISTS story_members (
    member INTEGER PRIMARY KEY,          -- arrival order; compact reference for the bands
    article_id TEXT NOT NULL UNIQUE,
    story TEXT NOT NULL,
    published INTEGER                    -- UTC epoch seconds, NULL when undated
);
CREATE INDEX IF NOT EXISTS story_members_story ON story_members(story);
-- MinHash band keys (band number mixed in) of each member's body shingles
CREATE TABLE IF NOT EXISTS story_bands (
    key INTEGER NOT NULL,
    member INTEGER NOT NULL,
    PRIMARY KEY (key, member)
) WITHOUT ROWID;
"""

SHINGLE = 3          # words per shingle
NUM_PERM = 64        # MinHash permutations
ROWS = 2             # rows per LSH band: 32 bands
SEED = 1
CONTAINMENT = 0.6    # share of the shorter text's shingles found in the other
MARKS = 0.6          # share of the shorter text's numbers and names found in the other
MIN_SHARED = 8       # shingles in common, at least: two short notes share little by chance
NEAR_COPY = 0.9      # a member this close to another adds no bands of its own
CANDIDATES = 40      # members sharing most bands, looked at per article
PER_STORY = 3        # members of one story checked before it is given up
BUCKET = 64          # members one band key keeps (see _candidates)
CACHE = 16000        # members kept ready for checking: their shingles, 2 KB each

# numbers (a date, a time, a phone: one mark each), and capitalized words not starting a
# sentence (the text's start, or a sentence end and a space before them): names, places,
# organizations.  Two plain patterns: one with the sentence end as an optional group
# before every word was tried at every character, three times slower.
_MARK = re.compile(r"[A-ZА-ЯЁ][a-zа-яё]+|\d+(?:[:.,\-]\d+)*")
_SENTENCE = re.compile(r"[.!?…]\s+")
_SCHEME: list = []  # the MinHash permutations, made on first use
_BANDS = np.arange(NUM_PERM // ROWS, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)


class Text:
    """What the exact check compares: a body's shingle hashes (sorted, unique uint32) and,
    only when a candidate is checked, its marks.  `raw` is the text, or how to read it
    back: a text kept for later articles keeps its shingles only, a fifth of its size."""

    __slots__ = ("_marks", "raw", "shingles")

    def __init__(self, shingles: np.ndarray, raw: str | Callable[[], str]) -> None:
        self.shingles = shingles
        self.raw = raw
        self._marks: frozenset[str] | None = None

    @property
    def marks(self) -> frozenset[str]:
        if self._marks is None:
            raw = self.raw if isinstance(self.raw, str) else self.raw() or ""
            starts = {m.end() for m in _SENTENCE.finditer(raw)}
            starts.add(0)
            found = {m[0] for m in _MARK.finditer(raw) if m.start() not in starts}
            self._marks = frozenset(m.lower().replace("ё", "е") for m in found)
        return self._marks


def text_of(lead: str | None, body: str) -> str:
    return f"{lead}\n\n{body}" if lead else body


def prepare(text: str) -> Text:
    """Shingle hashes without a Python step per word: the text's code points as an array,
    each word's polynomial hash from prefix sums (arithmetic modulo 2**64), then each
    SHINGLE words mixed into one hash."""
    points = np.frombuffer(text.lower().replace("ё", "е").encode("utf-32-le"), dtype=np.uint32)
    letter = np.zeros(len(points) + 2, dtype=bool)
    letter[1:-1] = _LETTER[np.minimum(points, len(_LETTER) - 1)]
    edges = np.flatnonzero(letter[1:] != letter[:-1])
    starts, ends = edges[0::2], edges[1::2]
    if not len(starts):
        return Text(np.empty(0, dtype=np.uint32), text)
    n = len(points)
    powers = _powers(n + 1)
    with np.errstate(over="ignore"):
        prefix = np.concatenate((_ZERO, np.cumsum(points.astype(np.uint64) * powers[0][:n],
                                                 dtype=np.uint64)))
        hashes = (prefix[ends] - prefix[starts]) * powers[1][starts]
        hashes ^= hashes >> np.uint64(31)
        if len(hashes) >= SHINGLE:
            end = len(hashes) - SHINGLE + 1
            mixed = hashes[:end].copy()
            for k in range(1, SHINGLE):
                mixed = mixed * np.uint64(0x100000001B3) ^ hashes[k:end + k]
        else:
            mixed = hashes
        values = (mixed ^ (mixed >> np.uint64(29))).astype(np.uint32)
    values.sort()
    if len(values) > 1:
        values = values[np.concatenate(([True], values[1:] != values[:-1]))]
    return Text(values, text)


_BASE = np.uint64(0x9E3779B97F4A7C15 | 1)  # odd, so invertible modulo 2**64
_ZERO = np.zeros(1, dtype=np.uint64)
_LETTER = np.zeros(0x451, dtype=bool)  # word characters after lower(): a-z, 0-9, а-я
_LETTER[0x61:0x7B] = _LETTER[0x30:0x3A] = _LETTER[0x430:0x450] = True
_POWERS: list[np.ndarray] = [np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64)]


def _powers(n: int) -> list[np.ndarray]:
    """BASE**k and BASE**-k modulo 2**64 for k < n, grown as longer texts come."""
    global _POWERS
    if len(_POWERS[0]) < n:
        size = max(n, 2 * len(_POWERS[0]), 1 << 14)
        inverse = np.uint64(pow(int(_BASE), -1, 1 << 64))
        with np.errstate(over="ignore"):
            up = np.cumprod(np.full(size, _BASE, dtype=np.uint64), dtype=np.uint64)
            down = np.cumprod(np.full(size, inverse, dtype=np.uint64), dtype=np.uint64)
        one = np.ones(1, dtype=np.uint64)
        _POWERS = [np.concatenate((one, up[:-1])), np.concatenate((one, down[:-1]))]
    return _POWERS


def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch 2.0's affine32 permutations for NUM_PERM and SEED, made as its
    MinHash._init_permutations makes them: odd multipliers a and offsets b, uint32.
    Importing datasketch itself (it loads scipy) took a second and 60 MB of every
    importing process, so its scheme is reproduced here, and tests/test_stories.py
    checks the signatures against datasketch's MinHash."""
    if not _SCHEME:
        gen = np.random.RandomState(SEED)
        a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
        _SCHEME.extend([a, b])
    return _SCHEME[0], _SCHEME[1]


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer: datasketch's input mix before the permutations."""
    with np.errstate(over="ignore"):
        values = values ^ (values >> np.uint32(16))
        values = values * np.uint32(0x85EBCA6B)
        values = values ^ (values >> np.uint32(13))
        values = values * np.uint32(0xC2B2AE35)
        return values ^ (values >> np.uint32(16))


def signature(text: Text) -> np.ndarray:
    """The text's MinHash: datasketch's affine32 scheme (its permutations, its input mix),
    applied to the whole shingle array at once; MinHash.update_batch calls a hash function
    per shingle, a third of the clustering time.  tests/test_stories.py checks that both
    give the same values."""
    a, b = _permutations()
    with np.errstate(over="ignore"):
        mixed = _fmix32(text.shingles.astype(np.uint32)).reshape(-1, 1)
        return (mixed * a + b).min(axis=0)


def band_keys(text: Text) -> np.ndarray:
    """The LSH band keys of a text: NUM_PERM / ROWS signed 64-bit integers, band number
    mixed in."""
    if not len(text.shingles):
        return np.empty(0, dtype=np.int64)
    values = signature(text).astype(np.uint64).reshape(-1, ROWS)
    with np.errstate(over="ignore"):
        keys = _BANDS.copy()
        for k in range(ROWS):
            keys = (keys ^ values[:, k]) * np.uint64(0x100000001B3)
    return keys.view(np.int64)


def overlap(a: Text, b: Text) -> float:
    """Containment: the share of the shorter text's shingles that the other holds."""
    small = min(len(a.shingles), len(b.shingles))
    if not small:
        return 0.0
    shared = len(np.intersect1d(a.shingles, b.shingles, assume_unique=True))
    if shared < min(MIN_SHARED, small):
        return 0.0
    return shared / small


def reprints(a: Text, b: Text) -> bool:
    """Whether one text reprints the other: most of the shorter one's shingles, and its
    numbers and names, are in the longer one."""
    if overlap(a, b) < CONTAINMENT:
        return False
    small = min(len(a.marks), len(b.marks))
    return small < 2 or len(a.marks & b.marks) >= MARKS * small


def epoch(published: datetime | None) -> int | None:
    return int(published.astimezone(UTC).timestamp()) if published else None


class Stories:
    """The stories of one archive, through its connection (`archive.db`, indexer/sql.py):
    the same SQL on SQLite and PostgreSQL."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._texts: OrderedDict[int, Text] = OrderedDict()
        self._batch: dict[int, str] = {}  # members being joined: their article ids

    # --- assigning --------------------------------------------------------------------------

    def assign(self, articles: Iterable[object],
               signed: Sequence[Signed | None] | None = None) -> dict[str, str]:
        """The story of each article (Article-like: id, lead, body, published); an article
        not yet in a story joins one or founds one.  Call inside the archive's write
        transaction: the articles of one batch can reprint each other.  `signed`, one per
        article in the same order: what sign() gave for its text (a Signer's workers
        computed them), so only the lookup and the checks are done here."""
        batch = list(articles)
        # originals before their reposts where one batch holds both (an import's order
        # is anyone's): undated last, then by id, as rebuild() orders the whole archive
        pending = sorted(zip(batch, signed if signed is not None else [None] * len(batch),
                             strict=True), key=lambda pair: _publication_order(pair[0]))
        known = self.story_of([a.id for a, _ in pending])  # type: ignore[attr-defined]
        todo = []
        for article, done in pending:
            if article.id not in known:  # type: ignore[attr-defined]
                shingles, keys = done or sign(text_of(article.lead,  # type: ignore[attr-defined]
                                                      article.body))  # type: ignore[attr-defined]
                todo.append((article, epoch(article.published),  # type: ignore[attr-defined]
                             shingles, keys))
        known.update(self._join(todo))
        return {a.id: known[a.id] for a, _ in pending}  # type: ignore[attr-defined]

    def _join(self, todo: list[tuple[Any, int | None, np.ndarray, np.ndarray]]
              ) -> dict[str, str]:
        """Each article, in this order, joins the story of the earliest-published member
        it reprints, or founds its own.  The batch's band keys are looked up at once (a
        query per article was a third of clustering's time in the importing process), and
        its new rows are written at the end, bands in key order (inserting each article's
        bands where they fall made the writes grow with the archive: 19 s of CPU for
        100,000 articles).  Only a key stored before or shared within the batch can give
        a candidate; the others, nearly all, are never looked at one by one."""
        sizes = np.array([len(keys) for *_, keys in todo], dtype=np.int64)
        flat = np.concatenate([keys for *_, keys in todo] or [np.empty(0, dtype=np.int64)])
        distinct, counts = np.unique(flat, return_counts=True)
        buckets: dict[int, list[int]] = {}
        about: dict[int, tuple[str, int | None]] = {}  # member: its story, published
        for key, member, story, published in self._bands(distinct.tolist()):
            buckets.setdefault(key, []).append(member)
            about[member] = (story, published)
        hot = np.isin(flat, distinct[(counts > 1) | np.isin(distinct, list(buckets))])
        article_of = np.repeat(np.arange(len(todo)), sizes)
        hot_keys: dict[int, list[int]] = {}
        for i, key in zip(article_of[hot].tolist(), flat[hot].tolist(), strict=True):
            hot_keys.setdefault(i, []).append(key)
        last = self.db.execute("SELECT COALESCE(MAX(member), 0) FROM story_members").fetchone()[0]
        member_of = np.zeros(len(todo), dtype=np.int64)  # 0: no bands of its own
        found: dict[str, str] = {}
        members: list[tuple[int, str, str, int | None]] = []
        shared_bands: list[tuple[int, int]] = []
        for i, (article, published, shingles, _keys) in enumerate(todo):
            article_id = article.id
            if article_id in found:  # listed twice
                continue
            # made here, not for the whole batch at once: the LRU bounds how many are held
            text = Text(shingles, text_of(article.lead, article.body))
            keys = list(dict.fromkeys(hot_keys.get(i, ())))
            best: tuple[tuple[int, int], str] | None = None
            near_copy = False
            for story, candidates in self._candidates(keys, buckets, about):
                for other_member, other_published in candidates[:PER_STORY]:
                    other = self._text(other_member)
                    if other is None or not reprints(text, other):
                        continue
                    order = (other_published if other_published is not None else 2**62,
                             other_member)
                    if best is None or order < best[0]:
                        best = (order, story)
                    near_copy = near_copy or overlap(text, other) >= NEAR_COPY
                    break
            story = best[1] if best else article_id
            member = last = last + 1
            members.append((member, article_id, story, published))
            about[member] = (story, published)
            self._batch[member] = article_id
            self._remember(member, article_id, text)
            found[article_id] = story
            if near_copy:  # a near copy's bands would only repeat its original's
                continue
            member_of[i] = member
            for key in keys:
                bucket = buckets.setdefault(key, [])
                if len(bucket) < BUCKET:
                    bucket.append(member)
                    shared_bands.append((key, member))
        self.db.executemany("INSERT INTO story_members (member, article_id, story, published) "
                            "VALUES (?, ?, ?, ?)", members)
        cold = ~hot & (member_of[article_of] > 0)
        extra = np.array(shared_bands, dtype=np.int64).reshape(-1, 2)
        keys = np.concatenate((flat[cold], extra[:, 0]))
        owners = np.concatenate((member_of[article_of[cold]], extra[:, 1]))
        order = np.lexsort((owners, keys))
        self.db.insert_integers("story_bands", ("key", "member"),
                                zip(keys[order].tolist(), owners[order].tolist(), strict=True))
        self._batch.clear()
        return found

    def _bands(self, keys: list[int]) -> Iterable[tuple[int, int, str, int | None]]:
        """The members stored under these keys (sorted: neighbouring index pages), with
        their stories."""
        for start in range(0, len(keys), 900):
            part = keys[start:start + 900]
            yield from self.db.execute(
                "SELECT b.key, b.member, m.story, m.published FROM story_bands b "
                "JOIN story_members m ON m.member = b.member "
                f"WHERE b.key IN ({', '.join('?' * len(part))})", part)

    @staticmethod
    def _candidates(keys: list[int], buckets: dict[int, list[int]],
                    about: dict[int, tuple[str, int | None]]
                    ) -> list[tuple[str, list[tuple[int, int | None]]]]:
        """Stories of the members sharing most bands with these keys, most shared first.
        A bucket holds at most BUCKET members: a band that many articles share is
        boilerplate, or a story already well represented, and an unbounded bucket made
        every lookup slower as the archive grew."""
        shared: dict[int, int] = {}
        for key in keys:
            for member in buckets.get(key, ()):
                shared[member] = shared.get(member, 0) + 1
        top = sorted(shared, key=lambda m: (-shared[m], m))[:CANDIDATES]
        stories: dict[str, list[tuple[int, int | None]]] = {}
        for member in top:
            story, published = about[member]
            stories.setdefault(story, []).append((member, published))
        return list(stories.items())

    def _remember(self, member: int, article_id: str, text: Text) -> None:
        text.raw = partial(_read, self.db, article_id)
        self._texts[member] = text
        if len(self._texts) > CACHE:
            self._texts.popitem(last=False)

    def _text(self, member: int) -> Text | None:
        text = self._texts.get(member)
        if text is None:
            article_id = self._batch.get(member)  # its row is not written yet
            row = (self.db.execute("SELECT id, lead, body FROM articles WHERE id = ?",
                                   (article_id,)) if article_id else self.db.execute(
                "SELECT a.id, a.lead, a.body FROM story_members m JOIN articles a "
                "ON a.id = m.article_id WHERE m.member = ?", (member,))).fetchone()
            if row is None:
                return None
            text = prepare(text_of(row[1], row[2]))
            self._remember(member, row[0], text)
        else:
            self._texts.move_to_end(member)
        return text

    def rebuild(self) -> list[str]:
        """Re-cluster every archived article, in publication order (undated last, then by
        id): the same archive always gives the same stories, each named after its first
        publisher.  Returns the ids of the articles whose story changed."""
        before = dict(self.db.execute("SELECT article_id, story FROM story_members"))
        self.db.execute("DELETE FROM story_bands")
        self.db.execute("DELETE FROM story_members")
        self._texts.clear()
        self.assign_missing()
        after = dict(self.db.execute("SELECT article_id, story FROM story_members"))
        return sorted(aid for aid, story in after.items() if before.get(aid) != story)

    def assign_missing(self, batch: int = 500) -> int:
        """Stories for the archived articles that have none (an archive made before
        stories), in publication order; returns how many were assigned."""
        dated = []
        for aid, published in self.db.execute(
                "SELECT id, published FROM articles a WHERE NOT EXISTS "
                "(SELECT 1 FROM story_members m WHERE m.article_id = a.id)"):
            when = epoch(datetime.fromisoformat(published)) if published else None
            dated.append((when is None, when or 0, aid))
        dated.sort()
        for start in range(0, len(dated), batch):
            ids = [aid for _, _, aid in dated[start:start + batch]]
            rows = {r[0]: _Stored(r[0], r[1], r[2], datetime.fromisoformat(r[3]) if r[3] else None)
                    for r in self.db.execute(f"SELECT id, lead, body, published FROM articles "
                                             f"WHERE id IN ({', '.join('?' * len(ids))})", ids)}
            self.assign([rows[aid] for aid in ids])
        return len(dated)

    def unassigned(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM articles a WHERE NOT EXISTS "
                               "(SELECT 1 FROM story_members m WHERE m.article_id = a.id)"
                               ).fetchone()[0]

    # --- reading ----------------------------------------------------------------------------

    def story_of(self, ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            found.update(self.db.execute(
                f"SELECT article_id, story FROM story_members WHERE article_id IN "
                f"({', '.join('?' * len(part))})", part))
        return found

    def sizes(self, stories: Iterable[str]) -> dict[str, int]:
        names = sorted(set(stories))
        if not names:
            return {}
        return dict(self.db.execute(
            f"SELECT story, COUNT(*) FROM story_members WHERE story IN "
            f"({', '.join('?' * len(names))}) GROUP BY story", names))

    def members(self, stories: Iterable[str]) -> dict[str, list[dict[str, object]]]:
        """Each story's articles, first publisher first (earliest published; undated last,
        then in arrival order)."""
        names = sorted(set(stories))
        found: dict[str, list[dict[str, object]]] = {name: [] for name in names}
        if not names:
            return found
        rows = self.db.execute(
            "SELECT m.story, a.id, a.source, a.published, a.url, a.title FROM story_members m "
            "JOIN articles a ON a.id = m.article_id "
            f"WHERE m.story IN ({', '.join('?' * len(names))}) "
            "ORDER BY m.story, m.published IS NULL, m.published, m.member", names)
        for story, aid, source, published, url, title in rows:
            found[story].append({"id": aid, "source": source, "published": published,
                                 "url": url, "title": title})
        return found

    def counts(self) -> dict[str, object]:
        """Articles and stories in all, and per source its first publications (the
        earliest-published article of a story) and its reprints."""
        stories = self.db.execute("SELECT COUNT(DISTINCT story) FROM story_members").fetchone()[0]
        by_source: dict[str, dict[str, int]] = {}
        for source, first, n in self.db.execute(
                "SELECT COALESCE(a.source, ''), r.rank = 1, COUNT(*) FROM (SELECT article_id, "
                "ROW_NUMBER() OVER (PARTITION BY story ORDER BY published IS NULL, published, "
                "member) AS rank FROM story_members) r JOIN articles a ON a.id = r.article_id "
                "GROUP BY 1, 2"):
            entry = by_source.setdefault(source, {"first": 0, "reprints": 0})
            entry["first" if first else "reprints"] += n
        return {"stories": stories, "by_source_stories": by_source}


Signed = tuple[np.ndarray, np.ndarray]  # a text's shingle hashes and its band keys


def sign(text: str) -> Signed:
    """What assign() needs of a text before looking up its candidates: the costly part
    of clustering (shingling and MinHash: 60% of its time), and the same for every
    archive, so it can be computed anywhere."""
    prepared = prepare(text)
    return prepared.shingles, band_keys(prepared)


def _read(db: Database, article_id: str) -> str | None:
    row = db.execute("SELECT lead, body FROM articles WHERE id = ?", (article_id,)).fetchone()
    return text_of(*row) if row else None


class Signer:
    """sign() for a batch of articles in `procs` worker processes, while the caller goes
    on (archiving the batch, assigning the one before): an import's clustering then
    costs its parent the candidate lookups and checks only.  The story assignment
    itself stays in the caller, in its transaction and in publication order, so the
    stories are the same as without workers.  Make it before opening the archive: the
    workers are forked then, holding no database connection.  With procs=1 (one CPU)
    signing is done at once in the caller.

    Each worker gets its share of a batch text by text down its own pipe and answers
    once.  A multiprocessing pool's three threads (one of them polling) took 0.65 s of
    the parent's CPU per 20,000 articles, and a worker that died left it waiting for
    good; here that is an OSError."""

    def __init__(self, procs: int | None = None) -> None:
        self.procs = procs if procs is not None else max(1, min(2, os.cpu_count() or 1))
        self.workers: list[tuple[Any, Any]] = []  # (process, our end of its pipe)
        if self.procs > 1:
            import multiprocessing  # here: a command that does not import is spared it

            context = multiprocessing.get_context("fork")
            for _ in range(self.procs):
                ours, theirs = context.Pipe()
                process = context.Process(target=_serve, args=(theirs, os.getpid()),
                                          daemon=True)
                process.start()
                theirs.close()
                self.workers.append((process, ours))

    def submit(self, articles: Sequence[object]) -> Signing:
        """Start signing these articles' texts; the answer's get() gives one Signed per
        article, in order.  Texts go as UTF-8 bytes: pickling a str would leave a UTF-8
        copy cached in it for as long as the article lives."""
        if not self.workers:
            return Signing(done=[sign(text_of(a.lead, a.body))  # type: ignore[attr-defined]
                                 for a in articles])
        bounds = [len(articles) * i // len(self.workers) for i in range(len(self.workers) + 1)]
        try:
            for (_, pipe), start, end in zip(self.workers, bounds, bounds[1:], strict=False):
                pipe.send(end - start)
                for a in articles[start:end]:
                    pipe.send_bytes(text_of(a.lead, a.body).encode())  # type: ignore[attr-defined]
        except OSError:
            raise _failed() from None
        return Signing(pipes=[pipe for _, pipe in self.workers])

    def close(self) -> None:
        for process, pipe in self.workers:
            try:
                pipe.send(None)  # no more work; no EOF would come: workers hold our ends too
            except OSError:
                pass
            process.join()
            pipe.close()
        self.workers = []

    def __enter__(self) -> Signer:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is not None:
            for process, _ in self.workers:
                process.kill()
        self.close()


def _failed() -> OSError:
    # what earlier batches archived stays archived (each batch is its own transaction)
    return OSError(_("a signing worker process failed; the import stopped"))


def _serve(pipe: Any, parent: int) -> None:
    """A signing worker: a count, that many texts, one answer; until None comes."""
    die_with_parent(parent)
    while (count := pipe.recv()) is not None:
        pipe.send([sign(pipe.recv_bytes().decode()) for _ in range(count)])


class Signing:
    """A batch being signed: get() waits for it."""

    def __init__(self, pipes: Sequence[Any] = (), done: list[Signed] | None = None) -> None:
        self.pipes = pipes
        self.done = done

    def get(self) -> list[Signed]:
        if self.done is None:
            try:
                self.done = [signed for pipe in self.pipes for signed in pipe.recv()]
            except (EOFError, OSError):
                raise _failed() from None
            self.pipes = ()
        return self.done


class _Stored(NamedTuple):
    """An archived article, as much of it as assign() reads."""

    id: str
    lead: str | None
    body: str
    published: datetime | None


def _publication_order(article: object) -> tuple[bool, int, str]:
    when = epoch(article.published)  # type: ignore[attr-defined]
    return (when is None, when or 0, article.id)  # type: ignore[attr-defined]


def in_publication_order(batch: list[tuple]) -> list[tuple]:
    """An import batch of (article, html, urls), earliest published first: an export lists
    articles by id, and an original archived before its reposts gathers them all, where
    reposts first may found stories of their own that the original then cannot join."""
    return sorted(batch, key=lambda item: _publication_order(item[0]))


def migrate(db: sqlite3.Connection) -> None:
    """Adds the story tables to an archive made before them; its articles get stories from
    `newsmon reindex` or `newsmon stories --rebuild`."""
    db.executescript(SCHEMA)


def story_number(story: str | None) -> int:
    """A story id (an article id: 12 hex digits) as the index's integer column; 0 for none."""
    try:
        return int(story, 16) if story else 0
    except ValueError:
        return 0
