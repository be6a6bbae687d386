"""Snippets and «Did you mean»: what an analyst sees under each hit."""

from __future__ import annotations

import json

from indexer.analysis import word_forms
from search.snippets import HIT_END, HIT_START, Matcher, make_snippet


def marked(snippet: str) -> list[str]:
    return [part.split(HIT_END)[0] for part in snippet.split(HIT_START)[1:]]


def test_all_word_forms_of_the_query_are_marked():
    text = ("В колледжах области новый учебный год. Колледж № 3 открыл мастерские, "
            "а выпускники колледжей получили дипломы.")
    snippet = make_snippet(text, Matcher(word_forms("колледж")))
    assert marked(snippet) == ["колледжах", "Колледж", "колледжей"]


def test_yo_and_prefixes():
    snippet = make_snippet("Ёлку украсили школьники и школьницы.",
                           Matcher(word_forms("елка"), ("школ",)))
    assert marked(snippet) == ["Ёлку", "школьники", "школьницы"]


def test_window_goes_where_the_words_are_and_stays_bounded():
    text = "Вступление. " * 60 + "Главное: стипендии студентам вырастут. " + "Хвост. " * 60
    snippet = make_snippet(text, Matcher(word_forms("стипендия") | word_forms("студент")))
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert marked(snippet) == ["стипендии", "студентам"]
    assert len(snippet.replace(HIT_START, "").replace(HIT_END, "")) <= 240 + 4


def test_no_match_in_text_gives_its_start():
    assert make_snippet("Короткий текст статьи.", Matcher(frozenset())) == \
        "Короткий текст статьи."


def test_did_you_mean(cli):
    """A misspelt query that matches nothing is spelled as the archive spells it, and run."""
    code, out, err = cli("search", "калледжи", "--format", "json")
    assert code == 0 and json.loads(out)
    assert {h["corrected_query"] for h in json.loads(out)} == {"колледжи"}
    assert "did you mean: колледжи" in err
    code, out, err = cli("search", "колледжи")
    assert "did you mean" not in err
