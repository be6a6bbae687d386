"""The README's examples run against the demo archive, the way sqlite-utils tests its docs;
and a data dir keeps to the sources file it was first used with (the demo to its site)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from conftest import ROOT, newsmon_here, run_newsmon, write_sources


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("readme")
    result = run_newsmon("demo", data_dir=root)
    assert result.returncode == 0, result.stderr
    return root / "demo"


RUN_UNTIL_STOPPED = {"serve"}  # the web page's examples: tests/test_web*.py start it


def readme_examples() -> list[str]:
    """Every `newsmon --data-dir data/demo …` line in the README's sh blocks, but those
    that serve until stopped."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        lines += [line.strip() for line in block.splitlines()
                  if re.match(r"\s*(\.venv/bin/)?newsmon --data-dir data/demo ", line)
                  and shlex.split(line, comments=True)[3] not in RUN_UNTIL_STOPPED]
    return lines


def test_the_readme_has_search_stats_and_show_examples():
    commands = {shlex.split(line, comments=True)[3] for line in readme_examples()}
    assert {"search", "stats", "show", "status"} <= commands


@pytest.mark.parametrize("line", readme_examples())
def test_readme_example_runs(line, demo, capsys):
    from search.cli import main

    main(["--data-dir", str(demo), "search", "колледж", "--format", "json"])
    some_id = json.loads(capsys.readouterr().out)[0]["id"]
    argv = shlex.split(line, comments=True)[1:]
    argv = [str(demo) if a == "data/demo" else some_id if a == "ID" else a for a in argv]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, (line, err)
    assert out.strip(), line


def test_the_demo_data_dir_keeps_to_its_sources(demo, capsys, tmp_path):
    from search.cli import main

    recorded = (demo / "sources-file").read_text(encoding="utf-8").strip()
    assert recorded == str((demo / "demo-sources.toml").resolve())
    assert main(["--data-dir", str(demo), "status", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["source"] for r in rows] == ["demo"]
    assert main(["--data-dir", str(demo), "sources", "--format", "json"]) == 0
    assert [s["slug"] for s in json.loads(capsys.readouterr().out)] == ["demo"]
    # another sources file for it: refused in one line, unless --switch-sources
    other = write_sources(tmp_path / "other.toml", "http://127.0.0.1:9", slug="other")
    assert main(["--data-dir", str(demo), "--sources", str(other), "status"]) == 2
    err = capsys.readouterr().err
    assert "uses sources file" in err and "--switch-sources" in err
    assert len(err.strip().splitlines()) == 1
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "sources-file").write_text(recorded + "\n", encoding="utf-8")
    assert main(["--data-dir", str(copy), "--sources", str(other), "--switch-sources",
                 "status", "--format", "json"]) == 0
    assert [r["source"] for r in json.loads(capsys.readouterr().out)] == ["other"]
    assert (copy / "sources-file").read_text(encoding="utf-8").strip() == str(other.resolve())
    assert main(["--data-dir", str(copy), "status", "--format", "json"]) == 0
    assert [r["source"] for r in json.loads(capsys.readouterr().out)] == ["other"]


def test_schedule_once_on_the_demo_crawls_only_the_demo_site(demo):
    """The demo was crawled an hour ago at most, so nothing is due: and the real sites
    (which the test's network guard would refuse) are not in its schedule at all."""
    result = run_newsmon("schedule", "--once", "--timeout", "60", data_dir=demo, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    status = json.loads(newsmon_here("status", "--format", "json", data_dir=demo).stdout)
    assert [(r["source"], r["runs"]) for r in status] == [("demo", 1)]
    assert "vpravda" not in result.stdout + result.stderr


def test_a_new_data_dir_records_its_first_sources_file(tmp_path, capsys):
    from search.cli import main

    sources = write_sources(tmp_path / "s.toml", "http://127.0.0.1:9")
    data = tmp_path / "data"
    data.mkdir()
    assert main(["--data-dir", str(data), "--sources", str(sources), "sources"]) == 0
    capsys.readouterr()
    assert (data / "sources-file").read_text(encoding="utf-8").strip() == str(sources.resolve())
