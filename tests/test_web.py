"""The web page (search/web/), through Starlette's in-process client: every route and
parameter, hostile text reaching the page as text, exports, watches, security."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import sys
from datetime import datetime
from pathlib import Path

import pytest
from conftest import TESTS, newsmon_here

sys.path.insert(0, str(TESTS / "faults"))
from synthetic import records, write_jsonl

pytest.importorskip("starlette")
from starlette.testclient import TestClient

from crawler.config import load_config
from indexer.store import DataDir
from search import exports, output
from search.app import App
from search.web.app import close_app, create_app, ru_date

HOSTILE_TITLE = "<script>alert('t')</script> Колледж <img src=x onerror=alert(1)>"
HOSTILE_BODY = ("Студенты колледжа <script>alert('b')</script> и <img src=x onerror=alert(2)> "
                "учатся.")
PER = 5  # hits a page, so the fixture needs several pages
REPRINT_BODY = ("Колледж открыл новую мастерскую Волгоробот для студентов первого курса "
                "в Волжском, сообщили в пресс-службе областного комитета образования. " * 6)


def write_sources(path: Path) -> Path:
    path.write_text('[sources.synthetic]\nname = "Синтетические вести"\n'
                    'home = "https://synthetic.example/"\n'
                    'feeds = ["https://synthetic.example/rss.xml"]\n'
                    '[sources.other]\nname = "Другая газета"\n'
                    'home = "https://other.example/"\n'
                    'feeds = ["https://other.example/rss.xml"]\n', encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """45 synthetic articles: a hostile one, a formula headline, a reposted story, one
    with education terms matched; imported as a user imports."""
    root = tmp_path_factory.mktemp("web")
    items = records(45, seed=3)
    items[0].update(title=HOSTILE_TITLE, body=HOSTILE_BODY + " " + items[0]["body"],
                    matched=["колледж", "студенты"])
    items[1].update(title='=HYPERLINK("http://evil") колледж')
    items[2].update(title="Мастерская волгоробот в колледже", body=REPRINT_BODY,
                    published="2025-08-28T09:00:00+03:00")
    items[3].update(title="В колледже Волжского открыли мастерскую", body=REPRINT_BODY,
                    source="other", url="https://other.example/news/1/",
                    published="2025-08-29T12:00:00+03:00")
    data = root / "data"
    result = newsmon_here("import", str(write_jsonl(root / "in.jsonl", items)), data_dir=data)
    assert result.returncode == 0, result.stderr
    return data, write_sources(root / "sources.toml")


@pytest.fixture
def core(archive: tuple[Path, Path]):
    data, sources = archive
    with App(DataDir(data), load_config(sources)) as app:
        yield app


def web(archive: tuple[Path, Path], data: Path | None = None, **options):
    """A web app over its own App: that App's archive connection lives on the web's worker
    thread, so the test's own expectations use another (`core`)."""
    app = create_app(App(DataDir(data or archive[0]), load_config(archive[1])),
                     **{"per_page": PER, **options})
    WEBS.append(app)
    return app


WEBS: list = []


@pytest.fixture(autouse=True)
def _close_webs():
    yield
    while WEBS:
        close_app(WEBS.pop())


@pytest.fixture
def client(archive: tuple[Path, Path]) -> TestClient:
    return TestClient(web(archive))


def hit_ids(page: str) -> list[str]:
    return re.findall(r'<h2><a href="/article/([0-9a-f]+)"', page)


# --- search page --------------------------------------------------------------------------

def test_search_page_hits_total_snippets_and_hostile_text(client: TestClient, core: App) -> None:
    response = client.get("/", params={"q": "колледж"})
    assert response.status_code == 200
    page = response.text
    expected = core.search("колледж", limit=PER)
    assert f"<strong>{expected.total}</strong>" in page
    assert hit_ids(page) == [h.id for h in expected.hits]
    assert "<b>колледж" in page.lower() or "<b>колледжа" in page.lower()
    # untrusted headline and body reach the page as text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "Синтетические вести" in page  # outlet names from the sources file
    assert re.search(r"\d{1,2} (января|февраля|марта|апреля|мая|июня|июля|августа|сентября|"
                     r"октября|ноября|декабря) 2025", page)
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_empty_form_and_help(client: TestClient) -> None:
    page = client.get("/").text
    assert 'name="q"' in page and 'name="from"' in page and 'type="date"' in page
    assert "Язык запросов" in page and "Найдено" not in page


def test_chart_and_source_counts(client: TestClient, core: App) -> None:
    page = client.get("/", params={"q": "колледж"}).text
    timeline = core.timeline("колледж")
    assert page.count("<rect x=") == len(timeline.counts)
    assert {"day": "по дням", "week": "по неделям", "month": "по месяцам"}[timeline.by] in page
    for slug, count in timeline.sources:
        assert f'source={slug}' in page and f'<span class="n">{count}</span>' in page
    day = client.get("/", params={"q": "колледж", "from": "2025-08-01", "to": "2025-08-31"}).text
    assert "по дням" in day


def test_dates_absolute_and_relative(client: TestClient, core: App) -> None:
    page = client.get("/", params={"q": "колледж", "from": "2025-08", "to": "31.08.2025"}).text
    from datetime import date

    expected = core.search("колледж", day_from=date(2025, 8, 1), day_to=date(2025, 8, 31),
                           limit=PER)
    assert hit_ids(page) == [h.id for h in expected.hits] and expected.total
    recent = client.get("/", params={"q": "колледж", "from": "7d"})
    assert recent.status_code == 200 and "Ничего не найдено" in recent.text  # all are 2025
    assert client.get("/", params={"q": "колледж", "to": "вчера"}).status_code == 200
    bad = client.get("/", params={"q": "колледж", "from": "завтра-ish"})
    assert bad.status_code == 400 and "Непонятная дата" in bad.text
    backwards = client.get("/", params={"q": "колледж", "from": "2025-09", "to": "2025-08"})
    assert backwards.status_code == 400 and "позже" in backwards.text


def test_source_filter_sort_and_pages(client: TestClient, core: App) -> None:
    only = client.get("/", params={"q": "мастерская", "source": "other"}).text
    assert hit_ids(only) == [h.id for h in core.search("мастерская", sources=["other"]).hits]
    assert client.get("/", params={"q": "колледж", "source": "nope"}).status_code == 400
    by_date = client.get("/", params={"q": "колледж", "sort": "date"}).text
    assert hit_ids(by_date) == [h.id for h in core.search("колледж", sort="date", limit=PER).hits]
    assert client.get("/", params={"q": "колледж", "sort": "random"}).status_code == 400
    total = core.search("колледж").total
    assert total > PER, "the fixture must need two pages"
    second = client.get("/", params={"q": "колледж", "page": 2}).text
    assert hit_ids(second) == [h.id for h in core.search("колледж", limit=PER, offset=PER).hits]
    assert 'rel="prev"' in second and 'aria-current="page">2<' in second
    assert 'href="/?q=%D0%BA%D0%BE%D0%BB%D0%BB%D0%B5%D0%B4%D0%B6&amp;page=2"' in \
        client.get("/", params={"q": "колледж"}).text
    for bad in ("0", "x", "501"):
        assert client.get("/", params={"q": "колледж", "page": bad}).status_code == 400


def test_reprints_grouped_and_all(client: TestClient, core: App) -> None:
    page = client.get("/", params={"q": "волгоробот"}).text
    assert "+1 перепечатка" in page and "Другая газета" in page
    grouped = core.search("волгоробот")
    assert grouped.total == 1 and grouped.articles == 2
    every = client.get("/", params={"q": "волгоробот", "all": "1"}).text
    assert len(hit_ids(every)) == 2 and "2</strong>" in every


def test_bad_query_and_did_you_mean(client: TestClient, core: App) -> None:
    bad = client.get("/", params={"q": "(колледж"})
    assert bad.status_code == 400 and "Ошибка в запросе" in bad.text
    for word in ("колледш", "студенди", "мастерскя"):
        found = core.search(word)
        if found.suggestion:
            page = client.get("/", params={"q": word}).text
            said = "показаны результаты для" if found.corrected else "Возможно, вы имели в виду"
            assert said in page and found.suggestion in page
            break
    else:
        pytest.fail("no misspelling got a suggestion")


# --- article page -------------------------------------------------------------------------

def test_article_page(client: TestClient, core: App) -> None:
    hostile = next(h for h in core.search("колледж", limit=50).hits if "script" in h.title)
    page = client.get(f"/article/{hostile.id}").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;b&#39;)" in page
    assert "Темы образования" in page and '<span class="term">колледж</span>' in page
    assert f'href="{hostile.url}"' in page and "1 января 2025, 10:00" in page
    repost = core.search("волгоробот", group=False).hits
    page = client.get(f"/article/{repost[0].id}").text
    other = next(h for h in repost if h.id != repost[0].id)
    assert "Перепечатки сюжета (1)" in page and f"/article/{other.id}" in page
    assert "Первым опубликовал: Синтетические вести, 28 августа 2025" in page


def test_article_not_found_and_unknown_page(client: TestClient) -> None:
    for url in ("/article/nope", "/nowhere", "/article/"):
        response = client.get(url)
        assert response.status_code == 404 and "Не найдено" in response.text
        assert "Traceback" not in response.text


# --- exports ------------------------------------------------------------------------------

def test_csv_export_every_match(client: TestClient, core: App) -> None:
    response = client.get("/export.csv", params={"q": "колледж", "page": 3})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Дата", "Издание", "Заголовок", "URL", "Фрагмент", "Перепечатки", "ID"]
    total = core.search("колледж").total
    assert len(rows) - 1 == total > PER  # every match, not one page
    by_id = {r[6]: r for r in rows[1:]}
    formula = next(r for r in rows[1:] if "HYPERLINK" in r[2])
    assert formula[2].startswith("'=")  # neutralized
    hostile = next(r for r in rows[1:] if "script" in r[2])
    assert hostile[1] == "Синтетические вести" and hostile[0] == "01.01.2025 10:00"
    assert "<b>" not in "".join(r[4] for r in rows[1:])
    assert set(by_id) == {h.id for h in core.search("колледж", limit=100).hits}


def test_xlsx_export(client: TestClient, core: App) -> None:
    from openpyxl import load_workbook

    response = client.get("/export.xlsx", params={"q": "колледж", "sort": "date"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Дата" and len(values) - 1 == core.search("колледж").total
    assert all(isinstance(v[0], datetime) for v in values[1:])
    assert [v[0] for v in values[1:]] == sorted((v[0] for v in values[1:]), reverse=True)
    assert sheet.cell(2, 4).hyperlink.target == values[1][3]
    formula = next(v for v in values[1:] if "HYPERLINK" in v[2])
    assert formula[2].startswith("'=")
    assert sheet.cell(2, 1).is_date  # a date cell, not text


def test_exports_stream_rows_as_they_come(tmp_path: Path) -> None:
    """An export of any size is sent while the matches are still being read, never built
    whole in memory: the first CSV chunk leaves before the 201st hit is asked for."""
    from openpyxl import load_workbook

    taken = []

    def hits(n: int):
        for i in range(n):
            taken.append(i)
            yield {"id": f"v{i}", "url": f"https://example.ru/{i}", "title": f"Новость {i}",
                   "source": "s", "published": "2025-08-28T12:15:00+03:00",
                   "snippet": "<b>школа</b>", "story_size": 1}

    chunks = exports.csv_chunks(hits(450), {"s": "Вести"})
    first = next(chunks)
    assert len(taken) == 200 and first.startswith("\ufeffДата;")
    rest = list(chunks)
    assert len(rest) == 2 and len(taken) == 450
    rows = list(csv.reader(io.StringIO("".join([first, *rest])), delimiter=";"))
    assert len(rows) == 451 and rows[450][1] == "Вести"
    path = tmp_path / "big.xlsx"
    assert exports.write_xlsx(hits(450), path, {"s": "Вести"}) == 450
    sheet = load_workbook(path).active
    assert sheet.max_row == 451 and sheet.cell(451, 4).hyperlink.target.endswith("/449")
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:G451"


def test_export_needs_a_query(client: TestClient) -> None:
    assert client.get("/export.csv").status_code == 400
    assert client.get("/export.xlsx", params={"q": "("}).status_code == 400


# --- JSON API -----------------------------------------------------------------------------

def test_api_search(client: TestClient, core: App) -> None:
    answer = client.get("/api/search", params={"q": "колледж", "sort": "date",
                                               "limit": 5}).json()
    page = core.search("колледж", sort="date", limit=5)
    assert answer["query"] == "колледж" and answer["total"] == page.total
    assert answer["hits"] == [json.loads(json.dumps(output.hit_json(h))) for h in page.hits]
    assert client.get("/api/search", params={"q": "колледж", "page": 2, "limit": 5}).json()[
        "hits"][0]["id"] == core.search("колледж", limit=5, offset=5).hits[0].id
    for params in ({"q": "("}, {}, {"q": "x", "limit": "1000"}, {"q": "x", "from": "bad"}):
        response = client.get("/api/search", params=params)
        assert response.status_code == 400 and "error" in response.json()
    assert client.get("/api/nothing").json() == {"error": "Такой страницы нет."}


def test_api_answers_as_the_cli(crawled, cli) -> None:
    """The same archive through `newsmon search --format json` and /api/search."""
    code, out, err = cli("search", "школы", "--from", "2024", "--format", "json", "--limit", "7")
    assert code == 0, err
    app = create_app(App(DataDir(crawled.data_dir), load_config(crawled.sources)))
    WEBS.append(app)
    answer = TestClient(app).get(
        "/api/search", params={"q": "школы", "from": "2024", "limit": 7}).json()
    assert answer["hits"] == json.loads(out) and answer["hits"]


# --- watches and digests ------------------------------------------------------------------

def token(client: TestClient) -> str:
    page = client.get("/watches").text
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_watches_add_list_remove_with_csrf(archive, tmp_path: Path) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(archive[0], data)
    with App(DataDir(data), load_config(archive[1])) as app:
        client = TestClient(web(archive, data))
        assert "Наблюдений пока нет" in client.get("/watches").text
        form = {"name": "<b>колледжи</b>", "query": "колледж", "source": "synthetic"}
        refused = client.post("/watches/add", data=form)
        assert refused.status_code == 403 and "Форма устарела" in refused.text
        assert client.post("/watches/add", data={**form, "csrf": "x" * 30}).status_code == 403
        csrf = token(client)
        foreign = client.post("/watches/add", data={**form, "csrf": csrf},
                              headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403
        done = client.post("/watches/add", data={**form, "csrf": csrf}, follow_redirects=False)
        assert done.status_code == 303
        page = client.get(done.headers["location"]).text
        assert "сохранено" in page and "&lt;b&gt;колледжи&lt;/b&gt;" in page
        assert [w["name"] for w in app.watches()] == ["<b>колледжи</b>"]
        bad = client.post("/watches/add", data={"name": "x", "query": "(", "csrf": csrf})
        assert bad.status_code == 400 and 'value="("' in bad.text
        unknown = client.post("/watches/add", data={"name": "x", "query": "a", "source": "zz",
                                                    "csrf": csrf})
        assert unknown.status_code == 400
        assert client.get("/watches/add").status_code == 405
        gone = client.post("/watches/remove", data={"name": "<b>колледжи</b>", "csrf": csrf})
        assert gone.status_code == 200 and "удалено" in gone.text and not app.watches()
        assert client.post("/watches/remove", data={"name": "none", "csrf": csrf}
                           ).status_code == 404


def test_read_only_refuses_changes(archive) -> None:
    client = TestClient(web(archive, read_only=True))
    page = client.get("/watches").text
    assert "только для чтения" in page and "/watches/add" not in page
    client.cookies.set("newsmon_csrf", "a" * 30)
    refused = client.post("/watches/add", data={"name": "a", "query": "б", "csrf": "a" * 30})
    assert refused.status_code == 403 and "--read-only" in refused.text


def test_digest_page(archive, tmp_path: Path) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(archive[0], data)
    with App(DataDir(data), load_config(archive[1])) as app:
        app.add_watch("роботы", "волгоробот")
        ids = [h.id for h in app.search("волгоробот", group=False).hits]
        assert app.record_hits("run-1", ids) == 1
    if True:
        client = TestClient(web(archive, data))
        page = client.get("/digest", params={"since": "2000-01-01"}).text
        assert "Дайджест с 1 января 2000" in page and "роботы" in page
        assert "(также Другая газета)" in page or "(также Синтетические вести)" in page
        assert "<b>волгоробот</b>" in page.lower()
        assert client.get("/digest").status_code == 200
        assert client.get("/digest", params={"since": "когда-то"}).status_code == 400


# --- security -----------------------------------------------------------------------------

def test_crash_page_reveals_nothing(archive, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("/secret/path/archive.sqlite exploded")

    core = App(DataDir(archive[0]), load_config(archive[1]))
    monkeypatch.setattr(core, "search_page", boom)
    WEBS.append(create_app(core))
    client = TestClient(WEBS[-1], raise_server_exceptions=False)
    response = client.get("/", params={"q": "колледж"})
    assert response.status_code == 500 and "Внутренняя ошибка" in response.text
    assert "/secret" not in response.text and "Traceback" not in response.text
    log = (core.data_dir.logs / "errors.log").read_text(encoding="utf-8")
    assert "exploded" in log


def test_missing_archive_names_no_path(tmp_path: Path) -> None:
    app = create_app(App(DataDir(tmp_path / "nothing")))
    WEBS.append(app)
    response = TestClient(app).get("/", params={"q": "школа"})
    assert response.status_code == 503 and str(tmp_path) not in response.text


def test_password_basic_auth(archive) -> None:
    client = TestClient(web(archive, password="сек рет"))
    denied = client.get("/")
    assert denied.status_code == 401 and "Basic" in denied.headers["www-authenticate"]
    wrong = base64.b64encode(b"u:nope").decode()
    assert client.get("/", headers={"Authorization": f"Basic {wrong}"}).status_code == 401
    good = base64.b64encode("u:сек рет".encode()).decode()
    assert client.get("/", headers={"Authorization": f"Basic {good}"}).status_code == 200
    assert client.get("/api/search?q=a", headers={"Authorization": "Basic !!"}
                      ).status_code == 401


def test_serve_refuses_non_local_without_password(cli, monkeypatch, capsys) -> None:
    from search.commands.serve import is_local

    monkeypatch.delenv("NEWSMON_WEB_PASSWORD", raising=False)
    code, _out, err = cli("serve", "--host", "0.0.0.0")
    assert code == 2 and err.count("\n") == 1 and "without a password" in err
    assert is_local("127.0.0.1") and is_local("::1") and is_local("localhost")
    assert not is_local("0.0.0.0") and not is_local("192.168.1.5") and not is_local("example")
    assert cli("serve", "--port", "70000")[0] == 2


def test_web_password_in_sources_file(tmp_path: Path) -> None:
    from crawler.config import ConfigError
    from search.commands.serve import password

    path = write_sources(tmp_path / "s.toml")
    path.write_text(path.read_text(encoding="utf-8") + '[web]\npassword = "x1"\n',
                    encoding="utf-8")
    assert password(load_config(path)) == "x1"
    path.write_text(path.read_text(encoding="utf-8") + 'user = "a"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[web\]: unknown key 'user'"):
        load_config(path)


def test_ru_date() -> None:
    assert ru_date("2025-08-28T10:00:00+03:00") == "28 августа 2025"
    assert ru_date("2025-03-01T09:05:00+03:00", True) == "1 марта 2025, 09:05"
    assert ru_date(None) == "без даты"
