"""Whoosh writers for newsmon's codec, and bulk indexing in worker processes.

Whoosh's MpWriter builds its workers' writers from its own SegmentWriter, whose
posting pool checks and sizes every posting, spills to disk by a size estimate,
and sorts all postings as tuples at the end: a fifth of a worker's time.  Here
each worker writes a whole segment through ArrayWriter, whose pool groups the
postings by word as they arrive and sorts only the words.  The pool never spills:
memory is bounded by the caller's batch (5,000 articles for `newsmon import`).
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Iterator
from typing import Any

from whoosh import index as whoosh_index
from whoosh.writing import NO_MERGE, SegmentWriter

from indexer.codec import ArrayCodec

JOB_SIZE = 100  # documents per message to a worker


class GroupingPool:
    """Postings grouped by (field, word) in arrival order, which is document order."""

    def __init__(self) -> None:
        self.terms: dict[tuple[str, bytes], list[tuple]] = {}

    def add(self, item: tuple) -> None:
        key = item[0], item[1]
        found = self.terms.get(key)
        if found is None:
            self.terms[key] = [item]
        else:
            found.append(item)

    @property
    def fieldnames(self) -> set[str]:
        return {fieldname for fieldname, _ in self.terms}

    def iter_postings(self) -> Iterator[tuple]:
        for key in sorted(self.terms):
            yield from self.terms[key]

    def save(self) -> None:
        """Nothing to spill."""

    def cleanup(self) -> None:
        self.terms = {}


class ArrayWriter(SegmentWriter):
    """A SegmentWriter with newsmon's codec and pool (whoosh ignores its poolclass)."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, codec=ArrayCodec(), compound=False, **kwargs)
        self.pool.cleanup()
        self.pool = GroupingPool()


class BulkWriter:
    """New documents go to `procs` worker processes, each writing one segment; the parent
    holds the index lock and adds the segments to the index at commit.  Replaced
    documents go through the parent's own writer, which deletes the old versions."""

    def __init__(self, ix: Any, procs: int, **writer_options: Any) -> None:
        self.writer = ArrayWriter(ix, **writer_options)  # takes the lock
        context = multiprocessing.get_context("fork")
        self.jobs: Any = context.Queue(maxsize=4 * procs)
        self.results: Any = context.Queue()
        self.workers = [context.Process(target=_work, daemon=True,
                                        args=(ix.storage.folder, ix.indexname, self.jobs,
                                              self.results)) for _ in range(procs)]
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
                segments.append(self.results.get(timeout=1))
            except queue.Empty:
                self._check()
        for worker in self.workers:
            worker.join()
        writer = self.writer
        final = writer._merge_segments(NO_MERGE, None, None)
        final += [segment for segment in segments if segment is not None]
        if writer._added:
            final.append(writer._finalize_segment())
        else:
            writer._close_segment()
        writer._commit_toc(final)
        writer._finish()

    def cancel(self) -> None:
        # jobs no worker will read: do not wait at exit for them to reach the pipe
        self.jobs.cancel_join_thread()
        for worker in self.workers:
            if worker.is_alive():
                worker.kill()
            worker.join()
        if not self.writer.is_closed:
            self.writer.cancel()


def _work(folder: str, indexname: str, jobs: Any, results: Any) -> None:
    ix = whoosh_index.open_dir(folder, indexname=indexname)
    writer = ArrayWriter(ix, _lk=False)
    while batch := jobs.get():
        for fields in batch:
            writer.add_document(**fields)
    if writer._added:
        results.put(writer._finalize_segment())
    else:
        writer._close_segment()
        results.put(None)
