"""`newsmon extract`: the cleaner on one page, saved or fetched, printed as the article JSON."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from search import output
from search.app import NotFound
from search.commands import common

HELP = "run the cleaner on one page and print the article JSON"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("page", metavar="FILE|URL")
    p.add_argument("--url", help="the page's URL, when FILE is a saved page")
    p.add_argument("--source", metavar="SLUG", help="apply this source's settings and selectors")


def run(args: Any) -> int:
    from crawler.clean import NotArticle, clean, is_binary

    source = None
    if args.source:
        source = common.config(args).select([args.source])[0]
    if args.page.startswith(("http://", "https://")):
        body, content_type, url = _fetch(args.page, common.config(args).contact)
        url = args.url or url
    else:
        body = _read(Path(args.page))
        content_type, url = None, args.url or Path(args.page).resolve().as_uri()
    if is_binary(body):
        raise common.UsageError(f"{args.page} is not an HTML page (binary data)")
    try:
        article = clean(body, url, source, fetched=datetime.now().astimezone(),
                        content_type=content_type)
    except NotArticle as exc:
        raise NotFound(f"{args.page}: not an article page ({exc})") from None
    data = article.to_json()
    if source is None:
        data.pop("source")
    print(output.dumps(data))
    return 0


def _read(path: Path) -> bytes:
    from crawler.run import MAX_PAGE_BYTES

    try:
        with path.open("rb") as handle:  # the crawler's cap: a bigger file took minutes
            body = handle.read(MAX_PAGE_BYTES + 1)
    except OSError as exc:
        raise common.UsageError(f"cannot read {path}: {exc.strerror}") from None
    if len(body) > MAX_PAGE_BYTES:
        raise common.UsageError(f"{path} is larger than {MAX_PAGE_BYTES // 2**20} MB, the "
                                "largest page the crawler fetches")
    return body


def _fetch(url: str, contact: str) -> tuple[bytes, str | None, str]:
    import urllib.error
    import urllib.request

    from crawler.run import MAX_PAGE_BYTES, user_agent

    request = urllib.request.Request(url, headers={"User-Agent": user_agent(contact)})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read(MAX_PAGE_BYTES + 1)
            if len(body) > MAX_PAGE_BYTES:
                raise common.UsageError(f"{url}: page larger than {MAX_PAGE_BYTES // 2**20} MB")
            return body, response.headers.get("Content-Type"), response.geturl()
    except urllib.error.HTTPError as exc:
        raise NotFound(f"{url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise NotFound(f"{url}: cannot fetch ({reason})") from None
