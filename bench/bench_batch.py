"""Batch benchmark: throughput, overhead against `sohoa process`, Dask vs local pool, peak memory
on long stacks, splitting accuracy, and kill -9 at random moments followed by a resume.

    .venv/bin/python bench/bench_batch.py [--dossiers 6] [--jobs 2] [--rss 100,1000] [--kills 10]
                                          [--accuracy-seeds 3] [--skip dask,rss,kill]

All stacks are generated (bench/synth_stack.py, 150 dpi). Long stacks reuse the same few page
images under new cover codes, so a 1,000-page stack costs little disk. Prints Markdown tables.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.synth_stack import compare, make_stack, output_tree  # noqa: E402

SOHOA = [sys.executable, "-m", "scanner_app.cli"]
ENV = dict(os.environ, OMP_THREAD_LIMIT="1")


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run(args: list[str], *, rss: bool = False, kill_after: float | None = None) -> dict:
    """Run sohoa; wall time, exit code, peak RSS of the coordinator and of the whole process tree."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(SOHOA + args, cwd=REPO, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    peak = {"main": 0, "tree": 0}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            try:
                peak["main"] = max(peak["main"], psutil.Process(proc.pid).memory_info().rss)
            except psutil.Error:
                pass
            peak["tree"] = max(peak["tree"], _tree_rss(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True) if rss else None
    if sampler:
        sampler.start()
    try:
        if kill_after is not None:
            try:
                proc.wait(timeout=kill_after)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
    finally:
        stop.set()
        if sampler:
            sampler.join()
    return {"seconds": time.perf_counter() - start, "rc": proc.returncode, "stderr": err,
            "rss_main_mb": peak["main"] / 2**20, "rss_tree_mb": peak["tree"] / 2**20}


def batch(src: Path, out: Path, jobs: int, *extra: str, **kw) -> dict:
    return run(["batch", str(src), "--out", str(out), "--jobs", str(jobs), "--no-store", *extra], **kw)


def table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dossiers", type=int, default=6)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--rss", default="100,1000", help="stack sizes (pages, approx.) for the memory run")
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--accuracy-dpi", type=int, default=150, help="resolution of the accuracy stacks")
    ap.add_argument("--accuracy-seeds", type=int, default=3)
    ap.add_argument("--skip", default="", help="comma list of: process,dask,rss,kill,accuracy")
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-batch-"))
    work.mkdir(parents=True, exist_ok=True)
    out_md = []

    src = work / "stack"
    shutil.rmtree(src, ignore_errors=True)
    truth = make_stack(src, dossiers=args.dossiers, dpi=150, seed=1)
    n = len(truth["pages"])

    # ---------------------------------------------------------------- throughput
    rows = []
    ref = work / "out-local"
    shutil.rmtree(ref, ignore_errors=True)
    local = batch(src, ref, args.jobs)
    assert local["rc"] == 0, local["stderr"]
    base = None
    if "process" not in skip:
        pout = work / "out-process"
        shutil.rmtree(pout, ignore_errors=True)
        proc = run(["process", str(src), "--out", str(pout), "--jobs", str(args.jobs), "--no-store"])
        base = proc["seconds"]
        rows.append([f"sohoa process ({n} files)", f"{proc['seconds']:.1f}", f"{n / proc['seconds'] * 60:.1f}", "1.00"])
    rows.append([f"sohoa batch, local pool --jobs {args.jobs}", f"{local['seconds']:.1f}",
                 f"{n / local['seconds'] * 60:.1f}", f"{local['seconds'] / base:.2f}" if base else "–"])
    if "dask" not in skip:
        dout = work / "out-dask"
        shutil.rmtree(dout, ignore_errors=True)
        dask = batch(src, dout, args.jobs, "--executor", "dask")
        assert dask["rc"] == 0, dask["stderr"]
        same = output_tree(dout) == output_tree(ref)
        rows.append([f"sohoa batch, Dask LocalCluster ({args.jobs} workers)", f"{dask['seconds']:.1f}",
                     f"{n / dask['seconds'] * 60:.1f}", f"{dask['seconds'] / base:.2f}" if base else "–"])
        rows.append(["Dask output identical to local", "", "", "yes" if same else "NO"])
    out_md.append(f"### Throughput ({n} pages, 150 dpi, {args.jobs} cores)\n\n" +
                  table(["run", "seconds", "pages/min", "time vs process"], rows))

    # ---------------------------------------------------------------- accuracy
    if "accuracy" not in skip:
        rows = []
        for seed in range(args.accuracy_seeds):
            s = work / f"acc-{seed}"
            o = work / f"acc-{seed}-out"
            shutil.rmtree(s, ignore_errors=True)
            shutil.rmtree(o, ignore_errors=True)
            t = make_stack(s, dossiers=4, dpi=args.accuracy_dpi, seed=100 + seed)
            r = batch(s, o, args.jobs)
            c = compare(t, o)
            totals = [a + b for a, b in zip(totals, (c["values"], c["values_exact"], c["wrong_vouched"]))] if rows else \
                [c["values"], c["values_exact"], c["wrong_vouched"]]
            rows.append([seed, len(t["pages"]), c["documents_expected"], c["documents_found"], c["exact"],
                         f"{c['precision']:.2f}", f"{c['recall']:.2f}", f"{c['forms_ok']}/{c['forms_total']}",
                         f"{c['values_exact']}/{c['values']}", c["wrong_vouched"]])
        rows.append(["all", "", "", "", "", "", "", "", f"{totals[1]}/{totals[0]} ({100 * totals[1] / max(1, totals[0]):.1f} %)",
                     f"{totals[2]} ({100 * totals[2] / max(1, totals[0]):.2f} %)"])
        out_md.append(f"### Splitting and field accuracy (generated stacks, {args.accuracy_dpi} dpi)\n\n" +
                      table(["seed", "pages", "docs expected", "docs found", "exact", "precision", "recall",
                             "forms right", "values exact", "wrong and vouched"], rows))

    # ---------------------------------------------------------------- kill -9
    if "kill" not in skip and args.kills:
        rng = random.Random(7)
        rows = []
        ok = 0
        for trial in range(args.kills):
            o = work / f"kill-{trial}"
            shutil.rmtree(o, ignore_errors=True)
            at = rng.uniform(0.5, local["seconds"] * 0.95)
            first = batch(src, o, args.jobs, kill_after=at)
            from scanner_app.batch.journal import iter_processed, read_counts

            done = read_counts(o).get("done", 0)
            second = batch(src, o, args.jobs)
            counts = dict(iter_processed(o))
            same = second["rc"] == 0 and output_tree(o) == output_tree(ref)
            once = set(counts.values()) == {1} and len(counts) == n
            ok += same and once
            rows.append([trial, f"{at:.1f}", "killed" if first["rc"] not in (0, 1) else "finished first",
                         done, f"{second['seconds']:.1f}", "yes" if same else "NO", "yes" if once else "NO"])
        out_md.append(f"### kill -9 at random moments, then resume ({ok}/{args.kills} identical)\n\n" +
                      table(["trial", "killed at s", "first run", "pages done before kill", "resume s",
                             "output identical", "no page OCR'd twice"], rows))

    # ---------------------------------------------------------------- memory
    if "rss" not in skip:
        rows = []
        per = len(truth["pages"]) / max(1, args.dossiers)
        for size in [int(x) for x in args.rss.split(",") if x]:
            s = work / f"rss-{size}"
            o = work / f"rss-{size}-out"
            shutil.rmtree(s, ignore_errors=True)
            shutil.rmtree(o, ignore_errors=True)
            t = make_stack(s, dossiers=2, dpi=150, seed=9, repeat=max(1, round(size / (2 * per))))
            r = batch(s, o, args.jobs, rss=True)
            pages = len(t["pages"])
            rows.append([pages, f"{r['seconds']:.0f}", f"{pages / r['seconds'] * 60:.1f}",
                         f"{r['rss_main_mb']:.0f}", f"{r['rss_tree_mb']:.0f}",
                         f"{(o / '.sohoa-batch' / 'journal.db').stat().st_size / 2**20:.0f}"])
        out_md.append("### Peak memory on long stacks\n\n" +
                      table(["pages", "seconds", "pages/min", "coordinator peak RSS MB", "all processes peak RSS MB",
                             "journal MB"], rows))

    print("\n\n".join(out_md))
    (work / "bench_batch.md").write_text("\n\n".join(out_md) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
