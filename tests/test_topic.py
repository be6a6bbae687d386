"""The education filter: measured on labelled articles, and applied by a real crawl."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, newsmon_here, run_newsmon, write_sources
from measures import evaluate_topic

from crawler.topic import classify, load_lexicon
from indexer.article import Article


@pytest.mark.parametrize("name", ["labelled", "heldout"])
def test_precision_and_recall_at_least_90_percent(name):
    precision, recall, wrong = evaluate_topic(FIXTURES / "topic" / f"{name}.json")
    assert precision >= 0.9 and recall >= 0.9, wrong


def article(title: str, body: str = "", url: str = "https://x.example/news/1/") -> Article:
    return Article(id="x", url=url, title=title, body=body or title)


@pytest.mark.parametrize(("title", "keep"), [
    ("Воспитанники спортивной школы выиграли первенство по плаванию", False),
    ("В университетской клинике спасли пациента", False),
    ("Перекроют движение по улице Школьной", False),
    ("Школьники сдали ОГЭ по математике", True),
    ("Студенты колледжей вышли на практику", True),
])
def test_hard_cases(title, keep):
    assert classify(article(title)).keep is keep


def test_url_and_section_hints_and_matched_terms():
    verdict = classify(article("Итоги года", "Подвели итоги года для учителей.",
                               url="https://x.example/obrazovanie/itogi-1/"))
    assert verdict.keep and "url" in verdict.matched and "учитель" in verdict.matched


def test_users_extend_the_lexicon(tmp_path):
    extra = tmp_path / "mine.toml"
    extra.write_text('[terms]\n"кванториум" = 5\n', encoding="utf-8")
    item = article("Кванториум набирает детей")
    assert not classify(item).keep
    assert classify(item, load_lexicon(extra)).keep


def test_crawl_with_topic_education_keeps_exactly_the_education_articles(tmp_path, site):
    sources = write_sources(tmp_path / "sources.toml", site.base, topic='"education"')
    data_dir = tmp_path / "data"
    result = run_newsmon("crawl", data_dir=data_dir, sources=sources)
    assert result.returncode == 0, result.stderr
    assert "12 new" in result.stdout and "1 off topic" in result.stdout
    exported = [json.loads(line) for line in
                newsmon_here("export", data_dir=data_dir).stdout.splitlines()]
    titles = {a["title"] for a in exported}
    assert "«Ротор» обыграл соперника в домашнем матче первой лиги" not in titles
    assert len(titles) == 12
    assert all(a["matched"] for a in exported)
    hit = json.loads(newsmon_here("search", "title:ЕГЭ", "--format", "json",
                                  data_dir=data_dir).stdout)[0]
    shown = newsmon_here("show", hit["id"], data_dir=data_dir).stdout
    assert "Тема: образование: ЕГЭ" in shown


def test_fixture_articles_are_labelled_by_their_sections():
    sys.path.insert(0, str(FIXTURES))
    from articles import FIXTURE

    for item in FIXTURE:
        verdict = classify(Article(id="x", url=f"https://x.example/{item['section']}/1/",
                                   title=item["title"], body="\n\n".join(item["body"])))
        assert verdict.keep is (item["section"] != "sport"), item["title"]


def test_bundled_lexicon_file_is_valid_toml():
    import tomllib

    data = tomllib.loads((Path(ROOT) / "crawler" / "education.toml").read_text())
    assert data["threshold"] > 0 and len(data["terms"]) >= 30
