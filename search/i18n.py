"""search/'s messages come from indexer/i18n.py, where every layer's are looked up."""

from __future__ import annotations

from indexer.i18n import _, language, main, ngettext, stored

__all__ = ["_", "install_argparse", "language", "ngettext", "stored"]


def install_argparse() -> None:
    """argparse's own words (usage:, options, …) through the catalogue."""
    import argparse

    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


if __name__ == "__main__":  # the older spelling of `python -m indexer.i18n`
    main()
