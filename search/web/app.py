"""The web page: server-rendered search over the archive, calling only `search.app.App`.

`create_app(core)` builds a Starlette application around one `App` (the same layer the
command line calls, so both answer alike).  Every `App` call runs on one worker thread:
the archive's SQLite connection and the index searcher stay on the thread that opened
them, and the event loop stays free while a search runs.

Security: Jinja2 autoescapes every template (headlines and bodies are untrusted; snippets
come escaped and then marked from `output.snippet`); links to articles' own pages are
followed only for http(s) URLs; state-changing requests are POST with a CSRF token (a
cookie that the form must repeat) and a same-origin check; a password, when configured,
is asked with HTTP Basic for every request; errors are pages of their own that name no
path and show no traceback (tracebacks go to the data dir's logs/errors.log).
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import math
import secrets
import tempfile
import traceback
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from search import exports, output
from search.app import App, Invalid, NotFound

HERE = Path(__file__).resolve().parent
PER_PAGE = 20
MAX_PAGE = 500
API_MAX_LIMIT = 100
EXPORT_MAX = 50_000  # rows in one export
CSRF_COOKIE = "newsmon_csrf"
MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
          "сентября", "октября", "ноября", "декабря")
MONTHS_SHORT = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя",
                "дек")
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

T = TypeVar("T")


class Failure(Exception):
    """An answer that is an error page: HTTP status and a message for the user."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --- Russian text ------------------------------------------------------------------------

def plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return few
    return many


def ru_date(value: object, with_time: bool = False) -> str:
    """«28 августа 2025» (and «, 10:00»): the article's own calendar day."""
    if not value:
        return "без даты"
    if isinstance(value, datetime):
        moment: date | datetime = value
    elif isinstance(value, date):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
    text = f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"
    if with_time and isinstance(moment, datetime):
        text += f", {moment:%H:%M}"
    return text


def safe_url(url: object) -> str | None:
    """A link target only for http(s): an archived URL is untrusted (javascript:…)."""
    text = str(url or "")
    return text if urlsplit(text).scheme in ("http", "https") else None


# --- the parameters of a search ----------------------------------------------------------

class Params:
    """q, from, to, source (repeatable), sort, page, all, by: from a query string."""

    def __init__(self, request: Request, known_sources: dict[str, str]) -> None:
        from search.dates import DateError, parse_bound

        query = request.query_params
        self.q = (query.get("q") or "").strip()
        self.date_from = (query.get("from") or "").strip()
        self.date_to = (query.get("to") or "").strip()
        self.sources = [s.strip() for s in query.getlist("source") if s.strip()]
        self.sort = query.get("sort") or "relevance"
        self.all = query.get("all") in ("1", "on", "true")
        self.by = query.get("by") or None
        self.errors: list[str] = []
        if len(self.q) > 1000:
            self.errors.append("Запрос длиннее 1000 знаков.")
        if self.sort not in ("relevance", "date"):
            self.errors.append("Порядок: relevance или date.")
            self.sort = "relevance"
        if self.by not in (None, "day", "week", "month"):
            self.errors.append("Период графика: day, week или month.")
            self.by = None
        unknown = [s for s in self.sources if known_sources and s not in known_sources]
        if unknown:
            self.errors.append(f"Неизвестный источник: {unknown[0]}.")
        try:
            self.page = int(query.get("page") or 1)
        except ValueError:
            self.page = 0
        if not 1 <= self.page <= MAX_PAGE:
            self.errors.append(f"Страница — число от 1 до {MAX_PAGE}.")
            self.page = 1
        today = date.today()
        self.day_from = self.day_to = None
        try:
            self.day_from = parse_bound(self.date_from, today, end=False) if self.date_from \
                else None
        except DateError:
            self.errors.append(f"Непонятная дата «с»: {self.date_from}.")
        try:
            self.day_to = parse_bound(self.date_to, today, end=True) if self.date_to else None
        except DateError:
            self.errors.append(f"Непонятная дата «по»: {self.date_to}.")
        if self.day_from and self.day_to and self.day_from > self.day_to:
            self.errors.append("Дата «с» позже даты «по».")

    def options(self) -> dict[str, Any]:
        return {"day_from": self.day_from, "day_to": self.day_to,
                "sources": self.sources or None, "sort": self.sort, "group": not self.all}

    def pairs(self, **change: Any) -> list[tuple[str, str]]:
        values: dict[str, Any] = {"q": self.q, "from": self.date_from, "to": self.date_to,
                                  "source": self.sources, "sort": self.sort,
                                  "all": "1" if self.all else "", "page": self.page}
        values.update(change)
        pairs: list[tuple[str, str]] = []
        for key, value in values.items():
            for item in value if isinstance(value, list) else [value]:
                if item in (None, "") or (key == "sort" and item == "relevance") or \
                        (key == "page" and item == 1):
                    continue
                pairs.append((key, str(item)))
        return pairs

    def url(self, path: str = "/", **change: Any) -> str:
        pairs = self.pairs(**change)
        return path + ("?" + urlencode(pairs) if pairs else "")


# --- the chart ---------------------------------------------------------------------------

def chart(timeline: Any, params: Params, width: int = 800, height: int = 170) -> dict[str, Any]:
    """Bars of matches per period as SVG geometry; each bar links to its period.  The
    scale's top value sits in a left gutter of its own, level with the tallest bar, so
    it never lies over the first bar."""
    counts = timeline.counts
    if not counts:
        return {"bars": [], "width": width, "height": height, "labels": []}
    top = max(n for _, n in counts) or 1
    plot_h = height - 30
    left = 8 + 8 * len(str(top))  # the gutter: wide enough for the top value's digits
    step = (width - left) / len(counts)
    bars, labels = [], []
    for i, (start, n) in enumerate(counts):
        end = _period_end(start, timeline.by)
        h = 0 if not n else max(2.0, plot_h * n / top)
        label = _period_label(start, timeline.by)
        bars.append({"x": round(left + i * step + step * 0.1, 2),
                     "w": round(max(step * 0.8, 1), 2),
                     "y": round(plot_h - h + 4, 2), "h": round(h, 2), "count": n,
                     "title": f"{label}: {n}",
                     "href": params.url(**{"from": start.isoformat(), "to": end.isoformat(),
                                           "page": 1})})
    marks = sorted({0, len(counts) // 2, len(counts) - 1})
    for i in marks:
        anchor = "start" if i == 0 else "end" if i == len(counts) - 1 and i else "middle"
        x = (left if anchor == "start" else width - 2 if anchor == "end"
             else left + i * step + step / 2)
        labels.append({"x": round(x, 2), "anchor": anchor,
                       "text": _period_label(counts[i][0], timeline.by)})
    return {"bars": bars, "width": width, "height": height, "labels": labels, "top": top,
            "left": left, "by": {"day": "по дням", "week": "по неделям",
                                 "month": "по месяцам"}[timeline.by]}


def _period_end(start: date, by: str) -> date:
    if by == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return start + timedelta(days=6 if by == "week" else 0)


def _period_label(start: date, by: str) -> str:
    if by == "month":
        return f"{MONTHS_SHORT[start.month - 1]} {start.year}"
    return f"{start.day} {MONTHS_SHORT[start.month - 1]} {start.year}"


# --- the application ---------------------------------------------------------------------

def create_app(core: App, *, password: str | None = None, read_only: bool = False,
               per_page: int = PER_PAGE) -> Starlette:
    """The web front of one `App`, which from then on only the web's worker thread may
    use; `close_app` closes it.  `password`: HTTP Basic on every request; `read_only`:
    watches cannot be added or removed."""
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      auto_reload=False, trim_blocks=True, lstrip_blocks=True)
    env.filters["ru_date"] = ru_date
    env.filters["safe_url"] = safe_url
    env.globals["plural"] = plural
    env.globals["read_only"] = read_only
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsmon-app")
    names = core.source_names()

    async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(worker,
                                                                partial(fn, *args, **kwargs))

    def outlet(slug: str | None) -> str:
        return names.get(slug or "", slug or "—")

    env.filters["outlet"] = outlet

    def render(request: Request, template: str, status: int = 200, **context: Any
               ) -> HTMLResponse:
        token = request.cookies.get(CSRF_COOKIE) or ""
        fresh = not _token_ok(token)
        if fresh:
            token = secrets.token_urlsafe(24)
        body = env.get_template(template).render(request=request, csrf=token,
                                                 path=request.url.path, **context)
        response = HTMLResponse(body, status_code=status)
        if fresh:
            response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict",
                                path="/")
        return response

    def error_page(request: Request, status: int, message: str) -> HTMLResponse:
        titles = {400: "Неверный запрос", 403: "Запрещено", 404: "Не найдено",
                  405: "Метод не разрешён", 500: "Внутренняя ошибка",
                  503: "Архив недоступен"}
        return render(request, "error.html", status=status,
                      title=titles.get(status, "Ошибка"), message=message)

    async def guarded(request: Request, fn: Callable[..., Any], *args: Any, **kwargs: Any
                      ) -> Any:
        """Call the application layer; its errors become Failure(status, message)."""
        try:
            return await call(fn, *args, **kwargs)
        except Exception as exc:
            raise _failure(exc, core) from exc

    # --- pages ---------------------------------------------------------------------

    async def search_page(request: Request) -> Response:
        params = Params(request, names)
        context: dict[str, Any] = {"params": params, "sources": names, "results": None,
                                   "timeline": None, "chart": None, "errors": params.errors}
        status = 400 if params.errors else 200
        if params.q and not params.errors:
            try:
                results, timeline = await guarded(
                    request, core.search_page, params.q, by=params.by, limit=per_page,
                    offset=(params.page - 1) * per_page, **params.options())
            except Failure as exc:
                if exc.status != 400:
                    raise
                context["errors"] = [exc.message]
                status = 400
            else:
                pages = min(MAX_PAGE, math.ceil(results.total / per_page)) if results.total \
                    else 0
                context.update(results=results, timeline=timeline, pages=pages,
                               offset=(params.page - 1) * per_page,
                               chart=chart(timeline, params),
                               hits=[_hit_view(h, outlet) for h in results.hits],
                               page_links=_page_links(params, pages))
        return render(request, "search.html", status=status, **context)

    async def article_page(request: Request) -> Response:
        view = await guarded(request, core.article, request.path_params["key"])
        paragraphs = [p.strip() for p in view.article.body.split("\n") if p.strip()]
        return render(request, "article.html", view=view, article=view.article,
                      paragraphs=paragraphs,
                      others=[m for m in view.members if m["id"] != view.article.id],
                      first=view.members[0] if view.members else None)

    async def export(request: Request) -> Response:
        kind = "xlsx" if request.url.path.endswith(".xlsx") else "csv"
        params = Params(request, names)
        if not params.q:
            params.errors.append("Нужен запрос (параметр q).")
        if params.errors:
            raise Failure(400, " ".join(params.errors))

        hits = iter(await guarded(request, core.each_hit, params.q, limit=EXPORT_MAX,
                                  **params.options()))
        stamp = date.today().strftime("%Y%m%d")
        headers = {"Content-Disposition": f'attachment; filename="newsmon-{stamp}.{kind}"'}
        if kind == "csv":
            chunks = exports.csv_chunks(hits, names)

            async def body() -> AsyncIterator[bytes]:
                # each chunk searched and written on the App's thread; the rows go out as
                # they come, so neither side holds the whole export
                while (chunk := await call(next, chunks, None)) is not None:
                    yield chunk.encode("utf-8")

            return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                                     headers=headers)
        # a workbook is a zip written at the end: rows stream to a temporary file (openpyxl's
        # write-only mode), which is then sent and removed
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed once sent, below
        try:
            await guarded(request, exports.write_xlsx, hits, spool, names, title=params.q)
        except BaseException:
            spool.close()
            raise
        spool.seek(0)

        async def workbook() -> AsyncIterator[bytes]:
            try:
                while block := await asyncio.to_thread(spool.read, 1 << 16):
                    yield block
            finally:
                spool.close()

        return StreamingResponse(workbook(), headers=headers, media_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))

    async def api_search(request: Request) -> Response:
        params = Params(request, names)
        if not params.q:
            params.errors.append("q is required")
        try:
            limit = int(request.query_params.get("limit") or per_page)
        except ValueError:
            limit = -1
        if not 0 <= limit <= API_MAX_LIMIT:
            params.errors.append(f"limit must be between 0 and {API_MAX_LIMIT}")
        if params.errors:
            return JSONResponse({"error": " ".join(params.errors)}, status_code=400)
        try:
            page = await guarded(request, core.search, params.q, limit=limit,
                                 offset=(params.page - 1) * limit, **params.options())
        except Failure as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        answer: dict[str, Any] = {"query": params.q, "total": page.total,
                                  "articles": page.articles,
                                  "hits": [output.hit_json(h) for h in page.hits]}
        if page.suggestion:
            answer["suggestion"] = page.suggestion
        return JSONResponse(answer)

    async def watches_page(request: Request, message: str | None = None, status: int = 200,
                           form: dict[str, str] | None = None) -> Response:
        rows = await guarded(request, core.watches)
        return render(request, "watches.html", status=status, watches=rows, sources=names,
                      message=message, form=form or {}, done=request.query_params.get("done"))

    async def watch_add(request: Request) -> Response:
        form = await _checked_form(request, read_only)
        name, query = form.get("name", "").strip(), form.get("query", "").strip()
        source = form.get("source", "").strip() or None
        try:
            await guarded(request, core.add_watch, name, query, source)
        except Failure as exc:
            if exc.status != 400:
                raise
            return await watches_page(request, exc.message, 400,
                                      {"name": name, "query": query, "source": source or ""})
        return RedirectResponse("/watches?" + urlencode({"done": f"Наблюдение «{name}» "
                                                                 "сохранено."}), 303)

    async def watch_remove(request: Request) -> Response:
        form = await _checked_form(request, read_only)
        name = form.get("name", "")
        await guarded(request, core.remove_watch, name)
        return RedirectResponse("/watches?" + urlencode({"done": f"Наблюдение «{name}» "
                                                                 "удалено."}), 303)

    async def digest_page(request: Request) -> Response:
        from search.dates import DateError, parse_bound

        since_text = (request.query_params.get("since") or "1d").strip()
        try:
            since = parse_bound(since_text, date.today(), end=False)
        except DateError as exc:
            raise Failure(400, f"Непонятная дата: {since_text}") from exc
        groups = await guarded(request, core.digest, since)
        for group in groups:
            for hit in group["hits"]:
                hit["snippet_html"] = Markup(hit["snippet"])  # escaped, then marked
                others = [s for s in dict.fromkeys(hit.get("reprinted_by") or [])
                          if s != hit["source"]]
                hit["also"] = ", ".join(outlet(s) for s in others)
        return render(request, "digest.html", groups=groups, since=since,
                      since_text=since_text)

    # --- errors --------------------------------------------------------------------

    async def on_failure(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Failure)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        return error_page(request, exc.status, exc.message)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        message = {404: "Такой страницы нет.", 405: "Этот адрес так не вызывают."}.get(
            exc.status_code, "Запрос не выполнен.")
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=exc.status_code)
        return error_page(request, exc.status_code, message)

    async def on_crash(request: Request, exc: Exception) -> Response:
        _log_crash(core, request, exc)
        try:
            return error_page(request, 500, "Что-то пошло не так. Подробности записаны в "
                                            "журнал ошибок сервера.")
        except Exception:
            return HTMLResponse("<h1>Внутренняя ошибка</h1>", status_code=500)

    routes = [
        Route("/", search_page),
        Route("/article/{key:path}", article_page),
        Route("/export.csv", export),
        Route("/export.xlsx", export),
        Route("/api/search", api_search),
        Route("/watches", watches_page),
        Route("/watches/add", watch_add, methods=["POST"]),
        Route("/watches/remove", watch_remove, methods=["POST"]),
        Route("/digest", digest_page),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    web = Starlette(routes=routes, exception_handlers={
        Failure: on_failure, HTTPException: on_http, Exception: on_crash})
    web.add_middleware(Guard, password=password)

    def close() -> None:
        worker.submit(core.close).result()  # on the thread that opened its connections
        worker.shutdown()

    web.state.close = close
    return web


def close_app(web: Starlette) -> None:
    """Close the `App` behind a web application made by `create_app`."""
    web.state.close()


class Guard:
    """Pure ASGI middleware: HTTP Basic when a password is set, security headers always."""

    def __init__(self, app: Any, password: str | None = None) -> None:
        self.app = app
        self.password = password

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.password and not self._authorized(scope):
            response = HTMLResponse(
                "<!doctype html><meta charset=utf-8><title>Нужен пароль</title>"
                "<h1>Нужен пароль</h1>", status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="newsmon", charset="UTF-8"'})
            await _with_headers(response)(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for key, value in HEADERS.items():
                    if key.lower().encode() not in present:
                        headers.append((key.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _authorized(self, scope: Any) -> bool:
        for key, value in scope.get("headers", []):
            if key == b"authorization" and value[:6].lower() == b"basic ":
                try:
                    decoded = base64.b64decode(value[6:], validate=True).decode("utf-8")
                except (ValueError, UnicodeDecodeError):
                    return False
                _, _, given = decoded.partition(":")
                assert self.password is not None
                return hmac.compare_digest(given.encode(), self.password.encode())
        return False


def _with_headers(response: Response) -> Response:
    for key, value in HEADERS.items():
        response.headers[key] = value
    return response


def _token_ok(token: str) -> bool:
    return 20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()


async def _checked_form(request: Request, read_only: bool) -> dict[str, str]:
    """A state-changing POST: refused in read-only mode, from another origin, or without
    the CSRF token its form was given."""
    if read_only:
        raise Failure(403, "Сервер запущен только для чтения (--read-only): наблюдения не "
                           "меняются.")
    origin = request.headers.get("origin")
    if origin and origin != "null":
        own = f"{request.url.scheme}://{request.url.netloc}"
        if origin != own:
            raise Failure(403, "Запрос пришёл с другого сайта.")
    elif origin == "null":
        raise Failure(403, "Запрос пришёл с другого сайта.")
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), values.get("csrf", "").encode()):
        raise Failure(403, "Форма устарела: откройте страницу заново и повторите.")
    return values


def _failure(exc: Exception, core: App) -> Failure:
    """The application layer's errors as pages; none names a path."""
    from crawler.config import ConfigError, UnknownSource
    from indexer.archive import ReadOnly
    from indexer.backend import IndexBusy, IndexMissing
    from indexer.store import DataDirError
    from search.dates import DateError
    from search.query import QueryError

    if isinstance(exc, Failure):
        return exc
    if isinstance(exc, QueryError):
        return Failure(400, f"Ошибка в запросе: {exc}")
    if isinstance(exc, NotFound):
        return Failure(404, "Такой статьи или наблюдения нет.")
    if isinstance(exc, ReadOnly):
        return Failure(403, "Архив открыт только для чтения.")
    if isinstance(exc, ConfigError):
        return Failure(400, "Неизвестный источник." if isinstance(exc, UnknownSource)
                       else "Ошибка в файле источников.")
    if isinstance(exc, Invalid | DateError):
        return Failure(400, str(exc))
    if isinstance(exc, IndexMissing):
        return Failure(503, "Поисковый индекс не найден: запустите `newsmon reindex`.")
    if isinstance(exc, IndexBusy):
        return Failure(503, "Индекс занят другим процессом; повторите через минуту.")
    if isinstance(exc, DataDirError):
        return Failure(503, "Архив не найден или недоступен.")
    from indexer.faults import describe

    if describe(exc, core.data_dir.root):
        return Failure(503, "Архив недоступен (ошибка диска или повреждённый файл); "
                            "подробности — `newsmon check`.")
    raise exc


def _log_crash(core: App, request: Request, exc: Exception) -> None:
    try:
        logs = core.data_dir.logs
        logs.mkdir(parents=True, exist_ok=True)
        with (logs / "errors.log").open("a", encoding="utf-8") as handle:
            handle.write(f"--- {datetime.now().isoformat()} web {request.method} "
                         f"{request.url.path}\n")
            handle.write("".join(traceback.format_exception(exc)))
    except Exception:
        pass


def _hit_view(hit: Any, outlet: Callable[[str | None], str]) -> dict[str, Any]:
    others = list(dict.fromkeys(outlet(s) for s in hit.reprints))
    n = len(hit.reprints)
    return {"hit": hit, "snippet": Markup(output.snippet(hit.snippet, "html")),
            "reprints": (f"+{n} {plural(n, 'перепечатка', 'перепечатки', 'перепечаток')}"
                         if n else ""),
            "reprinted_by": ", ".join(others[:5]) + (", …" if len(others) > 5 else "")}


def _page_links(params: Params, pages: int) -> list[dict[str, Any]]:
    if pages <= 1:
        return []
    shown = sorted({1, pages, *range(max(1, params.page - 2), min(pages, params.page + 2) + 1)})
    links, last = [], 0
    for number in shown:
        if number - last > 1:
            links.append({"gap": True})
        links.append({"number": number, "href": params.url(page=number),
                      "current": number == params.page})
        last = number
    return links
