"""How many threads spinscope's own work uses.

``SPINSCOPE_THREADS`` sets it (corpus workers set 1, so processes scale instead); unset,
each library chooses. While components run, NumPy's BLAS stays on one thread: the encoder
already keeps the other core busy, the components' matrices (spaCy's layers, the span head)
are small, and a second BLAS thread wakes on a core the encoder is using and waits for it
(measured: a 0.4 ms product took 17 ms).

Background threads (the encoder's) run at a lower scheduling priority where the system
gives threads their own (Linux): two encoder threads beside the main thread make three
threads for two cores, and time-sharing them evenly slowed the main thread (spaCy, the
Python components), which the encoders then sat waiting for.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from contextlib import AbstractContextManager
from functools import lru_cache

#: Nice steps below the calling process that background threads take.
BACKGROUND_NICENESS = 10


def configured_threads() -> int | None:
    """``SPINSCOPE_THREADS`` as a number; ``None`` when unset (the library's own choice)."""
    return int(os.environ.get("SPINSCOPE_THREADS", "0")) or None


@lru_cache(maxsize=1)
def _controller():
    """The BLAS libraries loaded by NumPy, found once (NumPy must be imported first)."""
    import numpy  # noqa: F401  (loads the BLAS the controller must see)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager:
    """Limit BLAS to one thread inside the block; the previous limit is restored after."""
    return _controller().limit(limits=1, user_api="blas")


def lower_thread_priority(steps: int = BACKGROUND_NICENESS) -> None:
    """Make the calling thread ``steps`` nice levels less urgent than it is (at most 19).

    Only on Linux, where a thread has a priority of its own: elsewhere ``setpriority`` would
    name a process, so nothing is changed. A system that refuses is left as it is.
    """
    if not sys.platform.startswith("linux"):
        return
    thread = threading.get_native_id()
    with contextlib.suppress(OSError):
        current = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, current + steps))
