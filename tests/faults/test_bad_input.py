"""Every kind of bad input through the command line: one clear line on stderr, the
documented exit code, no traceback, and the archive exactly as it was.  The cases run in
this process (`newsmon_here`: a child per case would be most of this file's time); one
case of each exit path also runs as the real command and must say exactly the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import newsmon_here, run_newsmon


@pytest.fixture(scope="module")
def archive(crawled, tmp_path_factory):
    """A copy of the shared crawled archive, so bad commands can be aimed at it safely."""
    root = tmp_path_factory.mktemp("bad")
    exported = root / "all.jsonl"
    newsmon_here("export", "-o", str(exported), data_dir=crawled.data_dir)
    data_dir = root / "data"
    assert newsmon_here("import", str(exported), data_dir=data_dir).returncode == 0
    files = root / "files"
    files.mkdir()
    (files / "broken.toml").write_text('[sources.a]\nname = "x"\nhome = \n', encoding="utf-8")
    (files / "typo.toml").write_text('[sources.a]\nname = "x"\nhome = "https://a.example/"\n'
                                     'feeds = ["https://a.example/rss"]\nintervall = "1h"\n',
                                     encoding="utf-8")
    (files / "notes.jsonl").write_text("this is not json\n", encoding="utf-8")
    (files / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(2000))
    (files / "queries.txt").write_bytes(b"\xff\xfe not utf-8")
    (files / "a-file").write_text("I am a file, not a directory")
    return {"data_dir": data_dir, "files": files, "sources": crawled.sources}


def snapshot(data_dir: Path) -> str:
    """Everything archived, as `newsmon export` writes it."""
    out = data_dir.parent / "snapshot.jsonl"
    assert newsmon_here("export", "-o", str(out), data_dir=data_dir).returncode == 0
    text = out.read_text(encoding="utf-8")
    assert text.count("\n") == 13  # the whole crawled archive
    return text


CASES = [
    # (arguments, exit code, words the one-line message must contain)
    (["--sources", "{files}/broken.toml", "crawl"], 2, "broken.toml: Invalid value (at line 3"),
    (["--sources", "{files}/typo.toml", "sources"], 2, "unknown key 'intervall'"),
    (["--sources", "{files}/missing.toml", "sources"], 2, "cannot read sources file"),
    (["crawl", "no-such-source"], 2, "unknown source 'no-such-source'"),
    (["search", "школа", "--from", "32.13.2025"], 2, "not a real date"),
    (["search", "школа", "--from", "когда-нибудь"], 2, "unrecognized date"),
    (["search", "школа", "--to", "2025-02-30"], 2, "not a real date"),
    (["search", "школа", "--limit", "-5"], 2, "--limit must be between 0 and"),
    (["search", "школа", "--limit", "100000000000"], 2, "--limit must be between 0 and"),
    (["search", "школа", "--offset", "-1"], 2, "--offset must be between 0 and"),
    (["search", 'title:"школа'], 2, "unbalanced quote"),
    (["search", "школа)"], 2, "unbalanced parenthesis"),
    (["search", "--queries", "{files}/queries.txt"], 2, "is not UTF-8 text"),
    (["search", "--queries", "{files}/none.txt"], 2, "cannot read"),
    (["show", "ffffffffffff"], 1, "no archived article 'ffffffffffff'"),
    (["show", "https://nowhere.example/x/"], 1, "no archived article"),
    (["extract", "{files}/photo.jpg"], 2, "is not an HTML page"),
    (["extract", "{files}/nothing.html"], 2, "cannot read"),
    (["import", "{files}/notes.jsonl"], 2, "notes.jsonl:1:"),
    (["import", "{files}/absent.jsonl"], 2, "cannot read"),
    (["watch", "add", "w", "(школа"], 2, "unbalanced parenthesis"),
    (["watch", "rm", "never-added"], 1, "no watch named 'never-added'"),
    (["digest", "--since", "someday"], 2, "unrecognized date"),
    (["schedule", "--jobs", "0"], 2, "--jobs must be between 1 and 32"),
    (["crawl", "--max-articles", "-1"], 2, "--max-articles must be between"),
    (["stats", "--format", "xml"], 2, "invalid choice: 'xml'"),
]


def arguments(archive: dict, args: list[str]) -> list[str]:
    args = [a.format(files=archive["files"]) for a in args]
    return args if args[0] == "--sources" else ["--sources", str(archive["sources"]), *args]


@pytest.mark.parametrize(("args", "code", "message"), CASES, ids=lambda v: str(v)[:40])
def test_bad_input(archive, args, code, message):
    before = snapshot(archive["data_dir"])
    result = newsmon_here(*arguments(archive, args), data_dir=archive["data_dir"])
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert snapshot(archive["data_dir"]) == before


@pytest.mark.parametrize("args", [
    ["stats", "--format", "xml"],  # argparse's usage error
    ["search", "школа", "--limit", "-5"],  # a value the command refuses: 2
    ["show", "ffffffffffff"],  # nothing to show: 1
    ["--sources", "{files}/broken.toml", "crawl"],  # the sources file, read before a crawl
], ids=lambda v: v[0])
def test_the_real_command_says_the_same(archive, args):
    """The entry point adds nothing: no warning or log line on stderr, the same exit code."""
    args = arguments(archive, args)
    real = run_newsmon(*args, data_dir=archive["data_dir"])
    here = newsmon_here(*args, data_dir=archive["data_dir"])
    assert (real.returncode, real.stdout, real.stderr) == (here.returncode, here.stdout,
                                                           here.stderr)
    assert real.returncode in (1, 2) and len(real.stderr.strip().splitlines()) == 1


def test_missing_and_unusable_data_dirs(archive, tmp_path):
    files = archive["files"]
    for args, message in [(["search", "школа"], "no archive in"),
                          (["stats"], "no archive in"),
                          (["export"], "no archive in")]:
        result = newsmon_here(*args, data_dir=tmp_path / "nowhere")
        assert result.returncode == 2 and message in result.stderr
    result = newsmon_here("import", str(files / "notes.jsonl"),
                          data_dir=files / "a-file" / "x")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    result = newsmon_here("--sources", str(archive["sources"]), "crawl",
                          data_dir=files / "a-file")
    assert result.returncode == 2 and "cannot create data dir" in result.stderr
    assert not (files / "a-file").is_dir()


def test_stats_json_is_unchanged_by_all_of_it(archive):
    stats = json.loads(newsmon_here("stats", "--format", "json",
                                    data_dir=archive["data_dir"]).stdout)
    assert stats["articles"] == 13
