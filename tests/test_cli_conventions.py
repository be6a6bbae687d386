"""Command-line conventions (issue 19): stats QUERY, --version, bare newsmon, close
matches, progress bars only on a terminal, NO_COLOR, one-line usage errors, --queries
formats."""

from __future__ import annotations

import csv
import io
import json

import pytest


def test_stats_of_a_query_over_time_and_by_source(cli):
    code, out, err = cli("stats", "школа OR колледж", "--by", "month", "--format", "json")
    assert code == 0, err
    line = json.loads(out)
    assert line["by"] == "month" and line["total"] > 0
    assert sum(c["count"] for c in line["counts"]) + line["undated"] >= line["total"]
    assert all(len(c["period"]) == 10 for c in line["counts"])
    assert [s["source"] for s in line["sources"]] == ["testsite"]
    code, out, _ = cli("stats", "школа OR колледж", "--by", "week", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and {r["kind"] for r in rows} >= {"week", "source"}
    code, out, _ = cli("stats", "школа", "--from", "2020", "--to", "сегодня")
    assert code == 0 and "«школа»:" in out and "by source:" in out
    assert "█" not in out  # no bars into a pipe


def test_stats_of_a_repaired_query_says_so(cli):
    code, out, err = cli("stats", "kolledzh", "--format", "json")
    assert code == 0 and "did you mean: колледж" in err
    line = json.loads(out)
    assert line["corrected"] is True and line["suggestion"] == "колледж" and line["total"] > 0


def test_stats_without_a_query_is_the_archive(cli):
    code, out, _ = cli("stats")
    assert code == 0 and "articles in" in out and "by month:" in out
    code, out, _ = cli("stats", "--format", "csv")
    assert code == 0 and out.startswith("kind,key,count\ntotal,articles,")
    code, _, err = cli("stats", "--by", "day")
    assert code == 2 and "give one" in err


def test_version_and_bare_newsmon(capsys):
    from search.cli import main

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("newsmon ")
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: newsmon") and "search" in out


@pytest.mark.parametrize(("args", "message"), [
    (["serch", "школа"], "unknown command 'serch'; did you mean search?"),
    (["stast"], "did you mean stats?"),
    (["search", "школа", "--sort", "dat"], "invalid choice: 'dat'; did you mean date?"),
    (["stats", "--format", "xml"], "invalid choice: 'xml' (choose from"),  # nothing close
])
def test_close_matches_for_mistypes(cli, args, message):
    code, out, err = cli(*args)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_user_mistakes_are_exit_2_in_one_line(cli, tmp_path):
    code, _, err = cli("export", "-o", "/nonexistent/x.jsonl")
    assert code == 2 and "cannot write /nonexistent/x.jsonl" in err
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    code, out, err = cli("digest", "--write", str(blocker / "sub"))
    assert code == 2 and out == ""
    assert "cannot write into" in err and len(err.strip().splitlines()) == 1


def test_progress_bars_only_on_a_terminal(monkeypatch):
    import sys

    from search import progress

    assert list(progress.bar(range(3), 3, "x")) == [0, 1, 2]  # captured: no terminal

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    assert list(progress.bar(range(3), 3, "reindexing")) == [0, 1, 2]
    assert "reindexing" in screen.getvalue()
    monkeypatch.setenv("NEWSMON_PROGRESS", "0")
    assert not progress.enabled()


def test_no_color_and_pipes_are_plain(monkeypatch):
    from search import output

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert output.color(Terminal()) and not output.color(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not output.color(Terminal())
    assert "█" not in output.bars({"a": 3}, draw=False)


def test_import_draws_nothing_into_a_pipe(cli, tmp_path):
    code, out, _ = cli("export")
    path = tmp_path / "all.jsonl"
    path.write_text(out, encoding="utf-8")
    code, out, err = cli("import", str(path), data_dir=tmp_path / "copy")
    assert code == 0 and "\r" not in err and "%|" not in err


def test_batch_queries_honour_format_and_count(cli, tmp_path):
    queries = tmp_path / "q.txt"
    queries.write_text("колледжи\nстипендия\nшкола AND\n", encoding="utf-8")
    code, out, _ = cli("search", "--queries", str(queries), "--count")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r.get("total") for r in records[:2]] == [2, 1]
    assert "hits" not in records[0] and "needs a word" in records[2]["error"]
    code, out, _ = cli("search", "--queries", str(queries), "--format", "csv", "--count")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["query"], r["total"]) for r in rows[:2]] == [("колледжи", "2"), ("стипендия", "1")]
    code, out, _ = cli("search", "--queries", str(queries), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["query"] for r in rows].count("колледжи") == 2
    assert rows[0]["url"].startswith("http")
    code, out, _ = cli("search", "--queries", str(queries), "--format", "table")
    assert code == 0 and "== колледжи" in out and "of 2" in out
    code, out, _ = cli("search", "--queries", str(queries), "--format", "table", "--count")
    assert code == 0 and out.splitlines()[0].split() == ["2", "колледжи"]


def test_limit_all(cli):
    code, out, _ = cli("search", "школа OR колледж", "--count")
    total = int(out)
    code, out, _ = cli("search", "школа OR колледж", "--limit", "all", "--format", "json")
    assert (code == 0 and len(json.loads(out)) == total > 10) or len(json.loads(out)) == total


def test_shell_completion_is_optional():
    import argcomplete  # installed with newsmon; the CLI runs without it too

    from search.cli import _complete, build_parser

    _complete(build_parser())  # not asked by a shell: nothing happens
    assert argcomplete


def test_dates_in_words_on_the_command_line(cli):
    code, out, err = cli("search", "школа OR колледж", "--from", "1 января 2020", "--to",
                         "сегодня", "--count")
    assert code == 0 and int(out) > 0, err
    code, _, err = cli("search", "школа", "--from", "12/03/2025")
    assert code == 2 and "unrecognized date" in err, err
    from search.cli import build_parser

    parser = build_parser()
    help_text = next(a for a in parser._actions if a.dest == "command").choices[
        "search"].format_help()
    assert "'август 2025'" in help_text and "позавчера" in help_text
    assert "reaches its last day" in help_text


def test_common_date_forms_do_not_load_dateparser():
    """dateparser costs a cold search about a second: only the rare forms import it."""
    import subprocess
    import sys

    from conftest import ROOT

    code = ("import sys; from datetime import date; from search.dates import parse_bound; "
            "[parse_bound(t, date(2026, 1, 5), end=True) for t in ('август 2025', "
            "'1 августа 2025', '2 недели назад', 'позавчера', '08.2025', '7д', '2025-03')]; "
            "assert 'dateparser' not in sys.modules; "
            "parse_bound('в прошлом месяце', date(2026, 1, 5), end=True); "
            "assert 'dateparser' in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
