"""The query language, checked and normalized before Whoosh sees it.

Whoosh's parser forgives everything, which turns a typo into a silent empty
result; analysts need to hear that a quote is unbalanced.  `-word` and the
Russian operators ИЛИ/НЕ are rewritten to the parser's OR/NOT.
"""

from __future__ import annotations

import re

from whoosh.fields import Schema
from whoosh.qparser import FieldAliasPlugin, MultifieldParser
from whoosh.query import AndNot, Not, NullQuery, Phrase, Prefix, Query, Term

from search.i18n import _

SEARCH_FIELDS = ("title", "body")
HIGHLIGHT_FIELDS = ("title", "body")
FIELD_ALIASES = {"tags": ["tag"], "body": ["lead", "text"]}
QUERY_HELP = """\
query language:
  колледж студенты        both words (AND is the default); any grammatical form matches
  колледж OR техникум     either word (also ИЛИ)
  школа NOT ковид         exclude a word (also -ковид, НЕ ковид)
  "единый госэкзамен"     an exact phrase (word forms still match)
  школ*                   words starting with «школ»
  title:ЕГЭ               a field: title, body (lead and text), author, section, tag,
                          source
  (ЕГЭ OR ОГЭ) выпускники parentheses group

A query that matches nothing is repaired and run again, saying so on stderr: a word the
archive lacks is transliterated (kolledzh: колледж, EGE: ЕГЭ), read on the Russian
keyboard layout (ijkf: школа) or spelled as the archive spells it (колеж: колледж,
химеи: химии). An unknown field, an operator with nothing beside it (школа AND) or an
unknown --source is an error.
"""


USER_FIELDS = ("title", "body", "lead", "text", "author", "section", "tag", "tags", "source")
_FIELD = re.compile(r"(?<![\w:])([^\W\d_]\w*):(?=[^\s:])")


class QueryError(ValueError):
    pass


def _check_fields(outside: str) -> None:
    for name in _FIELD.findall(outside):
        if name.lower() not in USER_FIELDS:
            raise QueryError(_("unknown field {name!r} (fields: title, body, lead, text, "
                               "author, section, tag, source)").format(name=name))


def _check_operators(outside: str) -> None:
    """`школа AND`, `OR ЕГЭ`, `ЕГЭ AND OR ОГЭ`, `(школа NOT)`: an operator with nothing on
    one side is a mistake to name, not something to guess at."""
    tokens = re.findall(r"[()]|[^\s()]+", outside)
    previous = None
    for token in [*tokens, None]:
        if previous in ("AND", "OR") and (token is None or token in ("AND", "OR", ")")):
            raise QueryError(_("{operator} needs a word after it").format(operator=previous))
        if previous == "NOT" and (token is None or token in ("AND", "OR", "NOT", ")")):
            raise QueryError(_("{operator} needs a word after it").format(operator="NOT"))
        if token in ("AND", "OR") and previous in (None, "(", "NOT"):
            raise QueryError(_("{operator} needs a word before it").format(operator=token))
        previous = token


def normalize(text: str) -> str:
    """Rewrite user syntax into Whoosh syntax; raise QueryError for what cannot be meant."""
    if "\x00" in text:  # only a --queries file can carry one; never meant
        raise QueryError(_("the query holds a NUL character"))
    if text.count('"') % 2:
        raise QueryError(_("unbalanced quote in query"))
    parts = text.split('"')
    for i in range(0, len(parts), 2):  # outside quotes only
        part = parts[i]
        part = re.sub(r"(^|[\s(])-(?=[\w(])", r"\1NOT ", part)
        part = re.sub(r"(^|[\s(])\+(?=[\w(])", r"\1", part)
        part = re.sub(r"(?<![^\s(])ИЛИ(?![^\s)])", "OR", part)
        part = re.sub(r"(?<![^\s(])НЕ(?![^\s)])", "NOT", part)
        part = re.sub(r"(?<![^\s(])И(?![^\s)])", "AND", part)
        part = re.sub(r"\S+\*", lambda m: m.group(0).lower().replace("ё", "е"), part)
        parts[i] = part
    depth = 0
    for char in "".join(parts[0::2]):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            raise QueryError(_("unbalanced parenthesis in query"))
    if depth:
        raise QueryError(_("unbalanced parenthesis in query"))
    outside = " PHRASE ".join(parts[0::2])
    _check_fields(outside)
    _check_operators(outside)
    normalized = '"'.join(parts).strip()
    if not normalized:
        raise QueryError(_("empty query"))
    return normalized


def highlight_terms(query: Query) -> tuple[set[str], set[str]]:
    """(lemmas, prefixes) a snippet should mark: the query's words outside NOT branches."""
    lemmas: set[str] = set()
    prefixes: set[str] = set()

    def walk(node: Query) -> None:
        if isinstance(node, AndNot):
            walk(node.a)
            return
        if isinstance(node, Not):
            return
        if isinstance(node, Phrase) and node.fieldname in HIGHLIGHT_FIELDS:
            lemmas.update(node.words)
        elif isinstance(node, Prefix) and node.fieldname in HIGHLIGHT_FIELDS:
            prefixes.add(node.text)
        elif isinstance(node, Term) and node.fieldname in HIGHLIGHT_FIELDS:
            lemmas.add(node.text)
        for child in node.children():
            walk(child)

    walk(query)
    return lemmas, prefixes


def build(text: str, schema: Schema) -> Query:
    parser = MultifieldParser(list(SEARCH_FIELDS), schema)
    parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
    query = parser.parse(normalize(text))
    if query is NullQuery or isinstance(query, type(NullQuery)):
        raise QueryError(_("the query has no searchable words"))
    return query
