"""Reprints grouped into stories, as a user meets them: search, counts, show, export,
stats, digests; an import order with reposts first; re-clustering; an old archive."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from conftest import newsmon_here
from datasketch import MinHash

from indexer import stories

SENTENCES = [
    "Комитет образования Волгоградской области подвел итоги приемной кампании в колледжах",
    "В этом году на бюджетные места зачислены 14 тысяч выпускников девятых классов",
    "Самыми востребованными стали специальности сварщика, электромонтера и медицинской сестры",
    "По словам председателя комитета Натальи Коваленко, конкурс вырос почти вдвое",
    "Новые мастерские открыты в Камышинском политехническом колледже и в Волжском",
    "Оборудование закуплено в рамках федерального проекта «Профессионалитет»",
    "Занятия в обновленных лабораториях начнутся с первого сентября",
    "Работодатели региона заключили с колледжами более 300 договоров о целевом обучении",
]
OTHER = [
    "В Урюпинске завершили ремонт спортивного зала школы номер 2 на улице Ленина",
    "Подрядчик заменил полы, окна и систему вентиляции за 12 миллионов рублей",
    "Глава района Сергей Дьяков осмотрел зал вместе с учениками и родителями",
    "Следующим летом отремонтируют еще две школы в селах Дубовского района",
]


def record(url: str, source: str, published: str, paragraphs: list[str],
           title: str = "Итоги приемной кампании") -> dict:
    return {"url": url, "source": source, "title": title, "published": published,
            "body": "\n\n".join(paragraphs), "tags": []}


def original() -> list[str]:
    return [". ".join(SENTENCES[i:i + 2]) + "." for i in range(0, 8, 2)]


def family() -> list[dict]:
    """An original press item (obraz) and three reposts, the first of them listed first."""
    text = original()
    repost_cut = ["Как сообщили в пресс-службе комитета, " + text[0][0].lower() + text[0][1:],
                  *text[1:3]]
    repost_promo = [*text, "Подписывайтесь на наш канал в Telegram."]
    repost_edited = [p.replace("почти вдвое", "в полтора раза") for p in text if p != text[2]]
    return [
        record("https://v1.example/news/1/", "v1", "2025-07-02T09:00:00+03:00", repost_cut,
               "Колледжи приняли 14 тысяч студентов"),
        record("https://obraz.example/news/1/", "obraz", "2025-07-01T12:00:00+03:00", text),
        record("https://v102.example/news/1/", "v102", "2025-07-01T15:30:00+03:00",
               repost_promo, "Приемная кампания: конкурс вырос"),
        record("https://vpravda.example/news/1/", "vpravda", "2025-07-03T10:00:00+03:00",
               repost_edited),
    ]


def negatives() -> list[dict]:
    """A follow-up quoting one paragraph, and a same-topic story of the same day."""
    quoted = original()[2]
    follow = [". ".join(OTHER[:2]) + ".", "Напомним, " + quoted[0].lower() + quoted[1:],
              ". ".join(OTHER[2:]) + "."]
    topic = ["Комитет образования Волгоградской области подвел итоги олимпиады школьников "
             "по химии и биологии.", "Победителями стали 40 учеников из Волжского и Камышина.",
             "По словам председателя комитета, олимпиада прошла без нарушений."]
    return [record("https://v1.example/news/2/", "v1", "2025-07-05T10:00:00+03:00", follow,
                   "В Урюпинске отремонтировали спортзал"),
            record("https://riac34.example/news/9/", "riac34", "2025-07-01T13:00:00+03:00",
                   topic, "Итоги олимпиады")]


@pytest.fixture(scope="module")
def archive(tmp_path_factory, request):
    """One import: the family (a repost listed before its original) and the negatives."""
    tmp = tmp_path_factory.mktemp("stories")
    path = tmp / "articles.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False)
                              for r in [*family(), *negatives()]), encoding="utf-8")
    data_dir = tmp / "data"
    done = newsmon_here("import", str(path), data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    return data_dir


def newsmon(data_dir: Path, *args: str) -> tuple[int, str, str]:
    done = newsmon_here(*args, data_dir=data_dir)
    return done.returncode, done.stdout, done.stderr


def test_search_shows_one_hit_per_story_with_its_reprints(archive):
    code, out, _ = newsmon(archive, "search", "колледж", "--format", "json", "--limit", "50")
    hits = json.loads(out)
    assert code == 0
    sizes = sorted((h["story_size"], h["source"]) for h in hits)
    assert [s for s, _ in sizes] == [1, 4]  # the follow-up apart, the family as one hit
    code, out, _ = newsmon(archive, "search", "колледж")
    assert code == 0 and "+3 перепечатки: obraz, v102, vpravda" in out  # first publisher first
    assert "of 2 stories (5 articles)" in out


def test_all_lists_every_article_and_counts_follow(archive):
    code, out, _ = newsmon(archive, "search", "колледж", "--all", "--format", "json",
                           "--limit", "50")
    assert code == 0 and len(json.loads(out)) == 5
    assert {h["story_size"] for h in json.loads(out)} == {1, 4}
    assert newsmon(archive, "search", "колледж", "--count")[1].strip() == "2"
    assert newsmon(archive, "search", "колледж", "--count", "--all")[1].strip() == "5"


def test_batch_queries_group_the_same_way(archive, tmp_path):
    queries = tmp_path / "q.txt"
    queries.write_text("колледж\nколледж NOT Урюпинск\n", encoding="utf-8")
    lines = [json.loads(line) for line in newsmon(archive, "search", "--queries",
                                                  str(queries))[1].splitlines()]
    assert [(r["total"], r["articles"]) for r in lines] == [(2, 5), (1, 4)]


def test_a_repost_imported_before_its_original_names_the_original_first(archive):
    code, out, _ = newsmon(archive, "show", "https://v1.example/news/1/")
    assert code == 0
    assert "4 articles; first published by obraz, 2025-07-01T12:00:00+03:00" in out
    for url in ("https://obraz.example/news/1/", "https://v102.example/news/1/",
                "https://vpravda.example/news/1/"):
        assert url in out
    shown = json.loads(newsmon(archive, "show", "https://v1.example/news/1/", "--format",
                               "json")[1])
    original = json.loads(newsmon(archive, "show", "https://obraz.example/news/1/",
                                  "--format", "json")[1])
    assert shown["story"] == original["story"]
    alone = json.loads(newsmon(archive, "show", "https://v1.example/news/2/", "--format",
                               "json")[1])
    assert alone["story"] != shown["story"]
    assert "first published" not in newsmon(archive, "show", "https://v1.example/news/2/")[1]


def test_export_carries_the_story_and_imports_back(archive, tmp_path):
    code, out, _ = newsmon(archive, "export")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len({r["story"] for r in records}) == 3
    (tmp_path / "e.jsonl").write_text(out, encoding="utf-8")
    again = tmp_path / "again"
    assert newsmon(again, "import", str(tmp_path / "e.jsonl"))[0] == 0
    assert newsmon(again, "search", "колледж", "--count")[1].strip() == "2"


def test_stats_tell_originators_from_reposters(archive):
    stats = json.loads(newsmon(archive, "stats", "--format", "json")[1])
    assert (stats["articles"], stats["stories"]) == (6, 3)
    by_source = stats["by_source_stories"]
    assert by_source["obraz"] == {"first": 1, "reprints": 0}
    assert by_source["v1"] == {"first": 1, "reprints": 1}
    assert by_source["v102"] == {"first": 0, "reprints": 1}
    assert "6 articles in 3 stories" in newsmon(archive, "stats")[1]


def test_rebuild_is_deterministic_and_names_stories_after_first_publishers(archive, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(archive, copy)
    code, out, _ = newsmon(copy, "stories", "--rebuild")
    assert code == 0 and "6 articles in 3 stories" in out
    first = newsmon(copy, "export")[1]
    assert newsmon(copy, "stories", "--rebuild")[1].startswith("re-clustered 6 articles: 0 ")
    assert newsmon(copy, "export")[1] == first
    obraz = json.loads(newsmon(copy, "show", "https://obraz.example/news/1/", "--format",
                               "json")[1])
    assert obraz["story"] == obraz["id"]  # named after its first publisher now
    hits = json.loads(newsmon(copy, "search", "колледж", "--format", "json")[1])
    assert obraz["story"] in {h["story"] for h in hits}  # the index has the new ids


def test_digest_shows_a_story_once_with_its_sources(tmp_path):
    data_dir = tmp_path / "d"
    first, *rest = sorted(family(), key=lambda r: r["published"])
    (tmp_path / "one.jsonl").write_text(json.dumps(first, ensure_ascii=False), "utf-8")
    assert newsmon(data_dir, "import", str(tmp_path / "one.jsonl"))[0] == 0
    assert newsmon(data_dir, "watch", "add", "spo", "колледж")[0] == 0
    from indexer.store import DataDir
    from search.app import App

    def record_hits(data_dir, run_id, ids):
        with App(data_dir) as app:
            return app.record_hits(run_id, ids)

    ids = [json.loads(line)["id"] for line in newsmon(data_dir, "export")[1].splitlines()]
    assert record_hits(DataDir(data_dir), "run1", ids) == 1
    (tmp_path / "rest.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rest), "utf-8")
    assert newsmon(data_dir, "import", str(tmp_path / "rest.jsonl"))[0] == 0
    ids = [json.loads(line)["id"] for line in newsmon(data_dir, "export")[1].splitlines()]
    assert record_hits(DataDir(data_dir), "run2", ids) == 0  # reprints of a story shown
    code, out, _ = newsmon(data_dir, "digest", "--since", "2000-01-01", "--format", "json")
    hits = json.loads(out)[0]["hits"]
    assert code == 0 and len(hits) == 1
    assert hits[0]["source"] == "obraz" and hits[0]["story_size"] == 4
    assert sorted(hits[0]["reprinted_by"]) == ["v1", "v102", "vpravda"]
    text = newsmon(data_dir, "digest", "--since", "2000-01-01")[1]
    assert "obraz (also v102, v1, vpravda)" in text


def test_an_archive_made_before_stories_is_upgraded(tmp_path):
    data_dir = tmp_path / "old"
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in family()), "utf-8")
    assert newsmon(data_dir, "import", str(path))[0] == 0
    db = sqlite3.connect(data_dir / "archive.sqlite")  # back to what today's main leaves
    db.executescript("DROP TABLE story_bands; DROP TABLE story_members;")
    db.close()
    code, out, _ = newsmon(data_dir, "stories")
    assert code == 0 and "4 articles have no story yet: run `newsmon reindex`" in out
    code, out, _ = newsmon(data_dir, "reindex")
    assert code == 0 and "grouped 4 articles into stories" in out
    assert newsmon(data_dir, "search", "колледж", "--count")[1].strip() == "1"
    assert "first published by obraz" in newsmon(data_dir, "show",
                                                 "https://v1.example/news/1/")[1]


def test_signature_is_datasketchs_minhash():
    text = stories.prepare("\n\n".join(original()))
    reference = MinHash(num_perm=stories.NUM_PERM, seed=stories.SEED, hashfunc=int,
                        scheme="affine32")
    reference.update_batch(text.shingles.tolist())
    assert np.array_equal(reference.hashvalues, stories.signature(text))


def test_template_notices_about_different_events_stay_apart():
    notice = ("Комитет образования информирует о проведении родительского собрания {d} в "
              "{t}. Мероприятие пройдет по адресу: {p}, улица {s}, дом {h}. Ответственный — "
              "{n}, телефон для справок 8 (8442) {ph}. Регистрация участников начинается за "
              "30 минут до начала. При себе необходимо иметь документ, удостоверяющий "
              "личность. Информация размещена на официальном сайте в разделе «Объявления».")
    a = notice.format(d="3 февраля", t="10:30", p="Камышин", s="Ленина", h=5,
                      n="Ирина Орлова", ph="26-57-47")
    b = notice.format(d="19 марта", t="14:00", p="Урюпинск", s="Мира", h=78,
                      n="Павел Жуков", ph="93-58-16")
    reposted = "Как сообщили в пресс-службе комитета, " + a[0].lower() + a[1:]
    assert not stories.reprints(stories.prepare(a), stories.prepare(b))
    assert stories.reprints(stories.prepare(a), stories.prepare(reposted))


def test_stories_signed_in_worker_processes_are_the_same(tmp_path):
    """`newsmon import` shingles and MinHashes in a Signer's workers; the stories it then
    assigns are those of signing in the importing process."""
    from indexer.archive import Archive
    from indexer.article import Article

    batch = [Article.from_json(r) for r in family() + negatives()]
    found = []
    for procs in (None, 2):
        with stories.Signer(procs or 1) as signer, \
                Archive(tmp_path / f"{procs}.sqlite") as archive, archive.transaction():
            for article in batch:
                archive.save(article)
            signed = signer.submit(batch).get() if procs else None
            found.append(stories.Stories(archive.db).assign(batch, signed))
            if signed:
                for article, (shingles, keys) in zip(batch, signed, strict=True):
                    text = stories.prepare(stories.text_of(article.lead, article.body))
                    assert np.array_equal(shingles, text.shingles)
                    assert np.array_equal(keys, stories.band_keys(text))
    assert found[0] == found[1] and len(set(found[0].values())) == 3
