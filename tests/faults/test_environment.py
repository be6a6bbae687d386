"""Faults of the machine, made real: a full disk (a small tmpfs), a read-only data dir
(the tmpfs remounted read-only).  Each is one line
that says what happened and what to do, and nothing archived is lost."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import newsmon_here
from synthetic import records, write_jsonl


def mount(path: Path, *options: str) -> None:
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs",
                             str(path)], capture_output=True, text=True)
    if result.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({result.stderr.strip() or 'not root'})")


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    where = tmp_path / "disk"
    where.mkdir()
    mount(where, "size=3m")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def count(data_dir: Path) -> int:
    db = sqlite3.connect(data_dir / "archive.sqlite")
    try:
        return db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    finally:
        db.close()


def one_line(result, code: int, *words: str) -> None:
    assert result.returncode == code, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "unexpected error" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_a_full_disk_stops_the_import_and_keeps_every_archived_article(small_disk, tmp_path):
    data_dir = small_disk / "data"
    first = write_jsonl(tmp_path / "first.jsonl", records(20, seed=3, start=90_000))
    assert newsmon_here("import", str(first), data_dir=data_dir).returncode == 0
    big = write_jsonl(tmp_path / "big.jsonl", records(3000, words=300))  # ~7 MB of text
    result = newsmon_here("import", str(big), data_dir=data_dir)
    one_line(result, 1, "disk full", "nothing archived was lost",
             "the archive holds 20 articles", "newsmon check")
    assert count(data_dir) == 20
    assert newsmon_here("search", "новость", "--count", data_dir=data_dir).stdout.strip() == "20"


def test_a_read_only_data_dir_is_named(small_disk, tmp_path):
    data_dir = small_disk / "data"
    first = write_jsonl(tmp_path / "first.jsonl", records(20, seed=3))
    assert newsmon_here("import", str(first), data_dir=data_dir).returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    for command in (["import", str(first)], ["crawl"], ["reindex"], ["check"], ["compact"],
                    ["watch", "add", "w", "новость"]):
        result = newsmon_here(*command, data_dir=data_dir)
        one_line(result, 2, f"data dir {data_dir} is read-only")


def test_readers_work_on_a_read_only_data_dir(small_disk, tmp_path):
    """Analysts search an archive they cannot change: a read-only mount, a colleague's copy."""
    data_dir = small_disk / "data"
    first = write_jsonl(tmp_path / "first.jsonl", records(20, seed=3))
    assert newsmon_here("import", str(first), data_dir=data_dir).returncode == 0
    assert newsmon_here("watch", "add", "news", "новость", data_dir=data_dir).returncode == 0
    listed = newsmon_here("search", "новость", "--format", "json", "--all", "--limit", "3",
                          data_dir=data_dir).stdout
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    before = sorted(p.name for p in data_dir.rglob("*"))
    search = newsmon_here("search", "новость", "--count", "--all", data_dir=data_dir)
    assert (search.returncode, search.stdout.strip()) == (0, "20"), search.stderr
    again = newsmon_here("search", "новость", "--format", "json", "--all", "--limit", "3",
                         data_dir=data_dir)
    assert again.stdout == listed
    first_id = __import__("json").loads(listed)[0]["id"]
    show = newsmon_here("show", first_id, data_dir=data_dir)
    assert show.returncode == 0 and first_id in show.stdout, show.stderr
    stats = newsmon_here("stats", "--format", "json", data_dir=data_dir)
    assert stats.returncode == 0 and '"articles": 20' in stats.stdout, stats.stderr
    export = newsmon_here("export", data_dir=data_dir)
    assert export.returncode == 0 and len(export.stdout.splitlines()) == 20, export.stderr
    for command in (["status"], ["digest", "--since", "2000-01-01"], ["watch", "list"]):
        result = newsmon_here(*command, data_dir=data_dir)
        assert result.returncode == 0 and not result.stderr, (command, result.stderr)
    assert sorted(p.name for p in data_dir.rglob("*")) == before  # nothing written
