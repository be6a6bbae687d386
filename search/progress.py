"""Progress bars (tqdm) for the long commands, on a terminal only.

A bar is drawn on stderr when stderr is a terminal; into a pipe, a file or a test's
captured output nothing is drawn, and NEWSMON_PROGRESS=0 turns bars off everywhere.
tqdm is imported only when a bar is drawn.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


def enabled() -> bool:
    if os.environ.get("NEWSMON_PROGRESS", "1") == "0":
        return False
    stream = sys.stderr
    return hasattr(stream, "isatty") and stream.isatty()


def bar(items: Iterable[T], total: int | None = None, desc: str = "") -> Iterator[T]:
    """`items`, with a bar counting them on a terminal."""
    if not enabled():
        yield from items
        return
    from tqdm import tqdm

    from search.i18n import _

    with tqdm(items, total=total, desc=desc, unit=" " + _("articles"), leave=False,
              file=sys.stderr, dynamic_ncols=True) as shown:
        yield from shown


@contextmanager
def working(desc: str) -> Iterator[Any]:
    """A bar that tells the time spent on a step whose size is not known ahead (a
    crawl, merging segments), ticking twice a second; gone when the step ends."""
    if not enabled():
        yield None
        return
    from tqdm import tqdm

    done = threading.Event()
    shown = tqdm(total=None, desc=desc, bar_format="{desc}: {elapsed}", leave=False,
                 file=sys.stderr)

    def tick() -> None:
        while not done.wait(0.5):
            shown.refresh()

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield shown
    finally:
        done.set()
        thread.join()
        shown.close()
