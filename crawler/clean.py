"""HTML page → Article, as a pure function.

Metadata comes in layers, most trustworthy first: the source's own selectors
(set only where generic extraction is known to fail), JSON-LD, microdata,
OpenGraph/meta, `<time>`, then Russian date text near the headline.  The body
is the article container's paragraphs with boilerplate removed.  No I/O here:
the crawler, `newsmon extract` and the golden tests all call the same code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from w3lib.encoding import html_to_unicode

from crawler import dates
from crawler.article import Article, article_id
from crawler.config import DEFAULT_TIMEZONE, Source
from crawler.text import squash

MIN_BODY_CHARS = 200
_ARTICLE_TYPES = {"newsarticle", "article", "blogposting", "reportagenewsarticle",
                  "analysisnewsarticle", "report", "scholarlyarticle", "backgroundnewsarticle"}
_NOT_ARTICLE_TITLE = re.compile(r"\b404\b|страница не найдена|page not found|ошибка 404",
                                re.IGNORECASE)
_DROP_TAGS = ("script", "style", "noscript", "iframe", "form", "nav", "aside", "footer",
              "figure", "figcaption", "button", "svg", "template", "select", "input", "object",
              "embed", "video", "audio", "picture", "img", "header")
_BOILERPLATE = re.compile(
    r"share|social|related|comment|banner|advert|\bads?\b|adv-|promo|subscri|breadcrumb"
    r"|\btags?\b|tags-|readmore|read-more|read-also|also-|recommend|sidebar|teaser|widget"
    r"|caption|credit|copyright|\bprint\b|rating|poll|navigation|pager|pagination"
    r"|\bmeta\b|article-meta|byline|author|date|\btime\b|infinite|next-article|more-news",
    re.IGNORECASE,
)
_BOILERPLATE_TEXT = re.compile(
    r"^\s*(читайте\s+(также|нас|ещ[её])|смотрите\s+также|подписывайтесь|подпишитесь"
    r"|реклама\b|источник\s+фото|фото\s*:|фото\s+предоставлено|©|\(c\)|материалы\s+по\s+теме"
    r"|новости\s+по\s+теме|поделиться|комментарии\b|теги\s*:|метки\s*:)",
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
          fetched: datetime | None = None, content_type: str | None = None) -> Article:
    """Turn one fetched page into an Article or raise NotArticle."""
    now = fetched or datetime.now(UTC)
    tz = dates.zone(source.timezone if source else DEFAULT_TIMEZONE)
    soup = BeautifulSoup(decode(html, content_type), "lxml")
    page = Page(soup=soup, url=url, tz=tz, now=now, meta=_meta(soup), ld=_jsonld(soup, url),
                micro=_microdata(soup))
    selectors = source.selectors if source else {}

    title = _title(page, selectors)
    if not title or _NOT_ARTICLE_TITLE.search(title):
        raise NotArticle(f"no article headline ({title or 'none'!r})")
    published = _date(page, selectors, "published")
    modified = _date(page, selectors, "modified")
    author = _author(page, selectors)
    section = _section(page, selectors)
    tags = _tags(page, selectors)
    lead = _lead(page, selectors)
    container = _container(page, selectors)
    if container is None:
        raise NotArticle("no article text found")
    if not page.ld and page.micro is None:
        if page.meta.get("og:type", "article") != "article":
            raise NotArticle(f"page declares og:type {page.meta['og:type']!r}")
        if _link_ratio(container) > 0.25:
            raise NotArticle("the text is mostly links: a listing")
    canonical = _canonical(page, source)
    language = _language(page)
    paragraphs = _paragraphs(container, selectors)
    paragraphs = [p for p in paragraphs if p != title and p != lead]
    if paragraphs:
        signature = _signature(paragraphs[-1])
        if signature and (author is None or author == signature):
            author = signature
            paragraphs = paragraphs[:-1]
    body = "\n\n".join(paragraphs)
    if len(body) < MIN_BODY_CHARS:
        raise NotArticle(f"article text too short ({len(body)} characters)")
    return Article(
        id=article_id(canonical), url=canonical, source=source.slug if source else None,
        title=title, lead=lead, body=body, published=published,
        modified=modified if modified and modified != published else None, author=author,
        section=section, tags=tags, language=language, fetched=fetched,
    )


# --- structured data -------------------------------------------------------------------------

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


def _microdata(soup: BeautifulSoup) -> Tag | None:
    """The main schema.org article: the one holding the headline h1 or the longest body."""
    blocks = [t for t in soup.find_all(itemtype=True)
              if str(t.get("itemtype")).rstrip("/").rsplit("/", 1)[-1].lower() in _ARTICLE_TYPES]
    if not blocks:
        return None

    def weight(block: Tag) -> int:
        body = block.find(itemprop="articleBody")
        return (10**6 if block.find("h1") else 0) + (len(body.get_text()) if body else 0)

    return max(blocks, key=weight)


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


def _date(page: Page, selectors: dict[str, str], kind: str) -> datetime | None:
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
    return _visible_date(page)


def _visible_date(page: Page) -> datetime | None:
    """<time> or date text near the headline; never the header's «today» or a teaser's date."""
    h1 = page.soup.find("h1")
    region = _article_region(page, h1)
    if region is None:
        return None
    for time_tag in region.find_all("time"):
        if _in_noise(time_tag, region):
            continue
        value = dates.parse_iso(str(time_tag.get("datetime") or ""), page.tz) or \
            dates.parse_text(time_tag.get_text(" "), page.tz, page.now)
        if value and dates.plausible(value, page.now):
            return value
    dated = [t for t in region.find_all(class_=re.compile(r"date|time|publish|meta|info", re.I))
             if not _in_noise(t, region)]
    for tag in dated:
        value = dates.parse_text(squash(tag.get_text(" ")), page.tz, page.now)
        if value:
            return value
    texts = [s for s in region.find_all(string=True) if not _in_noise(s.parent, region)
             and s.parent.name not in ("script", "style")]
    return dates.parse_text(squash(" ".join(texts)), page.tz, page.now)


def _article_region(page: Page, h1: Tag | None) -> Tag | None:
    if page.micro is not None:
        return page.micro
    if h1 is not None:
        for parent in h1.parents:
            if parent.name in ("article", "main") or len(parent.get_text()) > 500:
                return parent
    return page.soup.find("article") or page.soup.body


def _in_noise(tag: Tag, region: Tag) -> bool:
    """Inside a teaser, a comment or a nested article (infinite scroll) within the region."""
    for parent in [tag, *tag.parents]:
        if parent is region or parent is None:
            return False
        if not isinstance(parent, Tag):
            continue
        classes = " ".join(parent.get("class", [])) + " " + str(parent.get("id", ""))
        if re.search(r"comment|teaser|related|recommend|more-news|sidebar|widget|"
                     r"next-article|infinite|header", classes, re.I) \
                or parent.name in ("aside", "nav", "footer") \
                or (parent.name == "article" and parent is not region
                    and region.find("article") is not parent):
            return True
    return False


def _author(page: Page, selectors: dict[str, str]) -> str | None:
    chosen = _select_text(page, selectors.get("author"))
    if chosen:
        return _byline_name(chosen)
    author = page.ld.get("author")
    for item in author if isinstance(author, list) else [author]:
        if isinstance(item, dict) and "organization" not in _ld_types(item):
            name = _ld_text(item.get("name"))
            if name:
                return name
        elif isinstance(item, str) and squash(item):
            return squash(item)
    micro = _micro_prop(page, "author")
    if micro is not None:
        name_tag = micro.find(itemprop="name")
        if "organization" not in str(micro.get("itemtype", "")).lower():
            name = squash(_prop_value(name_tag) if name_tag else micro.get_text(" "))
            if name:
                return _byline_name(name)
    meta = page.meta.get("author") or page.meta.get("article:author")
    if meta and not meta.startswith("http") and squash(meta).lower() != _site_name(page):
        return meta  # a site name given as author is the organization, not a person
    region = _article_region(page, page.soup.find("h1"))
    if region is not None:
        for tag in region.find_all(class_=re.compile(r"author|byline", re.I)):
            name = squash(tag.get_text(" "))
            if name and len(name) <= 80:
                return _byline_name(name)
        for string in region.find_all(string=_BYLINE):
            match = _BYLINE.match(squash(string))
            if match:
                return match.group(1).strip()
    return None


def _byline_name(text: str) -> str:
    match = _BYLINE.match(text)
    return match.group(1).strip() if match else text


def _signature(paragraph: str) -> str | None:
    """A last paragraph that is only a name («Ирина Петрова») is the author's signature."""
    match = _BYLINE.match(paragraph)
    if match:
        return match.group(1).strip()
    words = paragraph.split()
    if 2 <= len(words) <= 3 and all(re.fullmatch(r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?|[А-ЯЁ]\.",
                                                 w) for w in words):
        return paragraph
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
    category = page.soup.select_one("a[rel~=category], .cat-links a, .article__rubric")
    if category is not None and squash(category.get_text(" ")):
        return squash(category.get_text(" "))
    crumbs = page.soup.select("nav.breadcrumb a, .breadcrumb a, .breadcrumbs a, "
                              "[itemtype*=BreadcrumbList] [itemprop=name]")
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
        found = [t.get_text(" ") for t in page.soup.select(
            ".tags a, .article-tags a, .news-tags a, [rel=tag], .field-name-field-tags a")]
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
    for tag in _by_priority(region, _LEAD_CLASSES):
        if tag.name != "meta":
            text = squash(tag.get_text(" "))
            if 20 <= len(text) <= 1000:
                return text
    return None


def _by_priority(scope: Tag, selectors: tuple[str, ...]) -> Iterator[Tag]:
    """The first element for each selector, in the selectors' order of preference.

    Class selectors are answered from one walk over the tree instead of one walk each
    (most of the cleaner's time went to repeated select_one calls)."""
    first: dict[str, Tag] = {}
    for tag in scope.find_all(class_=True):
        for name in tag.get("class", []):
            first.setdefault(name, tag)
    for selector in selectors:
        if selector.startswith(".") and selector[1:].replace("-", "").replace("_", "").isalnum():
            tag = first.get(selector[1:])
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
    for tag in _by_priority(page.micro or page.soup, _BODY_CLASSES):
        if len(tag.get_text()) > MIN_BODY_CHARS:
            return tag
    return _densest(page.soup)


def _densest(soup: BeautifulSoup) -> Tag | None:
    """The element whose own paragraphs hold the most non-link text (a small readability)."""
    scores: dict[int, tuple[float, Tag]] = {}
    for p in soup.find_all(["p", "br"]):
        parent = p.parent
        if parent is None or _noise_class(parent):
            continue
        text = squash(p.get_text(" ")) if p.name == "p" else squash(
            p.previous_sibling if isinstance(p.previous_sibling, str) else "")
        if len(text) < 40:
            continue
        links = sum(len(a.get_text()) for a in p.find_all("a")) if p.name == "p" else 0
        score = len(text) - 2 * links
        for weight, node in ((1.0, parent), (0.5, parent.parent)):
            if node is None:
                continue
            previous = scores.get(id(node), (0.0, node))[0]
            scores[id(node)] = (previous + weight * score, node)
    if not scores:
        return None
    return max(scores.values(), key=lambda pair: pair[0])[1]


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
        boilerplate_class = tag.name != "p" and _BOILERPLATE.search(classes)
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
