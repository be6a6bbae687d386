"""Extraction accuracy and speed: newsmon's cleaner against trafilatura, same pages, same run.

    .venv/bin/pip install trafilatura      # a benchmark-only dependency
    .venv/bin/python benchmarks/extraction.py [--show-misses]

The golden set is every page the tests keep with a known truth: the fixture and demo
sites' articles (truth: the article data they are rendered from, tests/fixtures/
articles.py), one page per bundled source (truth: the text and dates they are written
with, tests/fixtures/sources/make_pages.py), and the saved pages of tests/fixtures/pages
(truth: their reviewed JSON).  Fields: title (exact), date (the day; newsmon also to the
minute with its offset), author, body start and end (first and last 40 characters of the
true text), boilerplate leaks (navigation, share bars, «Читайте также», comments, ads,
captions in the body), and non-articles recognized.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "sources"))

from articles import DEMO, FIXTURE  # noqa: E402
from make_pages import P as SOURCE_PARAGRAPHS  # noqa: E402

from crawler.clean import NotArticle, clean  # noqa: E402
from crawler.config import bundled_sources_path, load_config  # noqa: E402
from crawler.dates import zone  # noqa: E402

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
    sys.path.insert(0, str(ROOT / "tests"))
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


def _html(truth: Truth) -> bytes:
    return truth.page.read_bytes().replace(b"__BASE__", b"https://example.org")


def run_newsmon(truth: Truth, config) -> dict | None:
    source = config.sources.get(truth.source) if truth.source else None
    try:
        article = clean(_html(truth), truth.url, source, fetched=FETCHED)
    except NotArticle:
        return None
    return {"title": article.title, "date": article.published.isoformat()
            if article.published else None, "author": article.author, "text": article.body}


def run_trafilatura(truth: Truth) -> dict | None:
    import trafilatura

    doc = trafilatura.bare_extraction(_html(truth), url=truth.url, with_metadata=True,
                                      include_comments=False,
                                      date_extraction_params={"extensive_search": True})
    if doc is None:
        return None
    data = doc if isinstance(doc, dict) else doc.as_dict()
    if not (data.get("text") or "").strip():
        return None
    return {"title": data.get("title"), "date": data.get("date"),
            "author": data.get("author"), "text": data.get("text") or ""}


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = load_config(bundled_sources_path())
    truths = golden_set()
    engines = {"newsmon": lambda t: run_newsmon(t, config), "trafilatura": run_trafilatura}
    results: dict[str, dict[str, list[bool]]] = {}
    speed: dict[str, float] = {}
    minute_hits = []
    for name, engine in engines.items():
        engine(truths[0])  # warm up: imports, dictionaries
        fields: dict[str, list[bool]] = {f: [] for f in FIELDS}
        started = time.perf_counter()
        for _ in range(args.repeat):
            outputs = [engine(t) for t in truths]
        speed[name] = (time.perf_counter() - started) / (args.repeat * len(truths)) * 1000
        for truth, out in zip(truths, outputs, strict=True):
            for field, ok in score(truth, out).items():
                fields[field].append(ok)
                if not ok and args.show_misses:
                    got = None if out is None else {k: (v or "")[:70] for k, v in out.items()}
                    print(f"  {name} missed {field}: {truth.page.relative_to(ROOT)} -> {got}")
            if name == "newsmon" and truth.article and out and truth.published and \
                    len(truth.published) > 10:
                minute_hits.append(out["date"] == truth.published)
        results[name] = fields
    articles = sum(t.article for t in truths)
    print(f"{len(truths)} distinct pages ({articles} articles, "
          f"{len(truths) - articles} non-articles)\n")
    print(f"{'field':<16}{'newsmon':>10}{'trafilatura':>13}{'ratio':>8}")
    for field in FIELDS:
        ours = statistics.mean(results["newsmon"][field]) * 100
        theirs = statistics.mean(results["trafilatura"][field]) * 100
        print(f"{field:<16}{ours:>9.1f}%{theirs:>12.1f}%{ours / max(theirs, 0.1):>8.2f}")
    print(f"{'date+time+zone':<16}{statistics.mean(minute_hits) * 100:>9.1f}%{'—':>13}")
    print(f"{'ms per page':<16}{speed['newsmon']:>10.1f}{speed['trafilatura']:>13.1f}"
          f"{speed['newsmon'] / speed['trafilatura']:>8.2f}")


if __name__ == "__main__":
    main()
