"""The command line as analysts use it, on the archive crawled once for the session."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import search_json


def titles(hits: list[dict]) -> list[str]:
    return [h["title"] for h in hits]


def test_and_is_the_default(cli):
    assert titles(search_json(cli, "колледж химия")) == [
        "Волгоградский опыт в развитии системы СПО получил федеральное признание"]


def test_or_not_minus_and_russian_operators(cli):
    either = search_json(cli, "стипендия OR детский сад")
    assert len(either) == 2
    assert titles(search_json(cli, "стипендия ИЛИ детский сад")) == titles(either)
    schools = {h["id"] for h in search_json(cli, "школа", "--limit", "50")}
    without = {h["id"] for h in search_json(cli, "школа NOT ёлка", "--limit", "50")}
    minus = {h["id"] for h in search_json(cli, "школа -елка", "--limit", "50")}
    assert without == minus
    assert len(schools - without) == 1


def test_phrase_and_prefix(cli):
    assert titles(search_json(cli, '"пробный экзамен"')) == [
        "Школьники Волгограда написали пробный ЕГЭ по математике"]
    assert search_json(cli, '"экзамен пробный"') == []
    prefix = titles(search_json(cli, "title:школ*", "--limit", "50"))
    assert "Школьники очистили берег Волго-Донского канала" in prefix
    assert "В Волжском построят новую школу на 1100 мест" in prefix


def test_field_queries(cli):
    assert titles(search_json(cli, "author:Рябова")) == [
        "Волгоградский опыт в развитии системы СПО получил федеральное признание"]
    assert len(search_json(cli, "section:спорт")) == 1
    assert len(search_json(cli, "tag:ЕГЭ")) == 1
    assert search_json(cli, "source:elsewhere колледж") == []


def test_date_filters_and_sort_by_date(cli):
    march = search_json(cli, "школа OR колледж OR учитель", "--from", "2025-03", "--to",
                        "2025-03", "--limit", "50")
    assert march and all(h["published"].startswith("2025-03") for h in march)
    by_date = search_json(cli, "школа", "--sort", "date", "--limit", "50")
    published = [h["published"] for h in by_date]
    assert published == sorted(published, reverse=True)
    assert search_json(cli, "школа", "--from", "12.03.2025", "--to", "12.03.2025")[0][
        "published"] == "2025-03-12T14:30:00+03:00"


def test_limit_offset_and_count(cli):
    everything = search_json(cli, "школа", "--limit", "50")
    page2 = search_json(cli, "школа", "--limit", "2", "--offset", "2")
    assert [h["id"] for h in page2] == [h["id"] for h in everything[2:4]]
    code, out, _ = cli("search", "школа", "--count")
    assert code == 0 and int(out) == len(everything)


def test_table_csv_and_jsonl_output(cli):
    code, out, _ = cli("search", "колледжи")
    assert code == 0
    assert "Комитет образования подвёл итоги приёмной кампании в колледжах" in out
    assert "of 2 stories (2 articles)" in out and "\x1b" not in out  # no colour: not a tty
    code, out, _ = cli("search", "колледжи", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 2 and rows[0]["url"].startswith("http://127.0.0.1:")
    code, out, _ = cli("search", "колледжи", "--format", "jsonl")
    assert [json.loads(line)["source"] for line in out.splitlines()] == ["testsite"] * 2


def test_batch_queries(cli, tmp_path):
    queries = tmp_path / "watch.txt"
    queries.write_text("колледжи\n# a comment\n\nстипендия\n\"unbalanced\n", encoding="utf-8")
    code, out, _ = cli("search", "--queries", str(queries))
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(r["query"], r.get("total")) for r in lines[:2]] == [("колледжи", 2), ("стипендия", 1)]
    assert "unbalanced quote" in lines[2]["error"]


@pytest.mark.parametrize(("args", "code", "message"), [
    (["search", "школа", "--from", "2025-13"], 2, "not a real date"),
    (["search", "школа", "--to", "someday"], 2, "unrecognized date"),
    (["search", "школа", "--from", "2025-05", "--to", "2025-01"], 2, "is after --to"),
    (["search", '"unbalanced'], 2, "unbalanced quote"),
    (["search", "(школа"], 2, "unbalanced parenthesis"),
    (["search", "школа", "--limit", "-1"], 2, "--limit must be between"),
    (["search", "школа", "--limit", "99999999"], 2, "--limit must be between"),
    (["search", "школа", "--limit", "ten"], 2, "invalid int value"),
    (["search", "и"], 2, "no searchable words"),
    (["show", "0000deadbeef"], 1, "no archived article"),
    (["crawl", "nosuchsource"], 2, "unknown source 'nosuchsource'"),
    (["frobnicate"], 2, "invalid choice"),
])
def test_bad_input_is_one_line_and_an_exit_code(cli, args, code, message):
    actual, _out, err = cli(*args)
    assert actual == code
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_no_archive_yet(cli, tmp_path):
    code, _, err = cli("search", "школа", data_dir=tmp_path / "empty")
    assert code == 2 and "no archive in" in err and "newsmon crawl" in err


def test_missing_index_names_reindex(cli, crawled, tmp_path):
    copy = tmp_path / "data"
    code, _, _ = cli("export", "-o", str(tmp_path / "all.jsonl"))
    assert code == 0
    assert cli("import", str(tmp_path / "all.jsonl"), data_dir=copy)[0] == 0
    import shutil

    shutil.rmtree(copy / "index")
    code, _, err = cli("search", "школа", data_dir=copy)
    assert code == 2 and "newsmon reindex" in err
    code, out, _ = cli("reindex", data_dir=copy)
    assert code == 0 and "reindexed 13 articles" in out
    assert len(search_json(lambda *a: cli(*a, data_dir=copy), "колледжи")) == 2


def test_export_import_round_trip(cli, tmp_path):
    exported = tmp_path / "all.jsonl"
    assert cli("export", "--format", "jsonl", "-o", str(exported))[0] == 0
    articles = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert len(articles) == 13
    other = tmp_path / "other"
    code, out, _ = cli("import", str(exported), data_dir=other)
    assert code == 0 and "13 new" in out
    code, out, _ = cli("import", str(exported), data_dir=other)
    assert "13 unchanged" in out
    assert cli("stats", "--format", "json", data_dir=other)[1] == cli("stats", "--format",
                                                                        "json")[1]
    again = tmp_path / "again.jsonl"
    cli("export", "-o", str(again), data_dir=other)
    assert sorted(again.read_text().splitlines()) == sorted(exported.read_text().splitlines())


def test_an_empty_import_leaves_a_searchable_archive(cli, tmp_path):
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    assert cli("import", str(tmp_path / "empty.jsonl"), data_dir=tmp_path / "d")[0] == 0
    code, out, err = cli("search", "школа", "--count", data_dir=tmp_path / "d")
    assert (code, out.strip(), err) == (0, "0", "")


def test_bad_import_line_changes_nothing(cli, tmp_path):
    exported = tmp_path / "all.jsonl"
    cli("export", "-o", str(exported))
    lines = exported.read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([*lines[:5], '{"url": "ftp://x", "title": "t", "body": "b"}',
                                 *lines[5:]]), encoding="utf-8")
    target = tmp_path / "target"
    code, _, err = cli("import", str(broken), data_dir=target)
    assert code == 2
    assert f"{broken}:6: field 'url' is not an http(s) URL" in err
    assert not (target / "archive.sqlite").exists() or \
        json.loads(cli("stats", "--format", "json", data_dir=target)[1])["articles"] == 0


def test_extract_prints_article_json(cli, tmp_path):
    from conftest import FIXTURES

    page = FIXTURES / "pages" / "vpravda-drupal.html"
    code, out, _ = cli("extract", str(page), "--url", "https://vpravda.ru/x-1/")
    article = json.loads(out)
    assert code == 0
    assert article["title"] == \
        "Волгоградский опыт в развитии системы СПО получил федеральное признание"
    assert article["url"].startswith("https://vpravda.ru/obshchestvo/")
    binary = tmp_path / "photo.html"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    code, _, err = cli("extract", str(binary))
    assert code == 2 and "not an HTML page" in err
    code, _, err = cli("extract", str(FIXTURES / "site" / "obrazovanie" / "staraya-stranica-100000"
                                      / "index.html"))
    assert code == 1 and "not an article page" in err


def test_sources_lists_counts(cli):
    code, out, _ = cli("sources", "--format", "json")
    rows = json.loads(out)
    assert code == 0
    assert rows[0]["slug"] == "testsite" and rows[0]["articles"] == 13
    assert rows[0]["last_crawl"]


def test_terminal_output_strips_control_characters():
    from indexer.text import terminal_safe
    from search.output import csv_safe, snippet

    hostile = "Заголовок\x1b]0;owned\x07\x1b[2J с \x1b[31mкраской\x1b[0m\x00"
    assert terminal_safe(hostile) == "Заголовок с краской"
    assert snippet("a \x02ши\x1b[5mрок\x03 b", "ansi") == "a \x1b[1mширок\x1b[0m b"
    assert csv_safe("=HYPERLINK(\"http://x\")").startswith("'=")


def test_total_counts_every_match_beyond_the_page(cli, tmp_path):
    # ten title matches fill the first page; the fifty body-only matches must still count
    lines = [json.dumps({"url": f"https://count.example/news/{i}/",
                         "title": f"Школа номер {i}" if i < 10 else f"Новость {i}",
                         "body": "Школа и колледж " * (1 + i % 7) + f"номер {i}."},
                        ensure_ascii=False) for i in range(60)]
    (tmp_path / "many.jsonl").write_text("\n".join(lines), encoding="utf-8")
    data_dir = tmp_path / "many"
    assert cli("import", str(tmp_path / "many.jsonl"), data_dir=data_dir)[0] == 0
    code, out, _ = cli("search", "школа", "--limit", "5", "--count", data_dir=data_dir)
    assert code == 0 and int(out) == 60
    code, out, _ = cli("search", "школа", "--limit", "5", data_dir=data_dir)
    assert code == 0 and "1–5 of 60 stories (60 articles)" in out


def test_searching_archived_words_loads_no_dictionary(crawled, tmp_path, monkeypatch):
    """Loading pymorphy3 was 0.1 s of a cold search.  A query word the archive holds is
    read from the index's readings.sqlite; with an index that has none (an older
    newsmon's), a repeated query's words come from words.sqlite.  Same answers both ways."""
    import shutil

    from indexer import analysis
    from indexer.store import DataDir
    from search.engine import Searcher

    def run(root: Path) -> list[tuple[str, str]]:
        searcher = Searcher(DataDir(root))
        try:
            found = searcher.search("колледжи ИЛИ студентов")
            return [(h.id, h.snippet) for h in found.hits]
        finally:
            searcher.close()

    def forget_and_block_the_dictionary() -> None:
        monkeypatch.setattr(analysis, "_CACHE", {})
        monkeypatch.setattr(analysis, "_FORMS", {})
        analysis.lemmas.cache_clear()
        monkeypatch.setattr(analysis, "morph", no_dictionary)

    def no_dictionary():
        raise AssertionError("pymorphy3 was loaded")

    older, current = tmp_path / "older", tmp_path / "current"
    for copy in (older, current):
        shutil.copytree(crawled.data_dir, copy)
        (copy / "words.sqlite").unlink(missing_ok=True)
    (older / "index" / "readings.sqlite").unlink()
    expected = run(older)  # pymorphy3's readings and paradigms
    assert expected and any("\x02колледж" in snippet.lower() for _, snippet in expected)
    forget_and_block_the_dictionary()
    assert run(current) == expected
    assert run(older) == expected


def test_compact_merges_what_an_import_left(cli, tmp_path):
    lines = [json.dumps({"url": f"https://compact.example/news/{i}/", "title": f"Новость {i}",
                         "body": ("Школа и колледж " if i % 3 else "Колледжи области ")
                         * (1 + i % 5) + f"номер {i}."}, ensure_ascii=False) for i in range(250)]
    exported = tmp_path / "many.jsonl"
    exported.write_text("\n".join(lines), encoding="utf-8")
    copy = tmp_path / "copy"
    assert cli("import", str(exported), data_dir=copy)[0] == 0  # a segment per worker
    before = search_json(lambda *a: cli(*a, data_dir=copy), "колледжи OR школа")
    code, out, _ = cli("compact", data_dir=copy)
    assert code == 0 and out.startswith("merged 2 index segments")
    assert search_json(lambda *a: cli(*a, data_dir=copy), "колледжи OR школа") == before
    assert cli("compact", data_dir=copy)[1].startswith("the index is a single segment")
