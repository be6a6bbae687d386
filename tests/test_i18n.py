"""Messages in the user's language (issue 19): Russian with a Russian locale, through
the gettext catalogue in search/locale, English otherwise."""

from __future__ import annotations

import ast
import gettext
import importlib
import io
from pathlib import Path

import pytest

from search import i18n

PO = i18n.LOCALE_DIR / "ru" / "LC_MESSAGES" / "newsmon.po"


def used_messages() -> set[str]:
    """Every msgid the code looks up: _() and ngettext() literals, command HELPs, the
    query help."""
    found: set[str] = set()
    for path in sorted(Path(i18n.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("_", "ngettext") and node.args
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
    for key, value in catalogue.items():  # every {name} kept in the translation
        if key:
            for name in ast.literal_eval(repr(key)).split("{")[1:]:
                assert "{" + name.split("}")[0] + "}" in value, (key, value)


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
