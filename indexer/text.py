"""Text hygiene for untrusted web text: one place, used by the cleaner and every printer."""

from __future__ import annotations

import re

# Zero-width characters and soft hyphens hide inside headlines and break search.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
# C0/C1 controls (ESC starts terminal escape sequences), bidi overrides; tab/newline kept.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")


def squash(text: str | None) -> str:
    """One line of text: invisible characters gone, runs of white space folded to one space."""
    if not text:
        return ""
    return " ".join(_INVISIBLE.sub("", strip_controls(text)).split())


def strip_controls(text: str) -> str:
    """Remove escape sequences and control characters so web text cannot drive a terminal."""
    return _CONTROL.sub("", _ANSI.sub("", text))


def terminal_safe(text: str | None) -> str:
    """For printing: controls stripped, newlines and tabs kept."""
    return strip_controls(text or "")
