"""`newsmon schedule`: each source at its own interval, one child process per run.

A child process per run because Twisted's reactor cannot restart and because a
crash or a hang must stay inside one run.  The `schedule` library says when a
source is due; this loop starts due sources (never two runs of one source),
reaps finished children, kills runs that outlive the time limit, and on
SIGTERM/SIGINT stops starting runs and lets the running ones finish within a
grace period.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import schedule

from crawler.config import Config, Source
from indexer.i18n import _
from indexer.store import DataDir, Locked

log = logging.getLogger("newsmon.schedule")
KEEP_OUTPUTS = 200


class SchedulerLocked(RuntimeError):
    """Another scheduler already runs on this data dir."""


@dataclass
class Run:
    source: Source
    run_id: str
    process: subprocess.Popen
    started: float
    log: IO[str]


@dataclass
class Scheduler:
    config: Config
    sources_path: Path
    data_dir: DataDir
    sources: list[Source]
    jobs: int = 2
    timeout: float = 3600.0
    grace: float = 30.0
    queue_url: str | None = None  # a shared frontier: several schedulers, one round per interval
    running: dict[str, Run] = field(default_factory=dict)
    queue: deque[Source] = field(default_factory=deque)
    stopping: bool = False
    failures: int = 0

    # --- lifecycle --------------------------------------------------------------------------

    def lock(self) -> IO[str]:
        """One scheduler per archive; the lock dies with the process, so no stale lock files."""
        self.data_dir.ensure_writable()
        if self.queue_url:  # schedulers of one queue share the work: each takes its part
            return self.data_dir.lock(f"locks/schedule-{os.getpid()}.lock")
        try:
            return self.data_dir.lock("schedule.lock")
        except Locked as exc:
            raise SchedulerLocked(_("another `newsmon schedule` is already running on {root} "
                                    "(pid {pid})").format(
                                        root=self.data_dir.root, pid=exc.pid)) from None

    def serve_forever(self) -> int:
        """Run until SIGTERM/SIGINT; first runs start at once."""
        handle = self.lock()
        self._signals()
        scheduler = schedule.Scheduler()
        for source in self.sources:
            scheduler.every(source.every_seconds).seconds.do(self.enqueue, source)
        log.info("scheduler started: %d sources, pid %d", len(self.sources), os.getpid())
        for source in self.sources:
            self.enqueue(source)
        try:
            while not self.stopping:
                scheduler.run_pending()
                self._tick()
                time.sleep(0.2)
            self._drain()
        finally:
            handle.close()
        log.info("scheduler stopped")
        return 0

    def run_once(self) -> int:
        """Every source that is due (never run, or its interval has passed) once; for cron."""
        handle = self.lock()
        self._signals()
        try:
            for source in self.due():
                self.enqueue(source)
            while (self.queue or self.running) and not self.stopping:
                self._tick()
                time.sleep(0.2)
            self._drain()
        finally:
            handle.close()
        return 1 if self.failures else 0

    def due(self) -> list[Source]:
        now = datetime.now(UTC)
        with self.data_dir.open_archive(create=True) as archive:
            last = archive.latest_runs()
        due = []
        for source in self.sources:
            run = last.get(source.slug)
            if run is None or datetime.fromisoformat(str(run["started"])) + timedelta(
                    seconds=source.every_seconds) <= now:
                due.append(source)
        return due

    def _signals(self) -> None:
        def stop(signum: int, _frame: object) -> None:
            if not self.stopping:
                log.info("%s: not starting new runs; waiting up to %.0f s for %d running",
                         signal.Signals(signum).name, self.grace, len(self.running))
            self.stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    # --- runs -------------------------------------------------------------------------------

    def enqueue(self, source: Source) -> None:
        if self.stopping:
            return
        if source.slug in self.running:
            log.info("%s: previous run still going; not starting another", source.slug)
            return
        if source not in self.queue:
            self.queue.append(source)

    def _tick(self) -> None:
        self._reap()
        while self.queue and len(self.running) < self.jobs and not self.stopping:
            source = self.queue.popleft()
            if source.slug not in self.running and self._due_here(source):
                self._start(source)

    def _due_here(self, source: Source) -> bool:
        """With a shared queue, one scheduler of many starts a source's round per interval;
        the others' workers join it only when they run it too."""
        if not self.queue_url:
            return True
        from crawler.queue import Frontier

        if Frontier.connect(self.queue_url).claim_due(source.slug, source.every_seconds):
            return True
        log.info("%s: started by another scheduler of the queue this interval", source.slug)
        return False

    def _start(self, source: Source) -> None:
        run_id = uuid.uuid4().hex[:12]
        logs = self.data_dir.logs / "runs"
        logs.mkdir(parents=True, exist_ok=True)
        for old in sorted(logs.glob("*.out"), key=os.path.getmtime)[:-KEEP_OUTPUTS]:
            old.unlink(missing_ok=True)
        output = (logs / f"{source.slug}-{run_id}.out").open("w", encoding="utf-8")
        command = [newsmon_command(), "--data-dir", str(self.data_dir.root),
                   "--sources", str(self.sources_path), "crawl", source.slug, "--run-id", run_id]
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True,
                                   env=_english_env())
        self.running[source.slug] = Run(source, run_id, process, time.monotonic(), output)
        log.info("start %s (run %s, pid %d)", source.slug, run_id, process.pid)

    def _reap(self) -> None:
        for slug, run in list(self.running.items()):
            code = run.process.poll()
            elapsed = time.monotonic() - run.started
            if code is None and elapsed > self.timeout:
                log.warning("%s: run %s exceeded %.0f s; killing it", slug, run.run_id,
                            self.timeout)
                self._kill(run)
                code = run.process.wait()
                self._finish(run, elapsed, "timeout", f"killed after {self.timeout:.0f} s")
            elif code is not None:
                outcome, message = _outcome(code)
                self._finish(run, elapsed, outcome, message)

    def _finish(self, run: Run, elapsed: float, outcome: str, message: str) -> None:
        del self.running[run.source.slug]
        run.log.close()
        summary = _summary(Path(run.log.name))
        if outcome not in ("ok", "errors"):
            with self.data_dir.open_archive() as archive:
                archive.run_ended_abnormally(run.run_id, outcome, message)
        if outcome != "ok":
            self.failures += 1
        log.info("end %s (run %s): %s in %.1f s%s", run.source.slug, run.run_id, outcome,
                 elapsed, f" — {summary}" if summary else "")

    def _kill(self, run: Run) -> None:
        """SIGTERM lets Scrapy close the spider and flush the archive; SIGKILL if it won't."""
        try:
            os.killpg(run.process.pid, signal.SIGTERM)
            run.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(run.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def _drain(self) -> None:
        deadline = time.monotonic() + self.grace
        while self.running and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.2)
        for run in list(self.running.values()):
            log.warning("%s: run %s still going after %.0f s; stopping it", run.source.slug,
                        run.run_id, self.grace)
            self._kill(run)
            run.process.wait()
            self._finish(run, time.monotonic() - run.started, "stopped",
                         "stopped when the scheduler shut down")


def _outcome(code: int) -> tuple[str, str]:
    if code == 0:
        return "ok", ""
    if code == 1:
        return "errors", "finished with errors"
    if code < 0:
        return "crashed", f"killed by signal {signal.Signals(-code).name}"
    return "crashed", f"exited with status {code}"


def _english_env() -> dict[str, str]:
    """A run's output is a log, in English like the scheduler's own (and `_summary` finds
    its `crawled …` line): the messages' locale is C, the rest of the user's is kept."""
    env = dict(os.environ)
    every = env.pop("LC_ALL", None)
    if every:
        env.setdefault("LC_CTYPE", every)
    env["LC_MESSAGES"] = "C.UTF-8"
    return env


def _summary(path: Path) -> str:
    """The crawl's own summary line, for the scheduler's log."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return next((line for line in reversed(lines) if line.startswith("crawled ")), "")


def setup_logging(data_dir: DataDir) -> None:
    """Scheduler lines go to stdout (journald under systemd) and to DATA_DIR/logs/schedule.log."""
    from logging.handlers import RotatingFileHandler

    data_dir.logs.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S")
    file_handler = RotatingFileHandler(data_dir.logs / "schedule.log", maxBytes=5 * 2**20,
                                       backupCount=5, encoding="utf-8")
    stream = logging.StreamHandler(sys.stdout)
    for handler in (file_handler, stream):
        handler.setFormatter(formatter)
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def newsmon_command() -> str:
    """The installed `newsmon` entry point: a run is the same `newsmon crawl` a person types,
    watches and deliveries included, and the scheduler needs no part of the command line's code."""
    beside = Path(sys.executable).with_name("newsmon")
    found = str(beside) if beside.is_file() else shutil.which("newsmon")
    if not found:
        raise RuntimeError(_("the `newsmon` command is not installed (pip install -e .)"))
    return found
