"""Whoosh writers for newsmon's codec, bulk indexing in worker processes, and the merge
of many segments into one (`newsmon compact`).

Whoosh's MpWriter builds its workers' writers from its own SegmentWriter, whose
posting pool checks and sizes every posting, spills to disk by a size estimate,
and sorts all postings as tuples at the end: a fifth of a worker's time.  Here
each worker writes a whole segment through ArrayWriter, whose pool groups the
postings by word as they arrive and sorts only the words.  The pool never spills:
memory is bounded by the caller's batch (5,000 articles for `newsmon import`).
"""

from __future__ import annotations

import heapq
import os
import queue
from array import array
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from indexer import readings
from indexer.analysis import morph
from indexer.locks import die_with_parent, parent_alive
from indexer.whoosh_index.codec import ArrayCodec, ArrayPositions
from indexer.whoosh_index.private import (
    STORED_PREFIX,
    WITHOUT_LOCK,
    close_segment,
    commit_toc,
    finalize_segment,
    holds_documents,
    kept_segments,
    postings_writer,
    term_entries,
    term_postings,
)

JOB_SIZE = 100  # documents per message to a worker


class GroupingPool:
    """Postings grouped by (field, word) in arrival order, which is document order: each
    term's ids, weights and values in three lists."""

    def __init__(self) -> None:
        self.terms: dict[tuple[str, bytes], tuple[list[int], list[float], list[bytes]]] = {}

    def add(self, item: tuple) -> None:
        """One posting, as whoosh hands them: (field, word, doc, weight, value)."""
        fieldname, btext, docnum, weight, value = item
        found = self.terms.get((fieldname, btext))
        if found is None:
            found = self.terms[fieldname, btext] = ([], [], [])
        found[0].append(docnum)
        found[1].append(weight)
        found[2].append(value)

    def add_positions(self, fieldname: str, docnum: int, table: dict[str, list[int]],
                      boost: float) -> int:
        """A document's words in one field with their positions (RussianTokenizer.positions),
        as ArrayPositions postings; returns the field's length."""
        terms = self.terms
        length = 0
        for word, found in table.items():
            key = fieldname, word.encode()
            columns = terms.get(key)
            if columns is None:
                columns = terms[key] = ([], [], [])
            count = len(found)
            length += count
            columns[0].append(docnum)
            columns[1].append(count * boost)
            columns[2].append(array("I", found).tobytes())
        return length

    def in_order(self) -> Iterator[tuple[tuple[str, bytes], tuple[list, list, list]]]:
        for key in sorted(self.terms):
            yield key, self.terms[key]

    def cleanup(self) -> None:
        self.terms = {}


class ArrayWriter(SegmentWriter):
    """A SegmentWriter with newsmon's codec and pool (whoosh ignores its poolclass)."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, codec=ArrayCodec(), compound=False, **kwargs)
        self.pool.cleanup()
        self.pool = GroupingPool()

    def add_document(self, **fields: Any) -> None:
        """Whoosh's add_document, but a text field's words go to the pool a field at a
        time: whoosh passes each posting through three generators and a tuple.  Adding
        documents takes 10-20% less time this way, and the pool's columns a quarter less
        memory than a tuple per posting; tests/test_index.py checks the postings against
        Whoosh's own."""
        schema = self.schema
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        if any(schema[name].separate_spelling() or schema[name].vector for name in names):
            super().add_document(**fields)
            return
        self._check_state()
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        perdoc = self.perdocwriter
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, name, docboost)
                    analyzer = getattr(field, "analyzer", None)
                    if (type(field.format) is ArrayPositions and isinstance(value, str)
                            and hasattr(analyzer, "positions")):
                        length = self.pool.add_positions(name, docnum, analyzer.positions(value),
                                                         field.format.field_boost * boost)
                    else:
                        for btext, freq, weight, vbytes in field.index(value):
                            length += freq
                            self.pool.add((name, btext, docnum, weight * boost, vbytes))
                    if not field.scorable:
                        length = 0
                custom = fields.get(f"{STORED_PREFIX}{name}", value)
                perdoc.add_field(name, field, custom if field.stored else None, length)
                if field.column_type and custom is not None:
                    perdoc.add_column_value(name, field.column_type,
                                            field.to_column_value(custom))
        except ValueError:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        """Whoosh's, with the pool's terms handed over whole."""
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        self.fieldwriter.add_terms(self.schema, lengths, self.pool.in_order())
        self.fieldwriter.close()
        if lengths:
            lengths.close()

    def commit(self, *args: Any, **kwargs: Any) -> None:
        if holds_documents(self):
            try:
                readings.record(Path(self.storage.folder))
            except BaseException:
                self.cancel()
                raise
        super().commit(*args, **kwargs)


class BulkWriter:
    """New documents go to `procs` worker processes, each writing one segment; the parent
    holds the index lock and adds the segments to the index at commit.  Replaced
    documents go through the parent's own writer, which deletes the old versions."""

    def __init__(self, ix: Any, procs: int, **writer_options: Any) -> None:
        import multiprocessing  # here: a search, which never writes, is spared its import

        self.writer = ArrayWriter(ix, **writer_options)  # takes the lock
        self.folder = Path(ix.storage.folder)
        morph()  # loaded once here, not once per worker
        context = multiprocessing.get_context("fork")
        self.jobs: Any = context.Queue(maxsize=4 * procs)
        self.results: Any = context.Queue()
        self.workers = [context.Process(target=_work, daemon=True,
                                        args=(ix.storage.folder, ix.indexname, self.jobs,
                                              self.results, os.getpid()))
                        for _ in range(procs)]
        for worker in self.workers:
            worker.start()
        self.buffer: list[dict[str, Any]] = []

    def add_document(self, **fields: Any) -> None:
        self.buffer.append(fields)
        if len(self.buffer) >= JOB_SIZE:
            self._send()

    def update_document(self, **fields: Any) -> None:
        self.writer.update_document(**fields)

    def _send(self, job: list[dict[str, Any]] | None = None) -> None:
        while True:  # a dead worker must not leave the parent waiting for room forever
            try:
                self.jobs.put(self.buffer if job is None else job, timeout=1)
                break
            except queue.Full:
                self._check()
        if job is None:
            self.buffer = []

    def _check(self) -> None:
        if any(w.exitcode not in (None, 0) for w in self.workers):
            self.cancel()
            raise OSError("an indexing worker process failed; the articles stay archived")

    def commit(self, merge: bool = False) -> None:
        """Adds the workers' segments as they are: merging is for small commits."""
        if self.buffer:
            self._send()
        for _ in self.workers:
            self._send([])  # an empty job: no more work
        segments = []
        while len(segments) < len(self.workers):
            try:
                segment, found = self.results.get(timeout=1)
            except queue.Empty:
                self._check()
            else:
                segments.append(segment)
                readings.learned(self.folder, found)
        for worker in self.workers:
            worker.join()
        writer = self.writer
        final = kept_segments(writer)
        final += [segment for segment in segments if segment is not None]
        if holds_documents(writer):
            try:
                readings.record(self.folder)
            except BaseException:
                self.cancel()
                raise
            final.append(finalize_segment(writer))
        else:
            close_segment(writer)
        commit_toc(writer, final)

    def cancel(self) -> None:
        # jobs no worker will read: do not wait at exit for them to reach the pipe
        self.jobs.cancel_join_thread()
        for worker in self.workers:
            if worker.is_alive():
                worker.kill()
            worker.join()
        if not self.writer.is_closed:
            self.writer.cancel()


def _work(folder: str, indexname: str, jobs: Any, results: Any, parent: int) -> None:
    die_with_parent(parent)
    ix = whoosh_index.open_dir(folder, indexname=indexname)
    writer = ArrayWriter(ix, **WITHOUT_LOCK)
    while batch := _next_job(jobs, parent):
        for fields in batch:
            writer.add_document(**fields)
    if holds_documents(writer):
        found = readings.record(Path(folder))  # before the segment can be committed
        results.put((finalize_segment(writer), found))
    else:
        close_segment(writer)
        results.put((None, {}))


def _next_job(jobs: Any, parent: int) -> list[dict[str, Any]]:
    while True:
        try:
            return jobs.get(timeout=1)
        except queue.Empty:
            if not parent_alive(parent):
                os._exit(1)


def compact(ix: Any, timeout: float, delay: float) -> int:
    """Merge every segment into one, postings copied as arrays; returns the segments merged.

    A bulk load leaves two segments per batch (forty for 100,000 articles), and every query
    word is then looked up forty times: most of a query's time at that size.  Whoosh's own
    merge re-adds every posting one by one (minutes for 100,000 articles); here each word's
    postings are read and written a block at a time."""
    writer = ArrayWriter(ix, timeout=timeout, delay=delay)  # holds the lock throughout
    segments = list(writer.segments)
    if len(segments) < 2:
        writer.cancel()
        return 0
    try:
        _merge_into(writer, ix.schema, segments)
    except BaseException:
        writer.cancel()
        raise
    commit_toc(writer, [writer.get_segment()])
    return len(segments)


def _merge_into(writer: ArrayWriter, schema: Any, segments: list[Any]) -> None:
    readers = [SegmentReader(writer.storage, schema, segment) for segment in segments]
    try:
        docmaps = []
        for reader in readers:  # stored fields, lengths and columns, a document at a time
            base = writer.docnum
            docmap = writer.write_per_doc(set(schema.names()), reader)
            if docmap is None:
                docmaps.append(np.arange(reader.doc_count_all(), dtype=np.int64) + base)
            else:  # deleted documents are left out: -1
                mapped = np.full(reader.doc_count_all(), -1, dtype=np.int64)
                mapped[list(docmap)] = list(docmap.values())
                docmaps.append(mapped)
        docmap_lists = [docmap.tolist() for docmap in docmaps]
        writer.perdocwriter.close()
        lengths = writer.per_document_reader()
        fieldwriter = writer.fieldwriter
        words = heapq.merge(*(_terms(i, reader) for i, reader in enumerate(readers)),
                            key=itemgetter(0, 1))
        for fieldname, in_field in groupby(words, key=lambda t: t[0][0]):
            field = schema[fieldname]
            field_lengths = _lengths(lengths, fieldname, writer.docnum)
            length_list = field_lengths.tolist()
            fieldwriter.start_field(fieldname, field)
            for (_, btext), group in groupby(in_field, key=itemgetter(0)):
                parts = list(group)
                if all(info.is_inlined() for _, _, info in parts):
                    # a rare word: a posting or two, quicker one at a time than with arrays
                    postings = _inlined(parts, docmap_lists)
                    if postings:
                        fieldwriter.start_term(btext)
                        for doc, weight, value in postings:
                            fieldwriter.add(doc, weight, value, length_list[doc])
                        fieldwriter.finish_term()
                    continue
                arrays = [_postings(readers[i], info, field.format, docmaps[i])
                          for _, i, info in parts]
                ids = np.concatenate([a[0] for a in arrays])
                if not len(ids):
                    continue  # every posting was a deleted document's
                fieldwriter.start_term(btext)
                postings_writer(fieldwriter).add_arrays(
                    ids, np.concatenate([a[1] for a in arrays]),
                    np.concatenate([a[2] for a in arrays]) if arrays[0][2] is not None
                    else None,
                    np.concatenate([a[3] for a in arrays]) if arrays[0][3] is not None
                    else None,
                    b"".join(a[4] for a in arrays) if arrays[0][4] is not None else None,
                    field_lengths)
                fieldwriter.finish_term()
            fieldwriter.finish_field()
        lengths.close()
        close_segment(writer)
    finally:
        for reader in readers:
            reader.close()


def _terms(number: int, reader: Any) -> Iterator[tuple[tuple[str, bytes], int, Any]]:
    """A segment's words in order, each with the segment's number and the term entry."""
    for key, info in term_entries(reader):
        yield key, number, info


def _inlined(parts: list[tuple], docmaps: list[list[int]]) -> list[tuple[int, float, bytes]]:
    """(new id, weight, value) of postings kept in term entries, deleted documents left out."""
    postings = []
    for _, number, info in parts:
        ids, weights, values = info.inlined_postings()
        for k, doc in enumerate(ids):
            new = docmaps[number][doc]
            if new >= 0:
                postings.append((new, weights[k], values[k] if values else b""))
    return postings


def _lengths(lengths: Any, fieldname: str, count: int) -> np.ndarray:
    length_of = lengths.doc_field_length_reader(fieldname)
    return np.fromiter((length_of(d) or 0 for d in range(count)), dtype=np.int64, count=count)


def _postings(reader: Any, info: Any, fmt: Any, docmap: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, Any, Any, Any]:
    """(new ids, weights, position counts, flat positions, fixed-size values) of one term
    in one segment, without its deleted documents."""
    positions = isinstance(fmt, ArrayPositions)
    size = fmt.fixed_value_size() or 0
    if info.is_inlined():
        ids_, weights_, values_ = info.inlined_postings()
        ids = np.asarray(ids_, dtype=np.int64)
        weights = np.asarray(weights_, dtype=np.float64)
        counts = flat = fixed = None
        if positions:
            counts = np.asarray([len(v) // 4 for v in values_], dtype=np.int64)
            flat = np.frombuffer(b"".join(values_), dtype="<u4").astype(np.int64)
        elif size:
            fixed = b"".join(values_)
    else:
        m = term_postings(reader, info, fmt)
        ids, weights, counts, flat, fixed = m.arrays(positions, size)
    new = docmap[ids]
    keep = new >= 0
    if not keep.all():
        if counts is not None and flat is not None:
            flat = flat[np.repeat(keep, counts)]
            counts = counts[keep]
        if fixed is not None:
            fixed = b"".join(fixed[i * size:(i + 1) * size] for i in np.flatnonzero(keep))
        new, weights = new[keep], weights[keep]
    return new, weights, counts, flat, fixed
