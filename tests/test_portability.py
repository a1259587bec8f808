"""Windows portability of the page pool, checked on every OS."""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from ocr.pipeline import _one_byte_wakeups


def test_pool_wakeups_are_one_byte_and_many_quick_submits_all_run():
    """Windows pools wake their manager thread with one byte, never an empty pipe message: empty
    messages are lost under Wine, and the pool hung with idle workers after a few quick submits."""
    pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"))
    try:
        writer = pool._executor_manager_thread_wakeup._writer
        sent, send = [], writer.send_bytes  # what reaches the pipe, under the one-byte rule
        writer.send_bytes = lambda buf, *a, **k: (sent.append(len(buf)), send(buf, *a, **k))[1]
        _one_byte_wakeups(pool)
        futures = [pool.submit(os.getpid) for _ in range(12)]  # a page window's worth, at once
        pids = {f.result(timeout=120) for f in futures}
    finally:
        pool.shutdown()
    assert pids and os.getpid() not in pids
    assert sent and min(sent) == 1
