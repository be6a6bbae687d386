"""What `newsmon import` accepts, field by field, before anything is written.

Article.from_json checks the shape of a record; this adds every field's type and a size
cap, so that no value can fail later inside SQLite or the indexer (a list as
`language` once stopped an import after 1,000 of 1,201 articles).  Caps are far above
any real article and low enough that one line cannot exhaust memory or the disk.
"""

from __future__ import annotations

from typing import Any

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
        raise ValueError("an article must be a JSON object")
    for key, value in data.items():
        if key in MAX_CHARS:
            if value is None and key not in REQUIRED and key != "language":
                continue
            if not isinstance(value, str):
                raise ValueError(f"field {key!r} must be a string, not {_kind(value)}")
            if len(value) > MAX_CHARS[key]:
                raise ValueError(f"field {key!r} is too long ({len(value):,} characters; "
                                 f"at most {MAX_CHARS[key]:,})")
            if "\x00" in value:
                raise ValueError(f"field {key!r} holds a NUL character")
        elif key in MAX_ITEMS:
            if value is None:
                continue
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"field {key!r} must be a list of strings, not {_kind(value)}")
            if len(value) > MAX_ITEMS[key] or any(len(v) > MAX_ITEM_CHARS for v in value):
                raise ValueError(f"field {key!r} is too big (at most {MAX_ITEMS[key]} items of "
                                 f"{MAX_ITEM_CHARS} characters)")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "true/false", int: "a number",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)
