"""`newsmon backup` while an import writes, and `newsmon restore` of what it took: each
backup holds the archive as it was before or after the import, never between."""

from __future__ import annotations

import sqlite3
import subprocess
import time

from conftest import NEWSMON, ROOT, newsmon_here
from synthetic import records, write_jsonl

FIRST, SECOND = 20, 600


def test_a_backup_taken_during_an_import_restores_to_a_consistent_archive(tmp_path):
    data_dir, backups = tmp_path / "data", tmp_path / "backups"
    sources = tmp_path / "sources.toml"
    sources.write_text('[sources.synthetic]\nname = "Синтетика"\n'
                       'home = "https://synthetic.example/"\n'
                       'feeds = ["https://synthetic.example/rss"]\n', encoding="utf-8")
    first = write_jsonl(tmp_path / "first.jsonl", records(FIRST, seed=8, start=70_000))
    second = write_jsonl(tmp_path / "second.jsonl", records(SECOND, words=60))
    assert newsmon_here("import", str(first), data_dir=data_dir).returncode == 0
    importing = subprocess.Popen([*NEWSMON, "--data-dir", str(data_dir), "import", str(second)],
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
    taken = []
    while importing.poll() is None or not taken:
        result = newsmon_here("backup", str(backups), data_dir=data_dir, sources=sources)
        assert result.returncode == 0, result.stderr
        taken.append(int(result.stdout.split()[2]))
        time.sleep(0.1)
    assert importing.wait() == 0, importing.stderr.read()
    assert set(taken) <= {FIRST, FIRST + SECOND}, taken
    files = sorted(backups.glob("newsmon-*.sqlite"))
    assert len(files) == len(taken)
    assert all(f.with_suffix(".sources.toml").read_bytes() == sources.read_bytes()
               for f in files)
    for number, (path, count) in enumerate([(files[0], taken[0]), (files[-1], taken[-1])]):
        restored = tmp_path / f"restored{number}"
        result = newsmon_here("restore", str(path), data_dir=restored)
        assert result.returncode == 0, result.stderr
        assert f"restored {count} articles" in result.stdout
        db = sqlite3.connect(restored / "archive.sqlite")
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT COUNT(DISTINCT url) FROM articles").fetchone() == (count,)
        assert newsmon_here("search", "новость", "--count",
                            data_dir=restored).stdout.strip() == str(count)
    assert taken[-1] == FIRST + SECOND


def test_restore_refuses_a_data_dir_in_use_and_a_file_that_is_no_backup(tmp_path):
    data_dir = tmp_path / "data"
    first = write_jsonl(tmp_path / "first.jsonl", records(5, seed=8))
    assert newsmon_here("import", str(first), data_dir=data_dir).returncode == 0
    made = newsmon_here("backup", str(tmp_path / "b"), "--keep", "1", data_dir=data_dir)
    assert made.returncode == 0
    backup = next((tmp_path / "b").glob("*.sqlite"))
    before = (data_dir / "archive.sqlite").read_bytes()
    for file, target, message in [
            (backup, data_dir, "already holds an archive"),
            (first, tmp_path / "new", "is not a usable newsmon backup"),
            (tmp_path / "none.sqlite", tmp_path / "new", "no backup file")]:
        result = newsmon_here("restore", str(file), data_dir=target)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert (data_dir / "archive.sqlite").read_bytes() == before
    assert not (tmp_path / "new" / "archive.sqlite").exists()
    again = newsmon_here("backup", str(tmp_path / "b"), "--keep", "1", data_dir=data_dir)
    assert again.returncode == 0 and len(list((tmp_path / "b").glob("*.sqlite"))) == 1
