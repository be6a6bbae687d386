"""Messages in the user's language (issue 19): Russian with a Russian locale, through
the gettext catalogue in indexer/locale, English otherwise, in every layer."""

from __future__ import annotations

import ast
import gettext
import importlib
import io
import re

import pytest
from conftest import ROOT

from indexer import i18n

PO = i18n.LOCALE_DIR / "ru" / "LC_MESSAGES" / "newsmon.po"
CODE = [path for layer in ("indexer", "crawler", "search")
        for path in sorted((ROOT / layer).rglob("*.py"))]


def used_messages() -> set[str]:
    """Every msgid the code looks up, in every layer: _(), ngettext() and N_() literals,
    command HELPs, the query help."""
    found: set[str] = set()
    for path in CODE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("_", "ngettext", "N_") and node.args
                    and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    from search.commands import COMMANDS
    from search.query import QUERY_HELP

    found |= {importlib.import_module(f"search.commands.{m}").HELP for m in COMMANDS.values()}
    return found | {QUERY_HELP}


def test_the_catalogue_translates_every_message():
    catalogue = i18n.parse_po(PO.read_text(encoding="utf-8"))
    singular = {key.split("\0")[0] for key in catalogue}
    missing = used_messages() - singular
    assert not missing, missing
    for key, value in catalogue.items():  # every {name} and %(name)s kept in the translation
        if key:
            for name in key.split("{")[1:]:
                for form in value.split("\0"):
                    assert "{" + name.split("}")[0] + "}" in form, (key, value)
            for name in re.findall(r"%\(\w+\)\w|%[sr]", key):
                assert all(name in form for form in value.split("\0")), (key, value)


def test_every_msgid_once():
    """A msgid given twice is one translation silently lost (GNU msgfmt refuses the file)."""
    ids = re.findall(r'^msgid (".*")$', PO.read_text(encoding="utf-8"), re.M)
    twice = {i for i in ids if ids.count(i) > 1} - {'""'}
    assert not twice, twice


def test_compiled_catalogue_reads_back():
    translations = gettext.GNUTranslations(io.BytesIO(i18n.compile_po(
        PO.read_text(encoding="utf-8"))))
    assert translations.gettext("search the archive") == "поиск по архиву"
    assert translations.ngettext("{n} story", "{n} stories", 1) == "{n} сюжет"
    assert translations.ngettext("{n} story", "{n} stories", 3) == "{n} сюжета"
    assert translations.ngettext("{n} story", "{n} stories", 11) == "{n} сюжетов"
    written = i18n.compile_all(i18n.LOCALE_DIR)  # what `make` runs: the .mo beside the .po
    assert PO.with_suffix(".mo") in written


@pytest.mark.parametrize(("variable", "value", "lang"), [
    ("LANG", "ru_RU.UTF-8", "ru"), ("LC_ALL", "ru_RU.UTF-8", "ru"),
    ("LC_MESSAGES", "ru_UA", "ru"), ("LANG", "en_US.UTF-8", "en"), ("LANG", "C", "en"),
])
def test_language_from_the_locale(monkeypatch, variable, value, lang):
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, value)
    assert i18n.language() == lang


@pytest.fixture
def russian(monkeypatch):
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    yield
    monkeypatch.setenv("LANG", "C.UTF-8")


def test_russian_help_messages_and_tables(cli, russian, capsys):
    from search.cli import main

    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("использование: newsmon") and "поиск по архиву" in out
    code, out, err = cli("search", "школа", "--limit", "1")
    assert code == 0
    assert "из" in out.splitlines()[-1] and "сюжет" in out.splitlines()[-1]
    first = out.splitlines()[0]
    assert any(month in first for month in ("янв", "фев", "мар", "апр", "мая", "июн", "июл",
                                            "авг", "сен", "окт", "ноя", "дек")), first
    code, _, err = cli("serch")
    assert code == 2 and "неизвестная команда 'serch'; может быть, search?" in err
    code, _, err = cli("search", "школа AND")
    assert code == 2 and "после AND нужно слово" in err
    code, out, _ = cli("stats", "школа", "--by", "month")
    assert code == 0 and "по месяцам:" in out and "по источникам:" in out


def test_english_is_the_default(cli, monkeypatch):
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    code, out, _ = cli("search", "школа", "--limit", "1")
    assert code == 0 and " of " in out.splitlines()[-1]
    assert out.splitlines()[0][:4].isdigit()  # 2025-08-28: ISO dates in English


def _helps(parser, where="newsmon"):
    """(where, option, help) of every argument and subcommand of `parser`, recursively."""
    import argparse

    for action in parser._actions:
        name = "/".join(action.option_strings) or action.dest
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                yield f"{where} {choice.dest}", "(command)", choice.help
            for command, sub in action.choices.items():
                yield f"{where} {command}", "(description)", sub.description
                yield from _helps(sub, f"{where} {command}")
        elif action.help is not argparse.SUPPRESS:
            yield where, name, action.help


def test_every_option_of_every_command_says_what_it_does_in_russian(monkeypatch):
    """The full parser, built in English and in Russian: every argument has a help, and
    no help of any command is left in English (or untranslated) under a Russian locale."""
    from search.cli import build_parser

    def helps(lang):
        monkeypatch.setenv("LANG", lang)
        return list(_helps(build_parser()))

    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    english, russian = helps("C.UTF-8"), helps("ru_RU.UTF-8")
    assert len(english) == len(russian) > 100
    cyrillic = re.compile("[а-яё]", re.I)
    for (where, option, en), (_where, _option, ru) in zip(english, russian, strict=True):
        assert en, f"{where} {option}: no help"
        assert ru != en and cyrillic.search(ru), f"{where} {option}: {ru!r} is not translated"


def test_argparse_words_in_russian(monkeypatch, capsys):
    from search.cli import build_parser

    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    parser = build_parser()
    for command in ([], ["search"], ["watch", "add"]):
        text = _subparser(parser, command).format_help()
        assert text.startswith("использование: ")
        for word in ("usage", "options", "positional arguments", "show this help",
                     "version number"):
            assert word not in text, (command, word)


def _subparser(parser, path):
    import argparse

    for name in path:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[name]
    return parser


def test_no_help_text_escapes_the_catalogue():
    """Every help=, description= and epilog= in search/ goes through _() (`_("…")`,
    `_("…").format(…)`, `_(module.HELP)`) or is argparse.SUPPRESS."""

    def translated(node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "format":
            node = node.func.value
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return node.func.id in ("_", "ngettext")  # a literal, or a command's HELP
        return isinstance(node, ast.Attribute) and node.attr == "SUPPRESS"

    loose = []
    for path in sorted((ROOT / "search").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("add_argument", "add_parser", "add_subparsers",
                                           "add_argument_group", "ArgumentParser"):
                for keyword in node.keywords:
                    if keyword.arg in ("help", "description", "epilog") \
                            and not translated(keyword.value):
                        loose.append(f"{path.name}:{node.lineno} {keyword.arg}=")
    assert not loose, loose


def test_russian_messages_of_the_rarer_commands(cli, russian, tmp_path, crawled):
    code, out, _ = cli("status")
    assert code == 0 and out.startswith("время по поясу ") and "последний обход" in out
    assert "in " not in out.splitlines()[0]
    code, out, _ = cli("sources")
    assert code == 0 and "источники из" in out and "статей" in out
    code, out, _ = cli("watch", "list")
    assert code == 0
    code, out, err = cli("stories")
    assert code == 0 and "статей: " in out and "сюжетов: " in out
    code, _, err = cli("search", "школа", "--sort", "dat")
    assert code == 2 and "аргумент --sort: недопустимое значение 'dat'; может быть, date?" in err
    code, _, err = cli("stats", "--format", "xml")
    assert code == 2 and "(можно: 'table', 'json', 'csv')" in err
    code, _, err = cli("search", "школа", "--from", "2025-13")
    assert code == 2 and "такой даты нет: '2025-13'" in err
    code, _, err = cli("search", "школа", "--from", "2025", "--to", "2024")
    assert code == 2 and "--from 2025 позже, чем --to 2024" in err
    code, _, err = cli("show", "nonesuch")
    assert code == 1 and "в архиве нет статьи 'nonesuch'" in err
    code, _, err = cli("export", "-o", str(tmp_path / "no" / "such" / "dir.jsonl"))
    assert code == 2 and "не удаётся записать" in err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"url": "https://x.example/1", "title": ["a"], "body": "b"}\n',
                   encoding="utf-8")
    code, _, err = cli("import", str(bad), data_dir=tmp_path / "data")
    assert code == 2 and "поле 'title' должно быть строкой, а это список" in err
    code, _, err = cli("watch", "rm", "nonesuch", data_dir=tmp_path / "data")
    assert code == 1 and "нет наблюдения с именем 'nonesuch'" in err
    code, _, err = cli("schedule", "--jobs", "0")
    assert code == 2 and "--jobs: нужно число от 1 до 32" in err
    for line in (out + err).splitlines():
        assert not re.search(r"\b(articles|stories|new|errors|cannot|watch)\b", line), line


def test_russian_plurals_in_messages(russian):
    from search.i18n import ngettext

    said = {n: ngettext("backed up {n} article to {path}", "backed up {n} articles to {path}",
                        n).format(n=n, path="b") for n in (1, 3, 5, 21)}
    assert said == {1: "в резервную копию b записана 1 статья",
                    3: "в резервную копию b записаны 3 статьи",
                    5: "в резервную копию b записано 5 статей",
                    21: "в резервную копию b записана 21 статья"}


def test_a_scheduled_crawl_logs_in_english(monkeypatch):
    """The scheduler reads a run's `crawled …` summary from its output, a log: the crawls
    it starts speak English whatever the user's locale, which is otherwise kept."""
    from crawler.scheduler import _english_env

    monkeypatch.setenv("LC_ALL", "ru_RU.UTF-8")
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    env = _english_env()
    assert env["LC_CTYPE"] == "ru_RU.UTF-8" and env["LANG"] == "ru_RU.UTF-8"
    monkeypatch.delenv("LC_ALL")
    monkeypatch.setenv("LC_MESSAGES", env["LC_MESSAGES"])
    assert "LC_ALL" not in env and i18n.language() == "en"


LOWER_LAYERS = {  # what the indexer and the crawler say, in both languages
    "ru": ("в {root} ещё нет архива (сначала запустите `newsmon crawl` или укажите "
           "--data-dir)", "{path}: [sources.x]: 'delay' не может быть отрицательным",
           "источник 'testsite' уже обходится в {root} (pid {pid})"),
    "en": ("no archive in {root} yet (run `newsmon crawl` first, or pass --data-dir)",
           "{path}: [sources.x]: 'delay' must not be negative",
           "source 'testsite' is already being crawled on {root} (pid {pid})"),
}


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_lower_layers_errors_in_the_users_language(cli, crawled, tmp_path, monkeypatch,
                                                       capsys, lang):
    """A missing archive (indexer/store.py), a bad sources file (crawler/config.py) and a
    source being crawled (crawler/run.py): one line each, in the locale's language, with
    the exit codes of before."""
    import os

    from indexer.store import DataDir
    from search.cli import main

    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "ru_RU.UTF-8" if lang == "ru" else "C.UTF-8")
    missing, bad_sources, busy = LOWER_LAYERS[lang]
    empty = tmp_path / "empty"
    assert cli("search", "школа", data_dir=empty) == (
        2, "", f"newsmon: {missing.format(root=empty)}\n")
    bad = tmp_path / "bad.toml"
    bad.write_text('[sources.x]\nname = "X"\nhome = "https://x.example/"\n'
                   'feeds = ["https://x.example/rss"]\ndelay = -1\n', encoding="utf-8")
    assert main(["--data-dir", str(empty), "--sources", str(bad), "sources"]) == 2
    assert capsys.readouterr() == ("", f"newsmon: {bad_sources.format(path=bad)}\n")
    with DataDir(crawled.data_dir).lock("locks/testsite.lock"):  # a crawl of it is running
        assert cli("crawl", "testsite") == (
            2, "", f"newsmon: {busy.format(root=crawled.data_dir, pid=os.getpid())}\n")


def test_rejection_reasons_are_kept_in_english_and_shown_in_russian(cli, russian, tmp_path):
    """The archive keeps why a page was refused as the crawler said it, in English, whatever
    the locale of the crawl; `rejected` shows it in the reader's language, and its JSON as
    it is kept."""
    import json

    from crawler.clean import ERROR_PAGE, TOO_SHORT
    from indexer.store import DataDir

    data_dir = tmp_path / "data"
    with DataDir(data_dir).open_archive(create=True) as archive:  # as the spider records them
        archive.frontier_done("https://x.example/1", skipped=ERROR_PAGE.format(title="404"),
                              kind="rejected", source="testsite")
        archive.frontier_done("https://x.example/2", skipped=TOO_SHORT.format(n=57),
                              kind="rejected", source="testsite")
        archive.frontier_done("https://x.example/3", skipped="a reason of an older newsmon",
                              kind="rejected", source="testsite")
    code, out, _err = cli("rejected", data_dir=data_dir)
    assert code == 0
    assert "страница ошибки ('404')" in out
    assert "текст статьи слишком короткий (символов: 57)" in out
    assert "a reason of an older newsmon" in out and "error page" not in out
    code, out, _err = cli("rejected", "--format", "json", data_dir=data_dir)
    assert {r["reason"] for r in json.loads(out)} == {
        "an error page ('404')", "article text too short (57 characters)",
        "a reason of an older newsmon"}
    page = ROOT / "tests" / "fixtures" / "site" / "index.html"  # `extract` words it so too
    code, _out, err = cli("extract", str(page))
    assert code == 1 and err.endswith(": это не страница статьи (страница объявляет og:type "
                                      "'website')\n")


def test_sources_check_in_russian(tmp_path):
    """`sources --check` runs its fetches in a child process, which speaks the same language."""
    import os
    import socket
    import subprocess

    from conftest import NEWSMON

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[sources.down]\nname = "Лежит"\nhome = "{dead}/"\n'
                       f'feeds = ["{dead}/rss.xml"]\ndelay = 0\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES")}
    result = subprocess.run([*NEWSMON, "--data-dir", str(tmp_path / "data"), "--sources",
                             str(sources), "sources", "--check"], capture_output=True,
                            text=True, timeout=120, env={**env, "LANG": "ru_RU.UTF-8"},
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[1].strip() == "- недоступен: лента: в соединении отказано"


def test_a_stored_message_is_translated_with_its_details(monkeypatch):
    templates = [i18n.N_("an error page ({title!r})"),
                 i18n.N_("article text too short ({n} characters)")]
    monkeypatch.setenv("LC_ALL", "ru_RU.UTF-8")
    assert i18n.stored("an error page ('Ошибка 404: нет (такой) страницы')", templates) == \
        "страница ошибки ('Ошибка 404: нет (такой) страницы')"
    assert i18n.stored("article text too short (9 characters)", templates) == \
        "текст статьи слишком короткий (символов: 9)"
    assert i18n.stored("something else", templates) == "something else"
    monkeypatch.setenv("LC_ALL", "C")
    assert i18n.stored("article text too short (9 characters)", templates) == \
        "article text too short (9 characters)"
