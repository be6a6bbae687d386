"""Worker processes that cannot outlive the process that started them.

A bulk load forks its indexing workers after taking the index's write lock (a flock,
which every fork inherits).  When only the parent is killed (kill -9, the OOM killer),
workers left waiting for jobs kept that lock for good: every later writer waited its
full timeout.  So a worker asks the kernel for SIGKILL when its parent dies
(PR_SET_PDEATHSIG, Linux), and, where that is not available, notices itself that it
was re-parented while it waits for work.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Call first thing in a forked worker; `parent` is the pid that forked it."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # parent_alive() still ends the worker at its next wait
    if not parent_alive(parent):  # the parent died before the request was made
        os._exit(1)


def parent_alive(parent: int) -> bool:
    return os.getppid() == parent
