"""`sohoa batch --executor dask`: a real LocalCluster (2 worker processes) gives the same output as
the local pool, and a worker killed mid-run loses no page."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO, kill_hard
from tests.test_batch import journal_counts, processed_counts, reference, stack, tree  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.slow]


@pytest.fixture
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc, \
            Client(lc) as client:
        yield lc, client


def _batch(src, out, scheduler):
    cmd = [sys.executable, "-m", "scanner_app.cli", "batch", str(src), "--out", str(out), "--executor", "dask",
           "--scheduler", scheduler, "--no-store"]
    return subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_dask_run_equals_local_run(stack, reference, cluster, tmp_path):
    src, truth = stack
    lc, client = cluster
    out = tmp_path / "out"
    proc = _batch(src, out, lc.scheduler_address)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert tree(out) == tree(reference)
    assert set(processed_counts(out).values()) == {1}


def test_killed_worker_loses_no_page(stack, reference, cluster, tmp_path):
    src, truth = stack
    lc, client = cluster
    out = tmp_path / "out"
    proc = _batch(src, out, lc.scheduler_address)
    try:
        deadline = time.monotonic() + 120
        while journal_counts(out).get("done", 0) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the run must still be going when the worker dies"
        pids = client.run(os.getpid)  # {worker address: pid}; these are worker processes this test started
        victim = sorted(pids.values())[0]
        kill_hard(victim)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert tree(out) == tree(reference)
    counts = processed_counts(out)
    assert len(counts) == len(truth["pages"]) and set(counts.values()) == {1}
