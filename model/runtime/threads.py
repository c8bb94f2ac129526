"""How many threads the calling thread's own torch operations use, without touching torch's process-wide setting.

``torch.set_num_threads`` changes a process-wide default that threads started later inherit, so a library call
that sets and restores it races with any other call doing the same. With torch's OpenMP backend, each thread has
its own OpenMP thread count; :func:`thread_limit` sets only the calling thread's, through threadpoolctl. Where the
backend is not OpenMP (or no OpenMP runtime is found) it does nothing: the work runs on torch's threads, with the
same results.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from threadpoolctl import threadpool_limits


@contextmanager
def thread_limit(count: int) -> Iterator[None]:
    """Run the block with at most ``count`` (>= 1) OpenMP threads per torch operation of the calling thread
    (restored after); other threads and ``torch.get_num_threads()`` elsewhere are unaffected."""
    torch.get_num_threads()  # torch sets a thread's OpenMP count at its first parallel call: let it happen first
    with threadpool_limits(max(1, count), user_api="openmp"):
        yield


def limit_this_thread(count: int) -> None:
    """Limit the calling thread to ``count`` OpenMP threads per torch operation for the rest of its life (the
    initializer of a pool whose threads end with it)."""
    torch.get_num_threads()
    threadpool_limits(max(1, count), user_api="openmp")
