"""A static site on 127.0.0.1: the bundled demo site, and the test suite's fixture sites.

Files may contain the placeholder __BASE__, replaced by the server's own
http://127.0.0.1:PORT, so feeds and sitemaps hold absolute links that work on
any free port.  Every request path is recorded, so tests can prove a page was
never fetched, and its headers, so they can see what the crawler sent.
"""

from __future__ import annotations

import hashlib
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

PLACEHOLDER = b"__BASE__"
TYPES = {".html": "text/html", ".xml": "application/xml", ".rss": "application/rss+xml",
         ".txt": "text/plain", ".gz": "application/x-gzip", ".json": "application/json",
         ".atom": "application/atom+xml"}


class SiteServer:
    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0,
                 delay: float = 0.0, tls: ssl.SSLContext | None = None) -> None:
        """`delay` seconds before each article page is answered: a slow or hanging site;
        `tls` serves HTTPS with that server context."""
        self.scheme = "https" if tls else "http"
        self.root = root.resolve()
        self.delay = delay
        self.requests: list[str] = []
        self.request_headers: list[tuple[str, dict[str, str]]] = []  # (path, headers)
        self.not_modified: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._record(self.path, dict(self.headers.items()))
                status, body, ctype = server._resolve(self.path)
                if server.delay and ctype == "text/html" and self.path.count("/") >= 3:
                    time.sleep(server.delay)
                etag = f'"{hashlib.sha1(body).hexdigest()[:16]}"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    server.not_modified.append(self.path)
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if status == 200:
                    self.send_header("ETag", etag)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        if tls:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"{self.scheme}://{host}:{port}"

    def _record(self, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(path)
            self.request_headers.append((path, headers))

    def _resolve(self, raw_path: str) -> tuple[int, bytes, str]:
        parts = urlsplit(raw_path)
        name = unquote(parts.path).lstrip("/")
        if parts.query:
            name = f"{name.rstrip('/')}/@{parts.query}" if name else f"@{parts.query}"
        path = (self.root / name).resolve()
        if path.is_dir():
            path = path / "index.html"
        elif not path.exists() and path.with_suffix(".html").exists() and parts.query:
            path = path.with_suffix(".html")
        if not path.is_relative_to(self.root) or not path.is_file():
            missing = self.root / "404.html"
            body = missing.read_bytes() if missing.exists() else b"<h1>Not found</h1>"
            return 404, body.replace(PLACEHOLDER, self.base.encode()), "text/html"
        body = path.read_bytes().replace(PLACEHOLDER, self.base.encode())
        return 200, body, TYPES.get(path.suffix, "application/octet-stream")

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
