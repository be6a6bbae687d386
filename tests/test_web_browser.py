"""The web page in a real browser: headless Chromium (Debian's `chromium`) driven by
Playwright, against `newsmon serve`'s application on 127.0.0.1.

Outside CI the tests skip when no browser is installed; under CI=true they must run.
With NEWSMON_SHOTS=DIR the search and article pages are also saved as PNGs at desktop
(1366 wide) and phone (390 wide) widths.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from test_web import archive, write_sources  # noqa: F401 - the shared fixture archive

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-first-run", "--no-default-browser-check", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-default-apps",
         "--disable-extensions", "--metrics-recording-only", "--no-sandbox",
         "--disable-dev-shm-usage", "--proxy-server=direct://", "--proxy-bypass-list=*"]


def _browser_missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return "no chromium installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (the Python package) is not installed"
    return None


MISSING = _browser_missing()
if MISSING and os.environ.get("CI") == "true":
    raise RuntimeError(f"browser tests must run under CI: {MISSING}")
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


@pytest.fixture(scope="module")
def server(archive, tmp_path_factory) -> Iterator[str]:  # noqa: F811
    """The web application over a copy of the archive, served by uvicorn in a thread."""
    import uvicorn

    from crawler.config import load_config
    from indexer.store import DataDir
    from search.app import App
    from search.web.app import close_app, create_app

    data = tmp_path_factory.mktemp("browser") / "data"
    shutil.copytree(archive[0], data)
    web = create_app(App(DataDir(data), load_config(archive[1])), per_page=5)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning",
                            access_log=False, lifespan="off")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(10)
    close_app(web)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, tmp_path):
    context = browser.new_context(accept_downloads=True, locale="ru-RU",
                                  viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    yield page
    context.close()
    assert not errors, errors  # no script ran from an article, no script failed


def test_search_filter_open_article_export_and_watch(server: str, page, tmp_path) -> None:
    from openpyxl import load_workbook

    page.goto(server + "/")
    page.fill("input[name=q]", "колледж")
    page.click("button[type=submit]")
    page.wait_for_selector("li.hit")
    assert "колледж" in unquote(page.url) and "Найдено" in page.inner_text("p.total")
    total = int(page.inner_text("p.total strong"))
    assert page.locator("svg rect").count() > 0  # the chart
    # the hostile headline is shown as text, and ran nothing (no dialog, no page error)
    page.goto(server + "/?q=alert")
    assert "<script>alert('t')</script>" in page.inner_text("li.hit h2")
    assert "<img src=x onerror=alert(1)>" in page.inner_text("li.hit h2")
    assert page.evaluate("document.querySelectorAll('main script, main img').length") == 0
    page.goto(server + "/?q=колледж")

    # filter by date: the picker writes into the text field, which also takes "2025-08"
    page.fill("input[name=from]", "2025-08-01")
    page.fill("input[name=to]", "2025-08-31")
    page.click("button[type=submit]")
    page.wait_for_selector("p.total")
    filtered = int(page.inner_text("p.total strong"))
    assert "from=2025-08-01" in page.url and 0 < filtered < total
    assert "+1 перепечатка" in page.inner_text("ol.hits") or filtered >= 1

    # open an article
    page.fill("input[name=q]", "волгоробот")
    page.fill("input[name=from]", "")
    page.fill("input[name=to]", "")
    page.click("button[type=submit]")
    page.click("li.hit h2 a")
    page.wait_for_selector("article.full h1")
    assert "Волгоробот" in page.inner_text("article.full")
    assert "Перепечатки сюжета" in page.inner_text("section.story")

    # both exports of every match, opened as a user would
    page.goto(server + "/?q=колледж")
    with page.expect_download() as info:
        page.click("text=CSV")
    path = tmp_path / "out.csv"
    info.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Дата" and len(rows) - 1 == total
    with page.expect_download() as info:
        page.click("text=Excel")
    path = tmp_path / "out.xlsx"
    info.value.save_as(path)
    sheet = load_workbook(path).active
    assert sheet.max_row - 1 == total and sheet.cell(2, 1).is_date

    # add a watch through the form (POST with its CSRF token), then remove it
    page.goto(server + "/watches")
    page.fill("input[name=name]", "колледжи")
    page.fill("input[name=query]", "колледж OR техникум")
    page.click("form.watch-form button")
    page.wait_for_selector("p.notice")
    assert "сохранено" in page.inner_text("p.notice")
    assert "колледж OR техникум" in page.inner_text("table.watches")
    page.click("table.watches button.danger")
    page.wait_for_selector("p.notice")
    assert "удалено" in page.inner_text("p.notice")


def test_screenshots(server: str, browser, tmp_path) -> None:
    """Desktop and phone widths of the search and article pages: NEWSMON_SHOTS=DIR keeps
    them to look at; every run checks that the pages fit the phone's width."""
    shots = os.environ.get("NEWSMON_SHOTS") or str(tmp_path)
    Path(shots).mkdir(parents=True, exist_ok=True)
    for name, width in (("desktop", 1366), ("phone", 390)):
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      device_scale_factor=1)
        page = context.new_page()
        page.goto(server + "/?q=колледж")
        page.screenshot(path=f"{shots}/search-{name}.png", full_page=True)
        # nothing wider than the screen: no sideways scrolling on a phone
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # the chart's scale value is drawn clear of every bar, the tallest included
        assert page.evaluate("""() => {
            const t = document.querySelector('.chart text.top').getBBox();
            return [...document.querySelectorAll('.chart rect')].filter(r => {
                const b = r.getBBox();
                return b.x < t.x + t.width && t.x < b.x + b.width
                    && b.y < t.y + t.height && t.y < b.y + b.height; }).length; }""") == 0
        page.click("li.hit h2 a >> nth=0")
        page.wait_for_selector("article.full")
        page.goto(server + "/?q=волгоробот")
        page.click("li.hit h2 a")
        page.wait_for_selector("article.full")
        page.screenshot(path=f"{shots}/article-{name}.png", full_page=True)
        context.close()
