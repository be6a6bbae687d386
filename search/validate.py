"""What `newsmon import` accepts, field by field, before anything is written.

Article.from_json checks the shape of a record; this adds every field's type and a size
cap, so that no value can fail later inside SQLite or the indexer (a list as
`language` once stopped an import after 1,000 of 1,201 articles).  Caps are far above
any real article and low enough that one line cannot exhaust memory or the disk.
"""

from __future__ import annotations

from typing import Any

from search.i18n import _

# the longest value each text field may hold, in characters
MAX_CHARS = {"id": 64, "url": 4096, "source": 200, "title": 2000, "lead": 20_000,
             "body": 2_000_000, "published": 64, "modified": 64, "author": 1000,
             "section": 1000, "language": 16, "fetched": 64}
MAX_ITEMS = {"tags": 200, "matched": 500}  # list fields: at most this many strings
MAX_ITEM_CHARS = 500
REQUIRED = ("url", "title", "body")


def check_record(data: Any) -> None:
    """Raise ValueError naming the first field that is the wrong type or too big."""
    if not isinstance(data, dict):
        raise ValueError(_("an article must be a JSON object"))
    for key, value in data.items():
        if key in MAX_CHARS:
            if value is None and key not in REQUIRED and key != "language":
                continue
            if not isinstance(value, str):
                raise ValueError(_("field {name!r} must be a string, not {kind}").format(
                    name=key, kind=_kind(value)))
            if len(value) > MAX_CHARS[key]:
                raise ValueError(_("field {name!r} is too long ({length} characters; at most "
                                   "{maximum})").format(name=key, length=f"{len(value):,}",
                                                        maximum=f"{MAX_CHARS[key]:,}"))
            if "\x00" in value:
                raise ValueError(_("field {name!r} holds a NUL character").format(name=key))
        elif key in MAX_ITEMS:
            if value is None:
                continue
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(_("field {name!r} must be a list of strings, not {kind}")
                                 .format(name=key, kind=_kind(value)))
            if len(value) > MAX_ITEMS[key] or any(len(v) > MAX_ITEM_CHARS for v in value):
                raise ValueError(_("field {name!r} is too big (at most {items} items of "
                                   "{chars} characters)").format(name=key, items=MAX_ITEMS[key],
                                                                 chars=MAX_ITEM_CHARS))


def _kind(value: Any) -> str:
    return {dict: _("an object"), list: _("a list"), bool: _("true/false"), int: _("a number"),
            float: _("a number"), type(None): "null"}.get(type(value), type(value).__name__)
