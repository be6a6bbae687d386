"""`newsmon extract`: the cleaner on one page, saved or fetched, printed as the article JSON."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from search import output
from search.app import NotFound
from search.commands import common
from search.i18n import _

HELP = "run the cleaner on one page and print the article JSON"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("page", metavar="FILE|URL",
                   help=_("a saved page, or a URL to fetch as a crawl does"))
    p.add_argument("--url", help=_("the page's URL, when FILE is a saved page"))
    p.add_argument("--source", metavar="SLUG",
                   help=_("apply this source's settings and selectors"))


def run(args: Any) -> int:
    from crawler.clean import NotArticle, clean, is_binary, rejection

    source = None
    if args.source:
        source = common.config(args).select([args.source])[0]
    if args.page.startswith(("http://", "https://")):
        body, content_type, url = _fetch(args.page, common.config(args), source)
        url = args.url or url
    else:
        body = _read(Path(args.page))
        content_type, url = None, args.url or Path(args.page).resolve().as_uri()
    if is_binary(body):
        raise common.UsageError(_("{page} is not an HTML page (binary data)").format(
            page=args.page))
    try:
        article = clean(body, url, source, fetched=datetime.now().astimezone(),
                        content_type=content_type)
    except NotArticle as exc:
        raise NotFound(_("{page}: not an article page ({reason})").format(
            page=args.page, reason=rejection(str(exc)))) from None
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
        raise common.UsageError(_("cannot read {path}: {error}").format(
            path=path, error=exc.strerror)) from None
    if len(body) > MAX_PAGE_BYTES:
        raise common.UsageError(_("{path} is larger than {mb} MB, the largest page the "
                                  "crawler fetches").format(path=path,
                                                            mb=MAX_PAGE_BYTES // 2**20))
    return body


def _fetch(url: str, config: Any, source: Any) -> tuple[bytes, str | None, str]:
    """The page as a crawl fetches it (crawler.fetch), with the source's settings: the
    --source given, else the configured source whose hosts include the URL's."""
    from crawler.fetch import FetchFailed, fetch_pages, source_for

    try:
        page = fetch_pages(config, [(url, source or source_for(config, url))])[0]
    except FetchFailed as exc:
        raise NotFound(f"{url}: {exc}") from None
    if page.error:
        raise NotFound(f"{url}: {page.error}")
    return page.body, page.content_type, page.url
