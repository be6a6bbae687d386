"""Messages in the user's language: Russian when the locale says so, English otherwise.

Here, in the bottom layer, because the messages are made in every layer: an archive
missing (indexer/store.py) or a sources file wrong (crawler/config.py) is worded where
it is found, with its details, long before search/ prints it.

The catalogue is gettext's: `indexer/locale/ru/LC_MESSAGES/newsmon.po` is the source,
committed; its compiled `newsmon.mo` is written at install (`make`, or
`python -m indexer.i18n`), and when it is missing or older than the `.po` the `.po` is
compiled in memory instead, so a fresh clone speaks Russian either way.  The language
is read from LC_ALL, LC_MESSAGES and LANG, in POSIX order, each time a message is
looked up (tests switch it); an English locale reads no file at all.

What is stored (a page's rejection reason in the archive) or read by a program (a
crawl's summary line, which the scheduler finds in its output) stays English: `N_()`
marks such a message for the catalogue, and `stored()` translates it when shown.

`python -m indexer.i18n` compiles every `.po` under indexer/locale into its `.mo`.
"""

from __future__ import annotations

import gettext
import io
import os
import re
import sys
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

DOMAIN = "newsmon"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("ru",)


def language() -> str:
    """`ru` when the locale (LC_ALL, then LC_MESSAGES, then LANG) is Russian, else `en`."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "ru" if value.lower().startswith("ru") else "en"
    return "en"


def _(message: str) -> str:
    return _catalogue(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _catalogue(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - gettext's name for it
    """A message kept in English where it is made (it is stored), and in the catalogue."""
    return message


def stored(text: str, templates: Iterable[str]) -> str:
    """`text`, made in English from one of `templates` (`N_()` messages with {fields}) and
    stored so, in the user's language; its details stay as they were written.  A text no
    template made (an older newsmon's) is shown as it is."""
    if language() == "en":
        return text
    for template in templates:
        match = _pattern(template).fullmatch(text)
        if match:
            plain = re.sub(r"\{(\w+)[^}]*\}", r"{\1}", _(template))
            return plain.format(**match.groupdict())
    return text


@lru_cache(maxsize=64)
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)[^}]*\}", template)  # text, field, text, field, …, text
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.*?)"
                              for i, part in enumerate(parts)))


@lru_cache(maxsize=4)
def _catalogue(lang: str) -> gettext.NullTranslations:
    if lang not in LANGUAGES:
        return gettext.NullTranslations()
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    try:
        if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
            with mo.open("rb") as handle:
                return gettext.GNUTranslations(handle)
        return gettext.GNUTranslations(io.BytesIO(compile_po(po.read_text(encoding="utf-8"))))
    except (OSError, ValueError, SyntaxError):
        return gettext.NullTranslations()


# --- msgfmt: .po text to .mo bytes ---------------------------------------------------------

def parse_po(text: str) -> dict[str, str]:
    """msgid → msgstr (a plural's forms joined by NUL, as .mo files keep them); fuzzy and
    untranslated entries are left out."""
    import ast

    entries: dict[str, str] = {}
    current: dict[str, list[str]] = {}
    key: str | None = None
    fuzzy = False

    def flush() -> None:
        nonlocal current, fuzzy
        if "msgid" in current:
            msgid = "".join(current["msgid"])
            if "msgid_plural" in current:
                msgid += "\0" + "".join(current["msgid_plural"])
                forms = [k for k in current if k.startswith("msgstr[")]
                msgstr = "\0".join("".join(current[k]) for k in sorted(forms))
            else:
                msgstr = "".join(current.get("msgstr", []))
            if msgstr.strip("\0") and (not fuzzy or not msgid):
                entries[msgid] = msgstr
        current, fuzzy = {}, False

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            continue
        if line.startswith('"'):
            if key is None:
                raise ValueError(f"a string outside an entry: {raw!r}")
            current[key].append(ast.literal_eval(line))
            continue
        word, _sep, rest = line.partition(" ")
        if word == "msgid" and "msgid" in current:
            flush()
        key = word
        current[key] = [ast.literal_eval(rest.strip())]
    flush()
    return entries


def compile_po(text: str) -> bytes:
    """The .mo file of a .po text (the format GNU msgfmt writes, little-endian)."""
    import struct

    entries = parse_po(text)
    ids = sorted(entries)
    keys = [i.encode("utf-8") for i in ids]
    values = [entries[i].encode("utf-8") for i in ids]
    start = 7 * 4 + 16 * len(ids)
    offsets: list[int] = []
    data = b""
    for blob in (*keys, *values):
        offsets.append(len(data))
        data += blob + b"\0"
    key_table = b"".join(struct.pack("<ii", len(k), start + o)
                         for k, o in zip(keys, offsets[:len(keys)], strict=True))
    value_table = b"".join(struct.pack("<ii", len(v), start + o)
                           for v, o in zip(values, offsets[len(keys):], strict=True))
    header = struct.pack("<Iiiiiii", 0x950412DE, 0, len(ids), 7 * 4, 7 * 4 + 8 * len(ids), 0,
                         start)
    return header + key_table + value_table + data


def compile_all(root: Path = LOCALE_DIR) -> list[Path]:
    written = []
    for po in sorted(root.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        mo.write_bytes(compile_po(po.read_text(encoding="utf-8")))
        written.append(mo)
    return written


def main() -> None:
    for path in compile_all():
        print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
