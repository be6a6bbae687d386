"""A hostile news site on 127.0.0.1: every way a server or a page can go wrong.

Its feed links each fault once, between good articles; the crawler must keep the
good ones, record the failures, and finish in bounded time.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SITE = Path(__file__).resolve().parents[1] / "fixtures" / "site"
GOOD = {
    "/good/1": SITE / "obrazovanie/novye-detskie-sady-147120/index.html",
    "/good/2": SITE / "obrazovanie/uchitel-goda-2025-146955/index.html",
    "/good/3": SITE / "obrazovanie/yunyy-volgar-olimpiada-147333/index.html",
}
ESCAPES = """<!doctype html><html lang="ru"><head><meta charset="utf-8">
<title>\x1b]0;owned\x07Новость \x1b[2J<script>alert(1)</script></title></head><body>
<article><h1>Школа \x1b[31mкрасная\x1b[0m &lt;script&gt;alert("x")&lt;/script&gt; и \x07звонок</h1>
<time datetime="2025-05-05T10:00:00+03:00">5 мая 2025</time>
<div class="article__text"><p>Текст статьи со встроенными управляющими
последовательностями \x1b[1;1H\x1b[2J которые не должны попасть на экран
аналитика ни в поиске, ни в show.</p>
<p>Второй абзац: &lt;img src=x onerror=alert(1)&gt; и ещё немного текста, чтобы статья
была достаточно длинной для того, чтобы считаться статьёй, а не заглушкой.</p>
<script>document.write('<p>injected</p>')</script></div></article></body></html>"""
FAULTS = ["/fault/500", "/fault/503", "/fault/flaky", "/fault/hang", "/fault/reset",
          "/fault/loop", "/fault/offsite", "/fault/ftp", "/fault/huge", "/fault/binary",
          "/fault/empty", "/fault/short", "/fault/charset", "/fault/nested", "/fault/escapes"]
# what a crawl must make of each: archived, an error in the run history, or skipped
EXPECTED = {
    "archived": ["/good/1", "/good/2", "/good/3", "/fault/flaky", "/fault/charset",
                 "/fault/escapes"],
    "error": ["/fault/500", "/fault/503", "/fault/hang", "/fault/reset", "/fault/loop",
              "/fault/ftp", "/fault/huge", "/fault/short"],
    "skipped": ["/fault/offsite"],
    # the feed lists them, so they are articles whose text could not be read: archived
    # partial from the feed item, never dropped (lxml stops descending at libxml2's depth
    # limit, so the 20,000-deep page has no reachable text either), without a crash
    "partial": ["/fault/binary", "/fault/empty", "/fault/nested"],
}
HUGE_BYTES = 60 * 1024 * 1024


class FaultServer:
    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with server.lock:
                    server.hits[self.path] = server.hits.get(self.path, 0) + 1
                    count = server.hits[self.path]
                try:
                    server.route(self, count)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FaultServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def feed(self) -> bytes:
        items = "".join(f"<item><title>x</title><link>{self.base}{path}</link></item>"
                        for path in [*GOOD, *FAULTS])
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>Фейковые новости</title>{items}</channel></rss>").encode()

    def route(self, h: BaseHTTPRequestHandler, count: int) -> None:
        path = h.path
        if path == "/robots.txt":
            return send(h, 200, b"User-agent: *\nAllow: /\n", "text/plain")
        if path == "/feed.xml":
            return send(h, 200, self.feed(), "application/rss+xml")
        if path in GOOD:
            return send(h, 200, GOOD[path].read_bytes().replace(b"__BASE__", b""), "text/html")
        if path in ("/fault/500", "/fault/503"):
            return send(h, int(path[-3:]), b"<h1>Server error</h1>", "text/html")
        if path == "/fault/flaky":  # fails twice, then works: the retry saves it
            if count <= 2:
                return send(h, 503, b"busy", "text/html")
            page = GOOD["/good/1"].read_bytes().replace(b"__BASE__", b"")
            page = page.replace("двенадцать новых детских садов".encode(),
                                "детские сады после повторной попытки".encode())
            return send(h, 200, uncanonical(page), "text/html")
        if path == "/fault/hang":
            time.sleep(30)
            return send(h, 200, b"too late", "text/html")
        if path == "/fault/reset":
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
            h.close_connection = True
            return None
        if path == "/fault/loop":
            return redirect(h, "/fault/loop")
        if path == "/fault/offsite":
            return redirect(h, "http://evil.example/steal")
        if path == "/fault/ftp":
            return redirect(h, "ftp://127.0.0.1/file.html")
        if path == "/fault/huge":
            h.send_response(200)
            h.send_header("Content-Type", "text/html")
            h.send_header("Content-Length", str(HUGE_BYTES))
            h.end_headers()
            chunk = b"<p>" + "Очень длинная страница. ".encode() * 2000 + b"</p>\n"
            sent = 0
            while sent < HUGE_BYTES:
                piece = chunk[: HUGE_BYTES - sent]
                h.wfile.write(piece)
                sent += len(piece)
            return None
        if path == "/fault/binary":
            return send(h, 200, os.urandom(50_000), "text/html")
        if path == "/fault/empty":
            return send(h, 200, b"", "text/html")
        if path == "/fault/short":
            h.send_response(200)
            h.send_header("Content-Type", "text/html")
            h.send_header("Content-Length", "100000")
            h.end_headers()
            h.wfile.write(b"<html><head><title>Cut off</title></head><body><p>Only the start")
            h.wfile.flush()
            h.close_connection = True
            return None
        if path == "/fault/charset":  # UTF-8 body, server claims windows-1251
            page = GOOD["/good/2"].read_bytes().replace(b"__BASE__", b"")
            page = uncanonical(page).replace("лучшего учителя года".encode(),
                                             "учителя с кодировкой".encode())
            return send(h, 200, page, "text/html; charset=windows-1251")
        if path == "/fault/nested":
            depth = 20_000
            article = ("<article><h1>Глубоко вложенная разметка не роняет краулер</h1>"
                       "<time datetime='2025-04-04T10:00:00+03:00'></time><div class='text'>"
                       + "<p>Абзац статьи о школах Волгограда, спрятанный глубоко в разметке. "
                       "Он достаточно длинный, чтобы считаться текстом статьи.</p>" * 4
                       + "</div></article>")
            body = ("<html><body>" + "<div>" * depth + article + "<span>" * 5000
                    + "</div>" * (depth // 2) + "</body></html>").encode()
            return send(h, 200, body, "text/html; charset=utf-8")
        if path == "/fault/escapes":
            return send(h, 200, ESCAPES.encode(), "text/html; charset=utf-8")
        return send(h, 404, b"<h1>404</h1>", "text/html")


def uncanonical(page: bytes) -> bytes:
    """A copy of a good page must be its own article, not the original's canonical URL."""
    return page.replace(b'rel="canonical"', b'rel="x"').replace(b'property="og:url"',
                                                                b'property="x"')


def send(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def redirect(h: BaseHTTPRequestHandler, location: str) -> None:
    h.send_response(302)
    h.send_header("Location", location)
    h.send_header("Content-Length", "0")
    h.end_headers()
