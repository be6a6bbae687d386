"""HTML page → Article, as a pure function.

Metadata comes in layers, most trustworthy first: the source's own selectors
(set only where generic extraction is known to fail), JSON-LD, microdata,
OpenGraph/meta, `<time>`, then Russian date text near the headline.  The body
is the article container's paragraphs with boilerplate removed.  No I/O here:
the crawler, `newsmon extract`, `newsmon reclean` and the golden tests all call the
same code.

What discovery already knew of the page (a feed item's title, date, author, summary,
full text) comes in as `Hints`: it fills what the page lacks and cross-checks dates.
A page that discovery listed as an article is never rejected for want of text: it is
returned marked `partial`, built from what is known, so nothing listed is lost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag
from w3lib.encoding import html_to_unicode

from crawler import dates
from crawler.config import DEFAULT_TIMEZONE, Source
from indexer.article import Article, article_id
from indexer.i18n import N_, stored
from indexer.text import squash

MIN_BODY_CHARS = 200
# a news item of one or two sentences is an article when it has a headline and a date
MIN_SHORT_BODY = 40
# a visible-text date further than this from the feed's date is taken for a teaser's
HINT_DATE_TOLERANCE = timedelta(days=2)
_ARTICLE_TYPES = {"newsarticle", "article", "blogposting", "reportagenewsarticle",
                  "analysisnewsarticle", "report", "scholarlyarticle", "backgroundnewsarticle"}
# an error page's headline, not one that merely holds the number («Школа № 404 открылась…»)
_NOT_ARTICLE_TITLE = re.compile(
    r"^\W*(?:ошибка\s*|error\s*)?404\b(?!\s+[а-яёa-z]{3})|страница\s+не\s+найдена"
    r"|page\s+not\s+found|ошибка\s+404|^\W*not\s+found\W*$",
    re.IGNORECASE)
_DROP_TAGS = ("script", "style", "noscript", "iframe", "form", "nav", "aside", "footer",
              "figure", "figcaption", "button", "svg", "template", "select", "input", "object",
              "embed", "video", "audio", "picture", "img", "header")
_BOILERPLATE = re.compile(
    r"share|social|related|comment|banner|advert|\bads?\b|adv-|promo|subscri|breadcrumb"
    r"|\btags?\b|tags-|readmore|read-more|read-also|also-|recommend|sidebar|teaser"
    r"|\bprint\b|rating|poll|navigation|pager|pagination|infinite|next-article|more-news"
    r"|cookie|consent|gdpr|newsletter|most-?popular|most-?read|trending",
    re.IGNORECASE,
)
# words that name small things (a date line, a caption, a widget box): an element so named
# that holds the article's prose (a page builder's text widget) is not boilerplate
_WEAK_BOILERPLATE = re.compile(
    r"widget|caption|credit|copyright|\bmeta\b|article-meta|byline|author|date|\btime\b",
    re.IGNORECASE,
)
_BOILERPLATE_TEXT = re.compile(
    r"^\s*(читайте\s+(также|нас|ещ[её])|смотрите\s+также|подписывайтесь|подпишитесь"
    r"|реклама\b|источник\s+фото|фото\s*:|фото\s+предоставлено|©|\(c\)|материалы\s+по\s+теме"
    r"|новости\s+по\s+теме|поделиться|комментарии\b|теги\s*:|метки\s*:"
    r"|мы\s+используем\s+(файлы\s+)?cookie|we\s+use\s+cookies|wir\s+verwenden\s+cookies"
    r"|nous\s+utilisons\s+des\s+cookies|most\s+popular|sign\s+up\s+for|subscribe\s+to)",
    re.IGNORECASE,
)
_BODY_CLASSES = (
    "[itemprop=articleBody]", ".field-name-body", ".article__text", ".article-text",
    ".article__body", ".article-body", ".news-text", ".news-detail__text", ".detail-text",
    ".news-detail-text", ".entry-content", ".post-content", ".full-text", ".text-content",
    ".news_text", ".article_text", ".content-text", ".js-mediator-article",
)
_LEAD_CLASSES = (
    ".field-name-field-article-lead", ".article__lead", ".article-lead", ".lead", ".anons",
    ".announce", ".news-lead", ".preview-text", ".subtitle", ".article__subtitle",
    "[itemprop=description]",
)
_BYLINE = re.compile(r"^(?:автор|текст|подготовил[аи]?|автор материала)\s*[:—-]\s*(.{3,80})$",
                     re.IGNORECASE)
_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "div", "section",
           "article", "table", "tr", "ul", "ol", "dd", "dt")
_TITLE_SEPARATORS = re.compile(r"\s+(?:[|—–:»/]|-|::)\s+")


class NotArticle(ValueError):
    """The page is not a news article (a listing, a home page, a soft 404): never archived."""


# why a page was refused, as the archive keeps it (`newsmon rejected`): in English, and
# in the user's language only when shown (`rejection`)
ERROR_PAGE = N_("an error page ({title!r})")
NO_HEADLINE = N_("no article headline")
NOT_ARTICLE_TYPE = N_("page declares og:type {kind!r}")
LISTING = N_("the text is mostly links: a listing")
NO_TEXT = N_("no article text found")
TOO_SHORT = N_("article text too short ({n} characters)")
REJECTIONS = (ERROR_PAGE, NO_HEADLINE, NOT_ARTICLE_TYPE, LISTING, NO_TEXT, TOO_SHORT)


def rejection(reason: str) -> str:
    """A refused page's reason, as the archive keeps it, in the user's language."""
    return stored(reason, REJECTIONS)


@dataclass(frozen=True)
class Hints:
    """What discovery knew of a page before it was fetched: a feed item or a sitemap entry.

    `listed` says discovery named the page as an article (a feed or sitemap item, or a URL
    matching the source's `article_url`): such a page is archived even when its text
    cannot be found, marked partial, instead of vanishing."""
    title: str | None = None
    published: datetime | None = None
    author: str | None = None
    summary: str | None = None  # the feed's description, HTML or text
    full_text: str | None = None  # HTML: yandex:full-text, turbo:content, content:encoded
    lastmod: datetime | None = None  # a sitemap's: only for a page that shows no date
    listed: bool = False

    def merged(self, other: Hints) -> Hints:
        """These hints with what `other` adds (a feed item's title and text for a page a
        listing found first); what these already say is kept."""
        return Hints(**{f.name: getattr(self, f.name) or getattr(other, f.name)
                        for f in fields(self)})

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in (
            ("title", self.title), ("author", self.author), ("summary", self.summary),
            ("full_text", self.full_text)) if v}
        for key in ("published", "lastmod"):
            if getattr(self, key):
                out[key] = getattr(self, key).isoformat()
        if self.listed:
            out["listed"] = True
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Hints:
        """Inverse of to_json, lenient: hints stored by an older newsmon must still load."""
        data = data if isinstance(data, dict) else {}
        when: dict[str, datetime | None] = {}
        for key in ("published", "lastmod"):
            try:
                when[key] = datetime.fromisoformat(data[key]) if isinstance(
                    data.get(key), str) else None
            except ValueError:
                when[key] = None
        text = {k: data[k] if isinstance(data.get(k), str) else None
                for k in ("title", "author", "summary", "full_text")}
        return cls(listed=bool(data.get("listed")), **when, **text)


@dataclass(frozen=True)
class Page:
    """The parsed page with what every layer needs, built once per page."""
    soup: BeautifulSoup
    url: str
    tz: Any
    now: datetime
    meta: dict[str, str]
    ld: dict[str, Any]
    micro: Tag | None
    # class name → elements in page order, from one walk: CSS selectors over the whole
    # page (soupsieve) were most of the cleaner's time on large real pages
    classes: dict[str, list[Tag]]
    html: str  # the decoded page, for the fallback extractors


def decode(html: bytes | str, content_type: str | None = None) -> str:
    """HTTP header charset first, then BOM, then <meta charset>, then a guess (w3lib's order)."""
    if isinstance(html, str):
        return html
    encoding, text = html_to_unicode(content_type, html)
    if encoding not in ("utf-8", "utf8") and not html.isascii():
        # Russian text in windows-1251 or KOI8-R is practically never valid UTF-8, so a page
        # that decodes as UTF-8 is UTF-8 whatever a misconfigured server declares
        try:
            return html.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return text


def clean(html: bytes | str, url: str, source: Source | None = None, *,
          fetched: datetime | None = None, content_type: str | None = None,
          hints: Hints | None = None) -> Article:
    """Turn one fetched page into an Article or raise NotArticle.

    With `hints.listed`, only an error page (a soft 404) or a page with no headline at
    all (neither the page nor the hint has one) raises; anything else comes back, marked
    `partial` when its text had to come from the hints."""
    hints = hints or Hints()
    now = fetched or datetime.now(UTC)
    tz = dates.zone(source.timezone if source else DEFAULT_TIMEZONE)
    if is_binary(html):
        html = ""  # an image or an archive served as a page: no text to find in it
    text = decode(html, content_type)
    soup = BeautifulSoup(text, "lxml")
    page = Page(soup=soup, url=url, tz=tz, now=now, meta=_meta(soup), ld=_jsonld(soup, url),
                micro=_microdata(soup, url), classes=_class_index(soup), html=text)
    selectors = source.selectors if source else {}

    title = _title(page, selectors)
    if title and _NOT_ARTICLE_TITLE.search(title) and not (
            hints.title and squash(hints.title) == title):
        raise NotArticle(ERROR_PAGE.format(title=title))
    title = title or squash(hints.title)
    if not title:
        raise NotArticle(NO_HEADLINE)
    published = _date(page, selectors, "published", hints.published) or hints.lastmod \
        or _htmldate(page)
    modified = _date(page, selectors, "modified")
    author = _author(page, selectors) or _clean_author(hints.author)
    section = _section(page, selectors)
    tags = _tags(page, selectors)
    lead = _lead(page, selectors)
    container = _container(page, selectors)
    if not page.ld and page.micro is None:
        # many templates declare og:type "website" on every page: only a page that was not
        # listed as an article is refused for it; a page of links is a listing either way
        if page.meta.get("og:type", "article") != "article" and not hints.listed:
            raise NotArticle(NOT_ARTICLE_TYPE.format(kind=page.meta["og:type"]))
        if container is not None and _link_ratio(container) > 0.25:
            raise NotArticle(LISTING)
    problem = NO_TEXT if container is None else None
    if problem and not hints.title and page.soup.body is not None \
            and _link_ratio(page.soup.body) > 0.5:
        raise NotArticle(LISTING)  # a feed item has a title
    canonical = _canonical(page, source)
    language = _language(page)
    paragraphs = _paragraphs(container, selectors) if container is not None else []
    paragraphs = [p for p in paragraphs if p != title and p != lead and not _date_line(p, page)]
    if paragraphs and _longer_headline(paragraphs[0], title):
        title, paragraphs = paragraphs[0], paragraphs[1:]
    if paragraphs:
        signature = _signature(paragraphs[-1])
        if signature and (author is None or author == signature):
            author = signature
            paragraphs = paragraphs[:-1]
    body = "\n\n".join(paragraphs)
    if problem is None and len(body) < MIN_BODY_CHARS and not (
            len(body) >= MIN_SHORT_BODY and published is not None):
        problem = TOO_SHORT.format(n=len(body))
    full_text = fragment_text(hints.full_text) if hints.full_text else ""
    if len(full_text) >= MIN_BODY_CHARS or (problem and full_text):
        body, problem = full_text, None  # the feed's full text is the article without chrome
    if problem:
        fallback = _trafilatura_body(text, url, title)
        if len(fallback) >= MIN_BODY_CHARS or (
                len(fallback) >= MIN_SHORT_BODY and published is not None):
            body, problem = fallback, None
    partial = False
    if problem:
        if not hints.listed:
            raise NotArticle(problem)
        # listed as an article: keep what is known rather than lose it
        summary = squash(fragment_text(hints.summary)) if hints.summary else ""
        body = body or full_text or summary or (
            squash(_ld_text(page.ld.get("description")) or page.meta.get("description")
                   or page.meta.get("og:description")) or title)
        partial = True
    return Article(
        id=article_id(canonical), url=canonical, source=source.slug if source else None,
        title=title, lead=lead, body=body, published=published,
        modified=modified if modified and modified != published else None, author=author,
        section=section, tags=tags, language=language, fetched=fetched, partial=partial,
    )


def _trafilatura_body(text: str, url: str, title: str) -> str:
    """trafilatura's main-text extraction, the fallback where our layers find no text
    (benchmarks/realpages.py measured it; its other layers are not needed)."""
    import trafilatura  # imported on first use: most pages never need it

    try:
        found = trafilatura.extract(text, url=url, include_comments=False, include_tables=True,
                                    deduplicate=True) or ""
    except Exception:  # a fallback must not cost the article
        return ""
    paragraphs = [squash(p) for p in found.split("\n") if squash(p)]
    return "\n\n".join(p for p in paragraphs if p != title and not _BOILERPLATE_TEXT.match(p))


_OUR_LANGUAGES = ("ru", "uk", "be", "kk", "bg", "sr", "mk")


def _cyrillic(page: Page) -> bool:
    """A page in a language our date reading knows: its lang attribute says so, or, with
    none, its title is written in Cyrillic."""
    html = page.soup.find("html")
    if html is not None and html.get("lang"):
        return _language(page) in _OUR_LANGUAGES
    title = page.soup.title.get_text() if page.soup.title else ""
    return bool(re.search("[а-яё]", title, re.IGNORECASE)) or not title


def _htmldate(page: Page) -> datetime | None:
    """htmldate's reading of the page, for pages whose date none of our layers found
    (dates in other languages' formats, in URLs, in scripts).  Day only, local midnight."""
    import htmldate  # imported on first use

    try:
        found = htmldate.find_date(page.html, extensive_search=False, original_date=True,
                                   url=page.url, max_date=page.now.strftime("%Y-%m-%d"))
    except Exception:
        return None
    if not found:
        return None
    value = dates.parse_iso(found, page.tz)
    return value if value and dates.plausible(value, page.now) else None


def is_binary(html: bytes | str) -> bool:
    """NUL, or many control bytes, near the start: no text encoding of HTML has them (an
    image or an archive served as a page)."""
    head = html[:65536]
    if isinstance(head, str):
        return "\x00" in head
    controls = sum(head.count(bytes([c])) for c in (*range(0, 9), *range(14, 27), *range(28, 32)))
    return b"\x00" in head or controls > len(head) // 20


def _longer_headline(first: str, title: str) -> bool:
    """The text opens with the headline of which <title> gave only the start (pages
    without an h1 set the headline in a table cell or a bold line)."""
    return first.lower().startswith(title.lower()) and len(title) < len(first) < 200 \
        and not first.rstrip().endswith((".", "!", "?", "…")) and first[len(title)] in ":.,—– "


def _date_line(paragraph: str, page: Page) -> bool:
    """A line that only dates the article («09.10.2020 09:51. Просмотрено 861 раз»)."""
    if len(paragraph) > 80 or not dates.find_dates(paragraph, page.tz, page.now):
        return False
    rest = re.sub(r"\d+|январ\w*|феврал\w*|март\w*|апрел\w*|ма[йя]\w*|июн\w*|июл\w*"
                  r"|август\w*|сентябр\w*|октябр\w*|ноябр\w*|декабр\w*|года?|г\.|в\b"
                  r"|сегодня|вчера|просмотр\w*|раз[а]?\b|обновлено|опубликовано|дата"
                  r"|комментари\w*|views?|updated|published|[^\w]", "", paragraph,
                  flags=re.IGNORECASE)
    return len(rest) <= 3


# --- structured data -------------------------------------------------------------------------

def _class_index(soup: BeautifulSoup) -> dict[str, list[Tag]]:
    index: dict[str, list[Tag]] = {}
    for tag in soup.find_all(class_=True):
        for name in tag.get("class", []):
            index.setdefault(name, []).append(tag)
    return index


def _with_class(page: Page, *names: str, containing: str | None = None) -> list[Tag]:
    """Elements having one of `names` (or a class containing `containing`), page order."""
    found = [t for n in names for t in page.classes.get(n, [])]
    if containing:
        found += [t for n, tags in page.classes.items() if containing in n for t in tags]
    seen: set[int] = set()
    unique = [t for t in found if not (id(t) in seen or seen.add(id(t)))]
    order = {id(t): i for i, t in enumerate(page.soup.find_all(True))} if len(unique) > 1 else {}
    return sorted(unique, key=lambda t: order.get(id(t), 0))


def _meta(soup: BeautifulSoup) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        content = tag.get("content")
        if isinstance(key, str) and isinstance(content, str) and content.strip():
            found.setdefault(key.strip().lower(), content.strip())
    return found


def _jsonld(soup: BeautifulSoup, url: str) -> dict[str, Any]:
    """The JSON-LD object that describes this article (several blocks and @graph allowed)."""
    candidates: list[dict[str, Any]] = []
    for script in soup.find_all("script", type=re.compile(r"ld\+json", re.I)):
        raw = script.string or script.get_text() or ""
        try:
            data = json.loads(raw)
        except ValueError:
            try:
                data = json.loads(re.sub(r"[\x00-\x1f]", " ", raw))
            except ValueError:
                continue
        candidates.extend(_flatten_ld(data))
    articles = [c for c in candidates if _ld_types(c) & _ARTICLE_TYPES]
    if not articles:
        return {}
    target = url.rstrip("/")
    for item in articles:
        entity = item.get("mainEntityOfPage")
        ids = [item.get("url"), entity.get("@id") if isinstance(entity, dict) else entity]
        if any(isinstance(i, str) and i.rstrip("/") == target for i in ids):
            return item
    return max(articles, key=lambda i: len(str(i.get("articleBody", ""))) + 1
               if i.get("headline") else 0)


def _flatten_ld(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return [item for part in data for item in _flatten_ld(part)]
    if not isinstance(data, dict):
        return []
    found = [data]
    if isinstance(data.get("@graph"), list):
        found += _flatten_ld(data["@graph"])
    return found


def _ld_types(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type", [])
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _ld_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    return squash(value) or None if isinstance(value, str) else None


def _microdata(soup: BeautifulSoup, url: str) -> Tag | None:
    """The main schema.org article among teaser blocks of the same type.

    In order: the block whose url is this page's, the one holding the h1, the one whose
    headline the page's <title> names, then the first one with a body of its own (pages
    put the article before «other news»; a teaser can carry a longer text)."""
    blocks = [t for t in soup.find_all(itemtype=True)
              if str(t.get("itemtype")).rstrip("/").rsplit("/", 1)[-1].lower() in _ARTICLE_TYPES]
    if len(blocks) <= 1:
        return blocks[0] if blocks else None
    target = url.split("#")[0].rstrip("/")
    page_title = squash(soup.title.get_text() if soup.title else "").lower()

    def own(block: Tag, prop: str) -> Tag | None:
        for tag in block.find_all(itemprop=prop):
            if tag.find_parent(itemtype=True) is block:
                return tag
        return None

    def weight(position: int, block: Tag) -> tuple[bool, bool, bool, bool, int]:
        link = own(block, "url") or own(block, "mainEntityOfPage")
        href = str(_prop_value(link)).split("#")[0].rstrip("/") if link is not None else ""
        headline = own(block, "headline")
        name = squash(headline.get_text(" ")).lower() if headline is not None else ""
        body = own(block, "articleBody")
        return (bool(href) and (href == target or target.endswith(href)),
                block.find("h1") is not None,
                len(name) >= 10 and name in page_title,
                body is not None and len(body.get_text()) > MIN_BODY_CHARS,
                -position)

    return max(enumerate(blocks), key=lambda pair: weight(*pair))[1]


def _micro_prop(page: Page, prop: str) -> Tag | None:
    if page.micro is None:
        return None
    for tag in page.micro.find_all(itemprop=prop):
        # a property of a nested teaser belongs to the teaser, not to this article
        owner = tag.find_parent(itemscope=True)
        if owner is page.micro or owner is None or (tag.has_attr("itemscope") and
                                                    tag.find_parent(itemscope=True) is page.micro):
            return tag
    return None


def _prop_value(tag: Tag) -> str:
    for attr in ("content", "datetime", "href"):
        if isinstance(tag.get(attr), str):
            return tag[attr]
    return tag.get_text(" ")


# --- fields ---------------------------------------------------------------------------------

def _select_text(page: Page, selector: str | None) -> str | None:
    if not selector:
        return None
    tag = page.soup.select_one(selector)
    if tag is None:
        return None
    return squash(_prop_value(tag)) or None


def _title(page: Page, selectors: dict[str, str]) -> str:
    chosen = _select_text(page, selectors.get("title"))
    if chosen:
        return chosen
    micro = _micro_prop(page, "headline")
    if micro is not None and squash(micro.get_text()):
        return squash(micro.get_text())
    site = squash(page.meta.get("og:site_name")).lower()
    headlines = []
    for h1 in page.soup.find_all("h1"):
        text = squash(h1.get_text(" "))
        if len(text) < 10 or text.lower() == site or _site_chrome(h1):
            continue  # the site's logo set as h1, not the article's headline
        inside = h1.find_parent(["article", "main"]) is not None
        headlines.append((not inside, text))
    if headlines:
        return min(headlines, key=lambda item: item[0])[1]
    for candidate in (_ld_text(page.ld.get("headline")), page.meta.get("og:title"),
                      page.meta.get("twitter:title"),
                      page.soup.title.get_text() if page.soup.title else None):
        if candidate and squash(candidate):
            return _strip_site_name(squash(candidate), page.meta.get("og:site_name"))
    return ""


def _site_chrome(tag: Tag) -> bool:
    for node in [tag, *tag.parents]:
        if not isinstance(node, Tag):
            continue
        if node.name in ("header", "nav") and node.find_parent(["article", "main"]) is None:
            return True
        classes = " ".join(node.get("class", [])) + " " + str(node.get("id", ""))
        if re.search(r"site-title|site-name|logo|masthead|branding", classes, re.I):
            return True
    return False


def _site_name(page: Page) -> str:
    return squash(page.meta.get("og:site_name") or page.meta.get("application-name")).lower()


def _strip_site_name(title: str, site_name: str | None) -> str:
    """«Заголовок | Сайт» → «Заголовок»: the site name is noise in every search hit."""
    if site_name:
        for part in (site_name, squash(site_name)):
            for sep in (" | ", " - ", " — ", " – ", " :: ", " / ", ": "):
                if title.endswith(sep + part):
                    return title[: -len(sep + part)].strip()
                if title.startswith(part + sep):
                    return title[len(part + sep):].strip()
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) > 1:
        longest = max(parts, key=len)
        if len(longest) >= 0.6 * len(title) - 10:
            return longest.strip()
    return title


def _date(page: Page, selectors: dict[str, str], kind: str,
          hint: datetime | None = None) -> datetime | None:
    ld_key, meta_keys, micro_key = {
        "published": ("datePublished", ("article:published_time", "datepublished",
                                        "pubdate", "publish-date", "date"), "datePublished"),
        "modified": ("dateModified", ("article:modified_time", "og:updated_time",
                                      "datemodified"), "dateModified"),
    }[kind]
    raw_values: list[str | None] = []
    if selectors.get(kind):
        tag = page.soup.select_one(selectors[kind])
        if tag is not None:
            raw_values.append(_prop_value(tag))
            raw_values.append(tag.get_text(" "))
    raw_values.append(_ld_text(page.ld.get(ld_key)))
    micro = _micro_prop(page, micro_key)
    if micro is not None:
        raw_values.append(_prop_value(micro))
    raw_values.extend(page.meta.get(k) for k in meta_keys)
    for raw in raw_values:
        if raw:
            value = dates.parse_iso(raw, page.tz) or dates.parse_text(raw, page.tz, page.now)
            if value and dates.plausible(value, page.now):
                return value
    if kind == "modified":
        return None
    hint = hint if hint and dates.plausible(hint, page.now) else None
    # our reading of date text knows how Russian pages write dates; elsewhere htmldate's
    # reading of the page is the better one (benchmarks/realpages.py)
    visible = _visible_date(page) if _cyrillic(page) else _htmldate(page)
    if hint is None:
        return visible
    if visible is None or abs(visible - hint) > HINT_DATE_TOLERANCE:
        return hint  # the feed's own date beats a date read from the page's text
    if (visible.hour, visible.minute) == (0, 0) and visible.date() == hint.astimezone(
            page.tz).date():
        return hint  # same day; the feed also knows the time
    return visible


def _visible_date(page: Page) -> datetime | None:
    """The date written nearest the headline: a <time>, an element classed as a date, or
    date text, above the headline (the Volgogradskaya Pravda shape), under it or after
    the body.  Never a teaser's, a comment's, or the page header's «today»."""
    h1 = page.soup.find("h1")
    region = _article_region(page, h1)
    if region is None:
        return None
    local_today = page.now.astimezone(page.tz).date()
    near = h1.parent if h1 is not None and h1.parent is not None else region
    offsets: dict[int, int] = {}
    position = 0
    for string in region.find_all(string=True):
        offsets[id(string)] = position
        position += len(string)

    def where(tag: Tag) -> int | None:
        first = tag if isinstance(tag, NavigableString) else tag.find(string=True)
        return offsets.get(id(first)) if first is not None else None

    anchor = where(h1) if h1 is not None else 0
    anchor = anchor or 0
    candidates: list[tuple[int, datetime]] = []

    def consider(tag: Tag, value: datetime | None, penalty: int) -> None:
        at = where(tag)
        if value is None or at is None or not dates.plausible(value, page.now):
            return
        if value.date() == local_today and not _inside(tag, near):
            return  # the header's «today», not the article's date
        candidates.append((abs(at - anchor) + penalty, value))

    first = region.find("article")
    for time_tag in region.find_all("time"):
        if not _in_noise(time_tag, region, first):
            consider(time_tag, dates.parse_iso(str(time_tag.get("datetime") or ""), page.tz)
                     or dates.parse_text(time_tag.get_text(" "), page.tz, page.now), 0)
    for tag in region.find_all(class_=re.compile(r"date|time|publish|meta|info", re.I)):
        if len(tag.get_text()) < 200 and not _in_noise(tag, region, first):
            consider(tag, dates.parse_text(squash(tag.get_text(" ")), page.tz, page.now), 100)
    if not candidates:
        for string in region.find_all(string=True):
            parent = string.parent
            if parent is None or parent.name in ("script", "style") \
                    or _in_noise(parent, region, first):
                continue
            text = squash(string)
            if len(text) >= 6 and any(ch.isdigit() for ch in text):
                consider(string, dates.parse_text(text, page.tz, page.now), 300)
    return min(candidates, key=lambda pair: pair[0])[1] if candidates else None


def _inside(tag: Tag | NavigableString, scope: Tag) -> bool:
    return any(parent is scope for parent in tag.parents)


def _article_region(page: Page, h1: Tag | None) -> Tag | None:
    if page.micro is not None:
        return page.micro
    if h1 is not None:
        for parent in h1.parents:
            if parent.name in ("article", "main") or len(parent.get_text()) > 500:
                return parent
    return page.soup.find("article") or page.soup.body


_NOISE = re.compile(r"comment|teaser|related|recommend|more-news|sidebar|next-article"
                    r"|infinite|header", re.I)


def _in_noise(tag: Tag, region: Tag, first_article: Tag | None = None) -> bool:
    """Inside a teaser, a comment or a nested article (infinite scroll) within the region;
    `first_article`, the region's first <article>, saves a search per call."""
    for parent in [tag, *tag.parents]:
        if parent is region or parent is None:
            return False
        if not isinstance(parent, Tag):
            continue
        classes = " ".join(parent.get("class", [])) + " " + str(parent.get("id", ""))
        if parent.name in ("aside", "nav", "footer") or (classes.strip() and
                                                          _NOISE.search(classes)):
            return True
        if parent.name == "article":
            if first_article is None:
                first_article = region.find("article")
            if parent is not first_article:
                return True
    return False


def _author(page: Page, selectors: dict[str, str]) -> str | None:
    """Layers: selector, JSON-LD, microdata, meta, an `itemprop=author` or `rel=author`
    anywhere in the article, then an author/byline element or «Автор: …» text."""
    chosen = _select_text(page, selectors.get("author"))
    if chosen:
        return _clean_author(_byline_name(chosen))
    author = page.ld.get("author")
    for item in author if isinstance(author, list) else [author]:
        if isinstance(item, dict) and "organization" not in _ld_types(item):
            name = _clean_author(_ld_text(item.get("name")))
            if name:
                return name
        elif isinstance(item, str) and _clean_author(item):
            return _clean_author(item)
    micro = _micro_prop(page, "author")
    region = _article_region(page, page.soup.find("h1"))
    if micro is None and region is not None:
        micro = region.find(itemprop="author") or region.find("a", rel="author")
    if micro is not None and "organization" not in str(micro.get("itemtype", "")).lower():
        name_tag = micro.find(itemprop="name")
        name = _clean_author(_byline_name(squash(
            _prop_value(name_tag) if name_tag else micro.get("content") or micro.get_text(" "))))
        if name and squash(name).lower() != _site_name(page):
            return name
    meta = page.meta.get("author") or page.meta.get("article:author")
    if meta and not meta.startswith("http") and squash(meta).lower() != _site_name(page):
        return _clean_author(meta)  # a site name given as author is the organization
    if region is not None:
        for tag in region.find_all(class_=re.compile(r"author|byline", re.I)):
            name = _clean_author(_byline_name(squash(tag.get_text(" "))))
            if name and len(name) <= 80:
                return name
        for string in region.find_all(string=_BYLINE):
            match = _BYLINE.match(squash(string))
            if match:
                return match.group(1).strip()
    return None


# what bylines hold that is not a person: a link, a site's name, an account
_NOT_A_PERSON = re.compile(
    r"^(?:/|https?:|www\.)|^[\w.-]+\.(?:ru|su|kz|by|ua|com|net|org|info|рф)$"
    r"|^(?:гость|guest|admin|administrator|администратор|редакция|редактор|editor|staff"
    r"|пресс-служба|unknown|anonymous|аноним)$", re.IGNORECASE)


def _clean_author(name: str | None) -> str | None:
    """A person's name as a byline gives it: no «Автор:», no e-mail, no trailing credits."""
    name = squash(name)
    if not name:
        return None
    name = re.sub(r"^[\w.+-]+@[\w.-]+\s*\((.+)\)$", r"\1", name)  # RSS: mail (Name)
    if "@" in name and " " not in name:
        return None
    if _NOT_A_PERSON.search(name):
        return None
    name = re.sub(r"^(?:автор|текст|by)\s*[:—-]?\s+", "", name, flags=re.IGNORECASE)
    name = re.split(r"\s+[·|]\s+|\s*(?:,\s*)?фото\b", name, maxsplit=1,
                    flags=re.IGNORECASE)[0]
    return name.strip(" ,;.") or None


def _byline_name(text: str) -> str:
    match = _BYLINE.match(text)
    return match.group(1).strip() if match else text


_NAME = r"(?:[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?|[А-ЯЁ]\.(?:\s?[А-ЯЁ]\.)?)"
_SIGNATURE = re.compile(
    rf"^(?P<name>{_NAME}(?:\s+{_NAME}){{1,2}})"
    r"(?:\s*(?:,|—|-)\s*(?:«[^»]{2,40}»|\"[^\"]{2,40}\"|(?:специально\s+для|фото|корр"
    r"|корреспондент|обозреватель|редакция|наш)[^.!?]{0,40}))?\.?$")


def _signature(paragraph: str) -> str | None:
    """A last paragraph that is only a name («Ирина Петрова», «Елена Смирнова, «Районные
    вести»») is the author's signature."""
    match = _BYLINE.match(paragraph)
    if match:
        return match.group(1).strip()
    match = _SIGNATURE.match(paragraph)
    if match and len(match.group("name").split()) <= 3:
        return match.group("name")
    return None


def _section(page: Page, selectors: dict[str, str]) -> str | None:
    chosen = _select_text(page, selectors.get("section"))
    if chosen:
        return chosen
    value = _ld_text(page.ld.get("articleSection"))
    if value:
        return value
    micro = _micro_prop(page, "articleSection")
    if micro is not None and squash(_prop_value(micro)):
        return squash(_prop_value(micro))
    if page.meta.get("article:section"):
        return page.meta["article:section"]
    category = page.soup.find("a", rel="category")
    if category is None:
        for tag in _with_class(page, "cat-links", "post-category", "category-link",
                               containing="rubric"):
            category = tag if tag.name == "a" or tag.find("a") is None else tag.find("a")
            if squash(category.get_text(" ")):
                break
    if category is not None and squash(category.get_text(" ")):
        return squash(category.get_text(" "))
    crumbs = [a for t in _with_class(page, "breadcrumb", "breadcrumbs") for a in t.find_all("a")]
    for trail in page.soup.find_all(itemtype=re.compile("BreadcrumbList")):
        crumbs += trail.find_all(itemprop="name")
    names = [squash(c.get_text(" ")) for c in crumbs if squash(c.get_text(" "))]
    names = [n for n in names if n.lower() not in ("главная", "home", "новости")] or names
    return names[-1] if names else None


def _tags(page: Page, selectors: dict[str, str]) -> tuple[str, ...]:
    found: list[str] = []
    if selectors.get("tags"):
        found = [squash(t.get_text(" ")) for t in page.soup.select(selectors["tags"])]
    if not found:
        found = [v for k, v in _all_meta(page.soup, "article:tag")]
    if not found:
        keywords = page.ld.get("keywords")
        if isinstance(keywords, str):
            found = keywords.split(",")
        elif isinstance(keywords, list):
            found = [k for k in keywords if isinstance(k, str)]
    if not found:
        found = [a.get_text(" ") for t in _with_class(
            page, "tags", "article-tags", "news-tags", "field-name-field-tags")
            for a in t.find_all("a")] or [t.get_text(" ") for t in page.soup.find_all("a", rel=True)
                if t.get("rel") == ["tag"]]  # not WordPress's rel="category tag"
    unique: list[str] = []
    for tag in (squash(t) for t in found):
        if tag and tag.lower() not in (u.lower() for u in unique):
            unique.append(tag)
    return tuple(unique)


def _all_meta(soup: BeautifulSoup, key: str) -> list[tuple[str, str]]:
    return [(key, squash(t["content"])) for t in soup.find_all("meta", property=key)
            if t.get("content")]


def _lead(page: Page, selectors: dict[str, str]) -> str | None:
    chosen = _select_text(page, selectors.get("lead"))
    if chosen:
        return chosen
    region = page.micro or page.soup
    for tag in _by_priority(region, _LEAD_CLASSES, page.classes if region is page.soup else None):
        if tag.name != "meta":
            text = squash(tag.get_text(" "))
            if 20 <= len(text) <= 1000:
                return text
    return None


def _by_priority(scope: Tag, selectors: tuple[str, ...],
                 classes: dict[str, list[Tag]] | None = None) -> Iterator[Tag]:
    """The first element for each selector, in the selectors' order of preference.

    Class selectors are answered from one walk over the tree (or the page's class index,
    `classes`) instead of one walk each (repeated select_one calls were most of the time)."""
    first: dict[str, Tag] = {}
    if classes is not None:
        first = {name: tags[0] for name, tags in classes.items()}
    else:
        for tag in scope.find_all(class_=True):
            for name in tag.get("class", []):
                first.setdefault(name, tag)
    for selector in selectors:
        if selector.startswith(".") and selector[1:].replace("-", "").replace("_", "").isalnum():
            tag = first.get(selector[1:])
        elif selector.startswith("[itemprop="):
            tag = scope.find(itemprop=selector[len("[itemprop="):-1])
        else:
            tag = scope.select_one(selector)
        if tag is not None:
            yield tag


def _language(page: Page) -> str:
    html = page.soup.find("html")
    lang = html.get("lang") if html else None
    return str(lang).split("-")[0].lower() if lang else "ru"


def _canonical(page: Page, source: Source | None) -> str:
    """rel=canonical when it is an http(s) URL on the source's own hosts, else the fetched URL."""
    link = page.soup.find("link", rel="canonical")
    href = link.get("href") if link else None
    if not href:
        href = page.meta.get("og:url")
    if isinstance(href, str) and href.strip():
        absolute = urljoin(page.url, href.strip())
        parts = urlsplit(absolute)
        allowed = source.domains if source else (urlsplit(page.url).hostname,)
        if parts.scheme in ("http", "https") and parts.hostname in allowed:
            return absolute
    return page.url


def fragment_text(html: str) -> str:
    """Paragraphs of an HTML fragment, e.g. a feed's yandex:full-text, cleaned like a body."""
    soup = BeautifulSoup(f"<div>{html}</div>", "lxml")
    return "\n\n".join(_paragraphs(soup.div, {}))


# --- body -----------------------------------------------------------------------------------

def _container(page: Page, selectors: dict[str, str]) -> Tag | None:
    if selectors.get("body"):
        tag = page.soup.select_one(selectors["body"])
        if tag is not None:
            return tag
    body = _micro_prop(page, "articleBody")
    if body is not None and len(body.get_text()) > MIN_BODY_CHARS:
        return body
    for tag in _by_priority(page.micro or page.soup, _BODY_CLASSES,
                            None if page.micro else page.classes):
        if len(tag.get_text()) > MIN_BODY_CHARS:
            return tag
    return _densest(page.soup)


_TEXT_BLOCKS = ("p", "div", "td", "li", "dd", "blockquote", "section", "article", "span",
                "font", "center", "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_TRANSPARENT = ("tr", "tbody", "thead", "tfoot")  # a table's rows are one container's lines


def _densest(soup: BeautifulSoup) -> Tag | None:
    """The element holding the article's text blocks: a small readability.

    A text block is an element's own text of 40+ characters (a <p>, a <div> or a table cell
    holding text, text between <br>s), scored by its non-link length; it scores its parent
    fully and the grandparent by half.  From the best element we widen to an ancestor
    while that adds text blocks of plain prose (page builders put each paragraph in a
    widget of its own), and stop where the added text is mostly links (teasers, menus).
    One walk over the page's strings finds each string's block and whether a link holds
    it (walking each block's own strings again was quadratic on large pages)."""
    own: dict[int, list] = {}  # block id → [block, text length, link text length]
    for string in soup.find_all(string=True):
        node, linked = string.parent, False
        if node is None or node.name in ("script", "style", "noscript", "template"):
            continue
        while node is not None and node.name not in _TEXT_BLOCKS and node.name != "body":
            linked = linked or node.name == "a"
            node = node.parent
        length = len(string.strip())
        if node is None or node.name == "body" or not length:
            continue
        entry = own.setdefault(id(node), [node, 0, 0])
        entry[1] += length + 1
        entry[2] += length if linked else 0
    noise: dict[int, bool] = {}
    blocks = [(b, n, ln) for b, n, ln in own.values()
              if n >= 40 and b.name not in _HEADINGS and not _noisy(b, noise)]
    scores: dict[int, tuple[float, Tag]] = {}
    for block, length, links in blocks:
        parent = _container_of(block)
        if parent is None or _noisy(parent, noise):
            continue
        score = length - 2 * links
        if score <= 0:
            continue
        for weight, node in ((1.0, parent), (0.5, _container_of(parent))):
            if node is None:
                continue
            previous = scores.get(id(node), (0.0, node))[0]
            scores[id(node)] = (previous + weight * score, node)
    if not scores:
        return None
    best = max(scores.values(), key=lambda pair: pair[0])[1]
    totals: dict[int, list[float]] = {}  # element id → [prose, links] of the blocks under it
    for block, length, links in blocks:
        for node in [block, *block.parents]:
            entry = totals.setdefault(id(node), [0.0, 0.0])
            entry[0] += length
            entry[1] += links
    return _widen(best, totals, noise)


def _noisy(tag: Tag, cache: dict[int, bool]) -> bool:
    """_noise_class, remembered per element for one page."""
    key = id(tag)
    if key not in cache:
        cache[key] = _noise_class(tag)
    return cache[key]


def _container_of(tag: Tag) -> Tag | None:
    parent = tag.parent
    while parent is not None and parent.name in _TRANSPARENT:
        parent = parent.parent
    return parent if isinstance(parent, Tag) and parent.name not in ("[document]", "html") \
        else None


def _widen(best: Tag, totals: dict[int, list[float]], noise: dict[int, bool]) -> Tag:
    text, links = totals.get(id(best), (0.0, 0.0))
    current = node = best
    for _ in range(6):
        node = node.parent
        if not isinstance(node, Tag) or node.name in ("body", "html", "[document]") \
                or _noisy(node, noise):
            break
        if len(node.find_all("h1", limit=2)) > max(1, len(current.find_all("h1", limit=2))):
            break  # a second article (infinite scroll) begins here
        wider_text, wider_links = totals.get(id(node), (0.0, 0.0))
        added, added_links = wider_text - text, wider_links - links
        if added_links > 0.3 * max(added, 1) and added_links > 80:
            break  # teasers or a menu begin here
        if added >= 0.15 * text:
            current, text, links = node, wider_text, wider_links
        # else a wrapper that adds nothing of substance: look one level further up
    return current


def _prose(tag: Tag) -> bool:
    """Holds a paragraph of running text (not a date line, a caption or a link list)."""
    text = squash(tag.get_text(" "))
    return len(text) >= 100 and _link_ratio(tag) < 0.2 and text.count(" ") >= 12


def _link_ratio(container: Tag) -> float:
    text = len(squash(container.get_text(" "))) or 1
    return sum(len(squash(a.get_text(" "))) for a in container.find_all("a")) / text


def _noise_class(tag: Tag) -> bool:
    for node in [tag, *tag.parents]:
        if not isinstance(node, Tag):
            continue
        if node.name in ("aside", "nav", "footer", "header"):
            return True
        classes = " ".join(node.get("class", [])) + " " + str(node.get("id", ""))
        if re.search(r"comment|teaser|related|sidebar|footer|menu", classes, re.I):
            return True
    return False


def _paragraphs(container: Tag, selectors: dict[str, str]) -> list[str]:
    """The container's text blocks without boilerplate, each once, in page order."""
    root = container  # cleaned in place: clean() reads nothing from the page after this
    if selectors.get("remove"):
        for tag in root.select(selectors["remove"]):
            tag.decompose()
    for tag in root.find_all(_DROP_TAGS):
        if not tag.decomposed:
            tag.decompose()
    for tag in root.find_all(True):
        if tag.decomposed or tag is root:
            continue
        classes = " ".join(tag.get("class", [])) + " " + str(tag.get("id", ""))
        boilerplate_class = tag.name != "p" and (_BOILERPLATE.search(classes) or (
            _WEAK_BOILERPLATE.search(classes) and not _prose(tag)))
        boilerplate_text = tag.name in ("div", "p", "section", "strong", "b", "span") \
            and _BOILERPLATE_TEXT.match(tag.get_text(" ")) and len(tag.get_text()) < 600
        if boilerplate_class or boilerplate_text:
            tag.decompose()
        elif tag.name == "article" and tag.find("h1"):
            tag.decompose()  # a second article appended by infinite scroll
    for br in root.find_all("br"):
        br.replace_with("\n\n")
    for row in root.find_all("tr"):  # a table row reads as one line of cells
        for cell in row.find_all(["td", "th"], recursive=False)[1:]:
            cell.insert_before(" | ")
    for tag in root.find_all(_BLOCKS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    seen: set[str] = set()
    paragraphs: list[str] = []
    for chunk in re.split(r"\n\s*\n", root.get_text()):
        text = squash(chunk)
        if not text or _BOILERPLATE_TEXT.match(text) or text.lower() in seen:
            continue
        seen.add(text.lower())
        paragraphs.append(text)
    # a pull-quote repeats a sentence of another paragraph: keep the sentence once
    return [p for p in paragraphs
            if len(p) < 40 or not any(p != q and p in q for q in paragraphs)]
