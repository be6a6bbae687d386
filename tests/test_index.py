"""The index layers under Whoosh: the vectorized evaluator (indexer/whoosh_index/evaluate.py) must
answer exactly as Whoosh's own searcher does (same articles, same BM25F scores, same
order) on an index with several segments, deleted (replaced) articles and posting lists
longer than one block; bulk loads in worker processes (indexer/whoosh_index/bulk.py) must build the
same index as one process and lose nothing when a worker fails; the readings file
(indexer/readings.py) must cover every word the index holds."""

from __future__ import annotations

import os
import random
import re
import sqlite3
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import Schema
from whoosh.formats import Positions

from indexer.analysis import lemmas, russian_analyzer, word_forms
from indexer.article import Article, article_id
from indexer.backend import IndexMissing
from indexer.readings import Readings
from indexer.store import DataDir
from indexer.whoosh_index import WhooshIndex as Index
from indexer.whoosh_index import bulk, private
from indexer.whoosh_index.evaluate import Evaluator
from indexer.whoosh_index.index import make_schema
from search.query import build

ZONE = ZoneInfo("Europe/Volgograd")
WORDS = ("школа школы школе школу учитель учителя учителей колледж колледжа колледжи "  # noqa: SIM905
         "студент студенты студентов экзамен экзамена выпускник выпускники район района "
         "области министр образования новый новая программа программы ремонт здания "
         "детский сад садика родители дети детей год году город города").split()


def article(n: int, rng: random.Random, version: int = 0) -> Article:
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 80)))
    url = f"https://eval.example/news/{n}/"
    return Article(
        id=article_id(url), url=url, source=("vpravda", "v1", "volgadmin")[n % 3],
        title=" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))) + f" {version}",
        lead="Новая программа для школ" if n % 5 == 0 else None, body=body,
        published=None if n % 17 == 0 else
        datetime(2024, 1, 1, 9, tzinfo=ZONE) + timedelta(hours=7 * n),
        author=("Иван Петров", "Мария Волгина", None)[n % 3],
        tags=("образование", "ЕГЭ") if n % 4 == 0 else ("город",),
    )


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    rng = random.Random(7)
    idx = Index(tmp_path_factory.mktemp("evaluate") / "index")
    idx.add(article(n, rng) for n in range(400))           # segment 1
    idx.add(article(n, rng) for n in range(400, 700))      # segment 2 (or merged)
    idx.add(article(n, rng, 1) for n in range(0, 700, 9))  # replacements: deleted docs
    return idx


QUERIES = [
    "школа", "учителя колледж", "школа OR колледж", "школа NOT колледж", "учитель -ремонт -сад",
    '"детский сад"', '"новая программа образования"', "школ*", "title:экзамен",
    "(школа OR сад) дети",
    'author:"Мария Волгина"', "tag:егэ", "source:v1", "source:v1 выпускники", "-школа",
    "школа~", "колледжи НЕ студенты", "выпускник ИЛИ министр",
]


@pytest.mark.parametrize("text", QUERIES)
def test_same_answers_as_whoosh(index, text):
    _agrees_with_whoosh(index.path, text)


def _agrees_with_whoosh(path: Path, text: str) -> None:
    ix = whoosh_index.open_dir(str(path))
    query = build(text, ix.schema)
    with ix.searcher() as searcher:
        expected = searcher.search(query, limit=None)
        found = Evaluator(searcher).matches(query)
        theirs = [(docnum, score) for score, docnum in expected.top_n]
        assert sorted(found.ids.tolist()) == sorted(d for d, _ in theirs)
        assert len(found) > 0 or text == '"новая программа образования"'
        mine = dict(zip(found.ids.tolist(), found.scores.tolist(), strict=True))
        if "NOT" not in str(query):
            # Whoosh adds a constant for each excluded word; without exclusions, equal scores
            for docnum, score in theirs:
                assert mine[docnum] == pytest.approx(score, rel=1e-9)
        ranked = sorted(mine, key=lambda d: (-mine[d], d))
        assert ranked == sorted(mine, key=lambda d: (-dict(theirs)[d], d))


def test_the_phrase_needs_the_words_in_order_and_adjacent(tmp_path):
    idx = Index(tmp_path / "index")
    texts = ["детский сад открыли", "сад детский закрыли", "детский новый сад", "в детском саду"]
    idx.add(Article(id=str(i), url=f"https://p.example/{i}", title=f"Новость {i}", body=t)
            for i, t in enumerate(texts))
    page = idx.search(build('"детский сад"', make_schema()))
    assert sorted(h.id for h in page.hits) == ["0", "3"]
    # «открыли» is in one article only: its posting is kept in the term index, not a block
    assert [h.id for h in idx.search(build('"сад открыли"', make_schema())).hits] == ["0"]
    assert idx.search(build('"открыли сад"', make_schema())).total == 0


def test_filters_sorting_and_paging(index):
    schema = make_schema()
    everything = index.search(build("школа OR колледж OR учитель", schema), limit=10_000)
    some = index.search(build("школа OR колледж OR учитель", schema), sources=["v1"],
                        day_from=datetime(2024, 2, 1).date(), day_to=datetime(2024, 3, 31).date(),
                        limit=10_000)
    assert 0 < some.total < everything.total
    assert all(h.source == "v1" and "2024-02-01" <= h.published[:10] <= "2024-03-31"
               for h in some.hits)
    by_date = index.search(build("школа OR колледж OR учитель", schema), sort="date",
                           limit=10_000)
    dated = [h.published for h in by_date.hits if h.published]
    assert dated == sorted(dated, reverse=True)
    assert by_date.hits[-1].published is None  # undated articles come last
    pages = [index.search(build("школа", schema), limit=7, offset=o) for o in (0, 7)]
    assert pages[0].total == pages[1].total
    assert not {h.id for h in pages[0].hits} & {h.id for h in pages[1].hits}


@pytest.mark.parametrize(("text", "sort"), [("школа OR колледж", "relevance"),
                                          ("школ*", "relevance"),  # one score for all
                                          ("школа", "date")])
def test_pages_are_slices_of_one_order(index, text, sort):
    """Only the top of the matches is sorted for a page; ties (equal scores, equal or
    missing dates) must still fall the same way on every page."""
    query = build(text, make_schema())
    whole = [h.id for h in index.search(query, sort=sort, limit=10_000).hits]
    paged = [h.id for offset in range(0, len(whole), 13)
             for h in index.search(query, sort=sort, limit=13, offset=offset).hits]
    assert len(whole) > 100 and paged == whole


def test_a_kept_searcher_sees_new_commits_and_a_rebuild(tmp_path):
    idx = Index(tmp_path / "index")
    one = Article(id="1", url="https://r.example/1", title="Школа", body="Ремонт школы")
    two = Article(id="2", url="https://r.example/2", title="Школа", body="Новая школа")
    query = build("школа", make_schema())
    idx.add([one])
    assert idx.search(query).total == 1
    idx.add([two])
    assert idx.search(query).total == 2
    idx.rebuild([two])
    assert [h.id for h in idx.search(query).hits] == ["2"]
    idx.close()


def test_an_index_from_an_older_newsmon_asks_for_reindex(tmp_path: Path):
    old = make_schema()
    fields = {name: old[name] for name in old.names()}
    fields["body"].format = Positions()
    whoosh_index.create_in(str(tmp_path), Schema(**fields))
    with pytest.raises(IndexMissing, match="older newsmon; run `newsmon reindex`"):
        Index(tmp_path).search(build("школа", make_schema()))


def test_the_indexing_fast_path_reads_text_as_the_analyzer_does():
    text = ("В Волгограде открыли 12 новых школ; Волго-Донской колледж — ЁЛКА и ёлка. "
            "Школы, школы! Донская гимназия № 5 и IT-класс")
    analyzer = russian_analyzer()
    tokens = defaultdict(list)
    for token in analyzer(text, positions=True):
        tokens[token.text].append(token.pos)
    assert analyzer.positions(text) == dict(tokens)
    assert {"школа", "елка", "волго", "донской", "12", "it"} <= set(tokens)


def _contents(path: Path) -> tuple[dict, dict]:
    """Every posting (doc, weight, value) of every word, and every field length."""
    ix = whoosh_index.open_dir(str(path))
    with ix.reader() as reader:
        postings = {}
        for field, word in reader.all_terms():
            m, found = reader.postings(field, word), []
            while m.is_active():
                found.append((m.id(), m.weight(), m.value()))
                m.next()
            postings[field, word] = found
        lengths = {(doc, field): reader.doc_field_length(doc, field)
                   for doc in range(reader.doc_count_all()) for field in ("title", "body")}
    return postings, lengths


def test_the_writers_shortcut_indexes_as_whoosh_does(tmp_path, monkeypatch):
    """ArrayWriter puts a document's words in the pool a field at a time; Whoosh's own
    add_document, a posting at a time, must give the same postings and lengths."""
    from whoosh.writing import SegmentWriter

    rng = random.Random(8)
    batch = [article(n, rng) for n in range(120)]
    Index(tmp_path / "ours").add(batch)
    monkeypatch.setattr(bulk.ArrayWriter, "add_document", SegmentWriter.add_document)
    Index(tmp_path / "whoosh").add(batch)
    ours, theirs = _contents(tmp_path / "ours"), _contents(tmp_path / "whoosh")
    assert len(ours[0]) > 100 and ours == theirs


def _answers(data_dir: DataDir) -> dict[str, list[tuple[str, float | None]]]:
    schema = make_schema()  # equal scores rank by position in the index, which differs
    return {text: sorted((h.id, h.score) for h in data_dir.index.search(build(text, schema),
                                                                         limit=1000).hits)
            for text in QUERIES}


def test_bulk_and_single_process_indexes_answer_alike(tmp_path):
    rng = random.Random(3)
    first = [(article(n, rng), None, []) for n in range(300)]
    again = [(article(n, rng, 1), None, []) for n in range(0, 300, 7)]  # replacements
    answers = []
    for bulk_load in (True, False):
        data_dir = DataDir(tmp_path / str(bulk_load))
        with data_dir.open_archive(create=True) as archive:
            assert data_dir.store(archive, first, bulk=bulk_load) == ["new"] * 300
            assert set(data_dir.store(archive, again, bulk=bulk_load)) == {"updated"}
            assert not archive.unindexed()
        answers.append(_answers(data_dir))
    assert answers[0] == answers[1]
    assert all(answers[0][text] for text in ("школа", "учителя колледж", '"детский сад"'))


def test_a_failed_worker_leaves_the_articles_archived_for_catch_up(tmp_path, monkeypatch):
    rng = random.Random(4)
    # more than a pipe holds (64 KB), so the parent's queue cannot flush to the dead workers
    batch = [(article(n, rng), None, []) for n in range(1000)]
    data_dir = DataDir(tmp_path)
    monkeypatch.setattr(bulk, "_work", lambda *args: os._exit(3))
    with data_dir.open_archive(create=True) as archive:
        assert data_dir.store(archive, batch, bulk=True) == ["new"] * 1000
        assert len(archive.unindexed(limit=2000)) == 1000
        monkeypatch.undo()
        assert data_dir.catch_up(archive) == 1000
    found = data_dir.index.search(build("школа OR колледж", make_schema()))
    assert found.total > 0


def test_compacting_keeps_every_answer(index, tmp_path):
    import shutil

    copy = Index(tmp_path / "index")
    shutil.copytree(index.path, copy.path)
    before = {text: [(h.id, h.score) for h in copy.search(build(text, make_schema()),
                                                          limit=1000).hits]
              for text in QUERIES}
    assert copy.compact() == 3
    with whoosh_index.open_dir(str(copy.path)).searcher() as searcher:
        assert len(searcher.leaf_searchers()) == 1 and searcher.doc_count() == 700
    after = {text: [(h.id, h.score) for h in copy.search(build(text, make_schema()),
                                                         limit=1000).hits]
             for text in QUERIES}
    # the same articles; scores move a little, as the replaced versions no longer count in
    # the statistics, so they are checked against Whoosh on the compacted index
    assert {t: {i for i, _ in a} for t, a in after.items()} == \
        {t: {i for i, _ in b} for t, b in before.items()}
    for text in QUERIES:
        _agrees_with_whoosh(copy.path, text)
    assert copy.compact() == 0


def _indexed_words(articles: list[Article]) -> set[str]:
    from indexer.analysis import STOP_WORDS

    text = " ".join(f"{a.title} {a.lead or ''} {a.body} {a.author or ''}" for a in articles)
    return {w.lower() for w in re.findall(r"\w+", text)} - STOP_WORDS


def test_the_readings_file_covers_every_indexed_word(tmp_path):
    """A cold search reads its words from readings.sqlite instead of the dictionary, and
    marks in snippets the words the file lists: it must hold every word the index does,
    however the articles arrived (bulk workers, a crawl's commit, a rebuild)."""
    rng = random.Random(5)
    bulk_batch = [article(n, rng) for n in range(300)]
    crawled = [Article(id=f"c{n}", url=f"https://c.example/{n}", title="Синхрофазотроны",
                       body=f"Ёлочные игрушки для лицеистов {n}") for n in range(3)]
    data_dir = DataDir(tmp_path)
    with data_dir.open_archive(create=True) as archive:
        data_dir.store(archive, [(a, None, []) for a in bulk_batch], bulk=True)
        data_dir.store(archive, [(a, None, []) for a in crawled])
        words = _indexed_words(bulk_batch + crawled)

        def check() -> None:
            found = Readings(data_dir.index.path)
            try:
                assert found.complete
                assert found.lemmas(words) == {w: lemmas(w) for w in words}
                # ё folded; words this process read for other indexes may come along
                assert {"елочный", "елочные"} <= found.forms(["елочный"]) <= word_forms("елочный")
                assert {"лицеист", "лицеистов"} <= found.forms(["лицеист"])
            finally:
                found.close()

        check()
        data_dir.index.rebuild(archive.iter_articles())
        check()


def test_an_index_without_readings_is_searched_with_the_dictionary(crawled, tmp_path):
    import shutil

    from search.engine import Searcher

    data_dir = DataDir(tmp_path / "data")
    shutil.copytree(crawled.data_dir, data_dir.root)
    searcher = Searcher(data_dir)
    with_file = searcher.search("колледжи ИЛИ студентов")
    (data_dir.index.path / "readings.sqlite").unlink()  # as an index of an older newsmon
    assert searcher.search("колледжи ИЛИ студентов") == with_file
    assert "\x02" in with_file.hits[0].snippet
    searcher.close()


def test_a_readings_file_that_cannot_be_written_fails_the_commit_not_the_archive(
        tmp_path, monkeypatch):
    from indexer import readings

    def broken(folder):
        raise sqlite3.OperationalError("disk I/O error")

    rng = random.Random(6)
    data_dir = DataDir(tmp_path)
    with data_dir.open_archive(create=True) as archive:
        data_dir.store(archive, [(article(n, rng), None, []) for n in range(20)])
        before = data_dir.index.search(build("школа OR колледж", make_schema())).total
        monkeypatch.setattr(readings, "_connect", broken)
        for bulk_load in (False, True):
            batch = [(Article(id=f"x{bulk_load}", url=f"https://x.example/{bulk_load}",
                              title="Синхрофазотрон", body="Школа"), None, [])]
            assert data_dir.store(archive, batch, bulk=bulk_load) == ["new"]
        assert len(archive.unindexed()) == 2
        assert data_dir.index.search(build("школа OR колледж", make_schema())).total == before
        monkeypatch.undo()
        assert data_dir.catch_up(archive) == 2
    assert data_dir.index.search(build("синхрофазотрон", make_schema())).total == 2


def test_every_private_whoosh_name_listed_is_there():
    """indexer/whoosh_index/private.py lists the private Whoosh names the backend uses;
    a Whoosh release without one of them fails here, before anything else does."""
    assert private.missing() == []


def test_the_whoosh_index_is_an_index_backend(tmp_path):
    from indexer.backend import IndexBackend

    index = DataDir(tmp_path).index
    assert isinstance(index, IndexBackend)
    assert index.count() == 0  # no index yet
    index.add([Article(id="a1", url="https://x.example/1", title="Школа", body="Школа.")])
    index.update([Article(id="a1", url="https://x.example/1", title="Колледж",
                          body="Колледж.")])
    index.commit()
    assert index.count() == 1 and index.ids() == {"a1"}
    assert index.search(build("колледж", index.query_schema())).total == 1
    index.close()
