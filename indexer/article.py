"""The article record: the one shape every part of newsmon agrees on.

The JSON form is the contract between `extract`, `--format json`, `export`
and `import`, so conversion lives next to the dataclass and nowhere else.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from indexer.i18n import _


@dataclass(frozen=True)
class Article:
    id: str
    url: str
    title: str
    body: str
    source: str | None = None
    lead: str | None = None
    published: datetime | None = None
    modified: datetime | None = None
    author: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)
    language: str = "ru"
    fetched: datetime | None = None
    # why a `topic = "education"` source kept it: the lexicon terms and hints that matched
    matched: tuple[str, ...] = field(default_factory=tuple)
    # the cleaner could not find the page's text: title, date and text came from what the
    # feed or sitemap said of it (`newsmon reclean --partial` tries again)
    partial: bool = False

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types in the field order of the dataclass (dates as ISO 8601 with offset)."""
        out = {"id": self.id, "url": self.url, "source": self.source, "title": self.title,
               "lead": self.lead, "body": self.body, "published": _iso(self.published),
               "modified": _iso(self.modified), "author": self.author,
               "section": self.section, "tags": list(self.tags), "language": self.language,
               "fetched": _iso(self.fetched)}
        if self.matched:
            out["matched"] = list(self.matched)
        if self.partial:
            out["partial"] = True
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Article:
        """Inverse of to_json; raises ValueError naming the first bad field."""
        if not isinstance(data, dict):
            raise ValueError(_("an article must be a JSON object"))
        known = {f.name for f in fields(cls)}
        # `export` writes the story each article had in its archive; the importing archive
        # finds its own (indexer/stories.py)
        data = {k: v for k, v in data.items() if k != "story"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(_("unknown field {name!r}").format(name=unknown[0]))
        for key in ("url", "title", "body"):
            if not isinstance(data.get(key), str) or not data[key].strip():
                raise ValueError(_("field {name!r} must be a non-empty string").format(name=key))
        url = data["url"]
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(_("field 'url' is not an http(s) URL: {url!r}").format(url=url))
        kwargs: dict[str, Any] = {k: data.get(k) for k in known if k in data}
        for key in ("published", "modified", "fetched"):
            value = kwargs.get(key)
            if value is None:
                continue
            try:
                parsed = datetime.fromisoformat(value)
            except (TypeError, ValueError):
                raise ValueError(_("field {name!r} is not an ISO 8601 date: {value!r}").format(
                    name=key, value=value)) from None
            if parsed.tzinfo is None:
                raise ValueError(_("field {name!r} has no UTC offset: {value!r}").format(
                    name=key, value=value))
            kwargs[key] = parsed
        for key in ("tags", "matched"):
            items = kwargs.get(key) or []
            if not isinstance(items, list) or not all(isinstance(t, str) for t in items):
                raise ValueError(_("field {name!r} must be a list of strings").format(name=key))
            kwargs[key] = tuple(items)
        if not isinstance(kwargs.get("partial", False), bool):
            raise ValueError(_("field 'partial' must be true or false"))
        for key in ("source", "lead", "author", "section"):
            if kwargs.get(key) is not None and not isinstance(kwargs[key], str):
                raise ValueError(_("field {name!r} must be a string or null").format(name=key))
        kwargs["id"] = article_id(url)
        return cls(**kwargs)

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False)


def normalize_url(url: str) -> str:
    """The form used for identity: two spellings of one page must not be archived twice."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and (scheme, parts.port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{parts.port}"
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, parts.query, ""))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def article_id(url: str) -> str:
    """Stable id from the canonical URL, short enough to type after `newsmon show`.

    http/https and a trailing slash do not change the id: sites switch both.
    """
    parts = urlsplit(normalize_url(url))
    key = f"{parts.netloc}{parts.path.rstrip('/') or '/'}"
    if parts.query:
        key += f"?{parts.query}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]
