"""What the tests and the benchmarks both measure, kept here so that tests import nothing
from benchmarks/: the education filter's precision and recall on a labelled set, and the
cleaner's golden set (every page the tests keep with a known truth) with its scoring.

The golden set: the fixture and demo sites' articles (truth: the article data they are
rendered from, tests/fixtures/articles.py), one page per bundled source (truth: the text and
dates they are written with, tests/fixtures/sources/make_pages.py), and the saved pages of
tests/fixtures/pages (truth: their reviewed JSON).  Fields: title (exact), date (the day),
author, body start and end (first and last 40 characters of the true text), boilerplate
leaks (navigation, share bars, «Читайте также», comments, ads, captions in the body), and
non-articles recognized.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
for _path in (TESTS, TESTS / "fixtures", TESTS / "fixtures" / "sources"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from articles import DEMO, FIXTURE  # noqa: E402
from make_pages import P as SOURCE_PARAGRAPHS  # noqa: E402

from crawler.clean import NotArticle, clean  # noqa: E402
from crawler.dates import zone  # noqa: E402
from crawler.topic import classify  # noqa: E402
from indexer.article import Article, article_id  # noqa: E402


def evaluate_topic(path: Path) -> tuple[float, float, list[str]]:
    """Precision and recall of the education filter on a labelled JSON set, and its misses."""
    tp = fp = fn = 0
    wrong = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        article = Article(id=article_id(item["url"]), url=item["url"], title=item["title"],
                          body=item["body"], section=item.get("section"))
        keep = classify(article).keep
        tp += keep and item["education"]
        fp += keep and not item["education"]
        fn += not keep and item["education"]
        if keep != item["education"]:
            wrong.append(f"{'FP' if keep else 'FN'} {item['title']}")
    return tp / max(1, tp + fp), tp / max(1, tp + fn), wrong


FETCHED = datetime.fromisoformat("2026-11-26T11:00:00+03:00")
LEAKS = ("Читайте также", "ЧИТАЙТЕ ТАКЖЕ", "Поделиться", "Реклама", "Подписывайтесь",
         "Комментари", "©", "Фото:", "Новости по теме", "Другие новости", "Похожее",
         "Смотрите также", "Возврат к списку", "injected", "Хорошая новость, давно пора",
         "Давно пора", "Популярное", "Все права защищены")
FIELDS = ("title", "date (day)", "author", "body start", "body end", "no boilerplate",
          "non-article")


@dataclass
class Truth:
    page: Path
    url: str
    article: bool = True
    title: str = ""
    published: str | None = None  # ISO with offset
    author: str | None = None
    body_start: str = ""
    body_end: str = ""
    source: str | None = None


def _iso(text: str) -> str:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone("Europe/Volgograd"))
    return value.isoformat()


def golden_set() -> list[Truth]:
    truths = []
    sites = [(ROOT / "tests" / "fixtures" / "site", FIXTURE),
             (ROOT / "crawler" / "demo_site", DEMO)]
    for root, items in sites:
        for item in items:
            body = item["body"]
            author = item["author"]
            last = body[-1]
            if last.startswith("Текст: "):  # a signature line: the author, not body text
                author, last = last.removeprefix("Текст: "), body[-2]
            truths.append(Truth(
                page=root / item["section"] / item["slug"] / "index.html",
                url=f"https://example.org/{item['section']}/{item['slug']}/",
                title=item["title"], published=_iso(item["date"]), author=author,
                body_start=body[0][:40], body_end=last[-40:]))
    urls = json.loads((ROOT / "tests" / "fixtures" / "sources" / "urls.json").read_text())
    for slug, url in urls.items():
        title = ("Губернатор обсудил с педагогами программы по математике"
                 if slug == "volgograd-ru" else "Педагоги обсудили новые программы по математике")
        authors = {"vpravda": "Елена Кочеткова", "v1": "Анастасия Дмитриева",
                   "gorvesti": "Ольга Морозова"}
        truths.append(Truth(
            page=ROOT / "tests" / "fixtures" / "sources" / f"{slug}.html", url=url,
            title=title, published="2025-10-14", author=authors.get(slug),
            body_start=SOURCE_PARAGRAPHS[0][:40], body_end=SOURCE_PARAGRAPHS[-1][-40:],
            source=slug))
    from test_clean_golden import FROM_SITE, SITE, pages, url_of

    for expected_path in pages():
        expected = json.loads(expected_path.read_text())
        page = SITE / FROM_SITE[expected_path.stem] if expected_path.stem in FROM_SITE \
            else expected_path.with_suffix(".html")
        if any(t.page == page for t in truths):
            continue  # a fixture-site article already in the set: counted once
        if expected.get("not_article"):
            truths.append(Truth(page=page, url=url_of(expected_path), article=False))
            continue
        truths.append(Truth(page=page, url=url_of(expected_path), title=expected["title"],
                            published=expected["published"], author=expected["author"],
                            body_start=expected["body"][:40], body_end=expected["body"][-40:]))
    return truths


def page_html(truth: Truth) -> bytes:
    return truth.page.read_bytes().replace(b"__BASE__", b"https://example.org")


def run_newsmon(truth: Truth, config: Any) -> dict | None:
    source = config.sources.get(truth.source) if truth.source else None
    try:
        article = clean(page_html(truth), truth.url, source, fetched=FETCHED)
    except NotArticle:
        return None
    return {"title": article.title, "date": article.published.isoformat()
            if article.published else None, "author": article.author, "text": article.body}


def score(truth: Truth, out: dict | None) -> dict[str, bool]:
    if not truth.article:
        return {"non-article": out is None}
    if out is None:
        return dict.fromkeys(FIELDS[:-1], False)
    text = " ".join((out["text"] or "").split())
    # fairness: trafilatura's text may open with the headline; that is not a body error
    text = text.removeprefix(truth.title).strip()
    author = (out["author"] or "").strip() or None
    return {
        "title": " ".join((out["title"] or "").split()) == truth.title,
        "date (day)": bool(out["date"]) and str(out["date"])[:10] == (truth.published or "")[:10],
        "author": (author or "").lower() == (truth.author or "").lower(),
        "body start": text.startswith(" ".join(truth.body_start.split())),
        "body end": text.endswith(" ".join(truth.body_end.split())),
        "no boilerplate": not any(leak in text for leak in LEAKS),
    }
