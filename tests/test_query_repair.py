"""Query words the archive lacks: transliteration, keyboard layout, spelling (issue 19).

The pure functions (search/repair.py) are measured on a small labelled list against a
fixed vocabulary; the command line is checked against the fixture archive.
"""

from __future__ import annotations

import json

import pytest

from search.repair import closest, distance, layout, repair_word, transliterations

VOCABULARY = ["колледж", "колледжи", "колледжа", "колледже", "школа", "школы", "школе", "школ",
              "егэ", "огэ", "химии", "химия", "химик", "олимпиада", "олимпиады", "учитель",
              "учителя", "студенты", "студентов", "стипендия", "выпускники", "экзамен",
              "журналист", "техникум", "детский", "сад", "щедрость", "юность", "ясли"]
COUNTS = {w: 10 for w in VOCABULARY}

# (typed, meant): what analysts type, measured all at once
CASES = [
    ("kolledzh", "колледж"), ("kolledzhi", "колледжи"), ("shkola", "школа"), ("EGE", "ЕГЭ"),
    ("OGE", "ОГЭ"), ("Shkoly", "Школы"), ("tekhnikum", "техникум"), ("tehnikum", "техникум"),
    ("studenty", "студенты"), ("stipendiya", "стипендия"), ("yunost", "юность"),
    ("yasli", "ясли"), ("zhurnalist", "журналист"), ("ekzamen", "экзамен"),
    ("ijkf", "школа"), ("irjkf", "школа"), ("irjks", "школы"), ("tu'", "егэ"),
    ("ghjc", None),  # «прос»: nothing near it in the vocabulary
    ("колеж", "колледж"), ("химеи", "химии"), ("олимпияда", "олимпиада"),
    ("учитиля", "учителя"), ("стипендя", "стипендия"), ("выпусники", "выпускники"),
    ("zzzzzz", None), ("абракадабра", None),
]


def known(words):
    return {w: COUNTS[w] for w in words if w in COUNTS}


def repair(word):
    return repair_word(word, known, lambda _: VOCABULARY)


def test_repairs_measured_on_a_labelled_list():
    right = [typed for typed, meant in CASES if repair(typed) == meant]
    wrong = {typed: repair(typed) for typed, meant in CASES if repair(typed) != meant}
    print(f"query repair: {len(right)} of {len(CASES)} right; wrong: {wrong}")
    assert len(right) >= len(CASES) - 2, wrong
    for must in ("kolledzh", "shkola", "EGE", "ijkf", "колеж", "химеи"):
        assert must in right


def test_the_pieces():
    assert layout("ijkf") == "шола" and layout("irjkf") == "школа"
    assert "колледж" in transliterations("kolledzh")
    assert set(transliterations("ege")) == {"еге", "егэ", "эге", "эгэ"}
    assert distance("колеж", "колледж") == 2 and distance("химеи", "химии") == 1
    assert distance("ёлка", "елка") == 0 and distance("аб", "ба") == 1
    # the user's inflection survives: «химии» (one edit) beats the dictionary form «химия»
    assert closest("химеи", ["химия", "химии", "химик"]) == "химии"


def test_cli_transliterates_and_runs_the_repair(cli):
    code, out, err = cli("search", "kolledzh", "--format", "json")
    assert code == 0, err
    hits = json.loads(out)
    assert hits and {h["corrected_query"] for h in hits} == {"колледж"}
    assert "no articles match «kolledzh»; did you mean: колледж" in err
    for typed, meant in (("shkola", "школа"), ("EGE", "ЕГЭ"), ("ijkf", "школа"),
                         ("колеж", "колледж")):
        code, out, err = cli("search", typed, "--count")
        assert code == 0 and int(out) > 0, (typed, err)
        assert f"did you mean: {meant}" in err


def test_cli_keeps_the_users_inflection(cli):
    code, _, err = cli("search", "олимпиада по химеи", "--count")
    assert code == 0
    assert "did you mean: олимпиада по химии" in err


def test_a_query_that_matches_is_not_repaired(cli):
    code, out, err = cli("search", "школа", "--count")
    assert code == 0 and int(out) > 0 and "did you mean" not in err


def test_two_spellings_that_suggest_each_other_end_in_one_suggestion(cli, monkeypatch):
    """Where the archive's vocabulary makes «заявки» suggest «заявка» and back, the
    repaired query is tried once and named; it used to recurse until Python gave up."""
    from search.engine import Searcher

    other = {"заявкиъ": "заявкаъ", "заявкаъ": "заявкиъ"}  # neither is in the archive
    asked = []

    def suggest(self, text, query, archived):
        asked.append(text)
        return other.get(text)

    monkeypatch.setattr(Searcher, "_suggest", suggest)
    code, out, err = cli("search", "заявкиъ", "--count")
    assert code == 0 and out.strip() == "0", err
    assert asked == ["заявкиъ"] and "unexpected" not in err


def test_batch_records_the_correction(cli, tmp_path):
    queries = tmp_path / "q.txt"
    queries.write_text("kolledzh\n", encoding="utf-8")
    code, out, _ = cli("search", "--queries", str(queries))
    record = json.loads(out)
    assert code == 0 and record["suggestion"] == "колледж" and record["corrected"] is True
    assert record["total"] > 0


@pytest.mark.parametrize(("query", "message"), [
    ("школа AND", "AND needs a word after it"),
    ("OR школа", "OR needs a word before it"),
    ("школа AND OR ЕГЭ", "AND needs a word after it"),
    ("школа NOT", "NOT needs a word after it"),
    ("(школа ИЛИ)", "OR needs a word after it"),
    ("foo:bar", "unknown field 'foo' (fields: title, body"),
])
def test_query_mistakes_are_errors(cli, query, message):
    code, out, err = cli("search", query)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_unknown_source_names_the_known_ones(cli):
    code, _, err = cli("search", "школа", "--source", "nosuch")
    assert code == 2
    assert "unknown source 'nosuch' (the archive holds: testsite)" in err


def test_fields_and_phrases_still_work(cli):
    for query in ("title:ЕГЭ", '"школа AND" OR ЕГЭ', "-школа ЕГЭ", "source:testsite"):
        code, _, err = cli("search", query, "--count")
        assert code == 0, (query, err)
