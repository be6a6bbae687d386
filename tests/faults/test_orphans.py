"""kill -9 of the parent alone (what the OOM killer does) during import, reindex and
compact: its workers die with it, the index lock goes with them, and the next command
works at once, with every article archived and indexed exactly once."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from conftest import NEWSMON, ROOT, newsmon_here
from synthetic import records, write_jsonl

from indexer.whoosh_index import WhooshIndex as Index

COUNT = 800


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def kill_parent_alone(args: list[str], data_dir: Path, moment: float,
                      wait_for_workers: bool) -> set[int]:
    """Start `newsmon ARGS`, SIGKILL only its own process after `moment` seconds (counted
    from when its workers exist, if it has any); returns the workers it had."""
    proc = subprocess.Popen([*NEWSMON, "--data-dir", str(data_dir), *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while wait_for_workers and not workers and proc.poll() is None \
            and time.monotonic() < deadline:
        workers = children(proc.pid)
        time.sleep(0.02)
    time.sleep(moment)
    workers |= children(proc.pid)
    proc.kill()
    proc.wait()
    return workers


def consistent(data_dir: Path) -> None:
    db = sqlite3.connect(data_dir / "archive.sqlite")
    assert db.execute("SELECT COUNT(*), COUNT(DISTINCT url) FROM articles").fetchone() == (
        COUNT, COUNT)
    ids = {row[0] for row in db.execute("SELECT id FROM articles")}
    assert Index(data_dir / "index").ids() == ids


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("orphans") / "all.jsonl",
                       records(COUNT, words=40))


@pytest.mark.parametrize("command", ["import", "reindex", "compact"])
def test_killing_the_parent_alone_leaves_no_worker_and_no_lock(command, export, tmp_path):
    seed = int.from_bytes(os.urandom(4), "little")
    moment = random.Random(seed).uniform(0.0, 0.8)
    data_dir = tmp_path / "data"
    if command != "import":
        assert newsmon_here("import", str(export), data_dir=data_dir).returncode == 0
    args = ["import", str(export)] if command == "import" else [command]
    workers = kill_parent_alone(args, data_dir, moment, wait_for_workers=command != "compact")
    deadline = time.monotonic() + 5
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    orphans = [w for w in workers if alive(w)]
    for pid in orphans:  # not left behind by a failing run
        os.kill(pid, 9)
    assert not orphans, f"orphaned workers (seed {seed})"
    started = time.monotonic()
    check = newsmon_here("check", data_dir=data_dir)
    assert check.returncode == 0, (seed, check.stderr)
    assert time.monotonic() - started < 30
    if command == "import":  # the killed import is run again, to its end
        again = newsmon_here("import", str(export), data_dir=data_dir)
        assert again.returncode == 0, (seed, again.stderr)
    consistent(data_dir)
