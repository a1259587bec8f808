"""One road for a document: every door gives the same document for the same pages."""
from __future__ import annotations

import json
import sys

import pytest

from ocr import imageio
from ocr.pipeline import PageJob, PipelineOptions
from scanner_app import road
from scanner_app.gui.workers import SaveWorker
from scanner_app.workspace import Workspace
from tests.conftest import REPO, run_sohoa

sys.path.insert(0, str(REPO))
from bench.synth_stack import form_page  # noqa: E402

LETTER = ["ỦY BAN NHÂN DÂN PHƯỜNG BẾN THÀNH", "Số: 125/TB-UBND",
          "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
          "THÔNG BÁO", "Về việc tiếp nhận hồ sơ đăng ký thường trú",
          "Ông Trần Văn Bình đã nộp đủ giấy tờ theo quy định."]


def comparable(result: dict) -> dict:
    """What must not depend on the door: form, every field, every page's text and geometry."""
    return {"form": result["form"], "form_confidence": result["form_confidence"], "fields": result["fields"],
            "barcodes": result["barcodes"],
            "pages": [{k: v for k, v in p.items() if k != "source"} for p in result["pages"]]}


def test_same_pages_same_json_through_process_batch_and_the_app(tmp_path, page_png, qtbot):
    src = tmp_path / "in" / "to_khai.png"
    src.parent.mkdir()
    form_page("ct01", 200, seed=5).save(src, dpi=(200, 200))
    run_sohoa("process", str(src), "--out", str(tmp_path / "p"), "--jobs", "1", "--no-store", check=True)
    by_process = json.loads((tmp_path / "p" / "to_khai.json").read_text(encoding="utf-8"))

    run_sohoa("batch", str(src.parent), "--out", str(tmp_path / "b"), "--jobs", "1", "--no-store", check=True)
    [batch_json] = [p for p in (tmp_path / "b").rglob("*.json")
                    if p.name not in ("dossier.json",) and p.parent != tmp_path / "b"]
    by_batch = json.loads(batch_json.read_text(encoding="utf-8"))

    ws = Workspace.open(tmp_path / "ws")
    pid = ws.add_scan(imageio.load_page(src, 0))
    image = ws.page_image(pid)
    image.source = pid
    [(_job, processed)] = list(road.recognise([PageJob(pid, 0, image)], PipelineOptions(jobs=1)))
    ws.set_processed(pid, processed)
    worker = SaveWorker(ws, tmp_path / "app", lambda: PipelineOptions(jobs=1), user="tester")
    worker.run()  # the app's save path, on this thread
    assert worker.count == 1
    by_app = json.loads((tmp_path / "app" / ws.folder_name() / f"{ws.stem(0)}.json").read_text(encoding="utf-8"))

    assert by_process["form"] == "ct01" and sum(bool(f["value"]) for f in by_process["fields"].values()) >= 3
    assert comparable(by_batch) == comparable(by_process)
    assert comparable(by_app) == comparable(by_process)


def sleepy_work(job: PageJob, options: PipelineOptions):
    """An engine that hangs on the page named 'stuck' and reads the others for real."""
    import time

    from ocr.pipeline import process_page

    if "stuck" in job.source:
        time.sleep(600)
    return process_page(job, options)


def test_a_hung_page_fails_within_its_deadline_and_the_rest_is_done(tmp_path, page_png):
    import os
    import time

    from ocr.errors import SohoaError
    from ocr.pipeline import run_jobs

    pages = [page_png(f"{name}.png", LETTER[:2]) for name in ("a", "stuck", "c", "d")]
    # A real page must fit well inside the deadline on a slow PC under Wine too (a cold worker's
    # first page loads the engine and the language model there: 4 s was not enough).
    options = PipelineOptions(jobs=2, page_timeout=20)
    started = time.monotonic()
    results = list(run_jobs([PageJob(str(p), 0) for p in pages], options, work=sleepy_work))
    elapsed = time.monotonic() - started
    assert [os.path.basename(j.source) for j, _r in results] == ["a.png", "stuck.png", "c.png", "d.png"]
    kinds = [isinstance(r, SohoaError) for _j, r in results]
    assert kinds == [False, True, False, False]
    error = results[1][1]
    assert "quá 20 giây" in error.vi and "deadline" in error.en
    assert elapsed < 120  # not the 600 s the engine would have slept
    assert grandchildren() == []  # every worker killed and reaped; the forkserver alone stays


def grandchildren() -> list[str]:
    """Live pool workers of this process: under the forkserver (Linux) or our own spawn children."""
    import os

    import psutil

    out = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            line = " ".join(proc.cmdline())
            if "multiprocessing" not in line:
                continue  # not a pool's (Wine starts explorer.exe /desktop for windows, say)
            if proc.ppid() == os.getpid() and ("forkserver" in line or "resource_tracker" in line):
                continue  # multiprocessing's own helpers stay for the next pool
            out.append(f"{proc.pid} {line}")
        except psutil.NoSuchProcess:
            continue
    return out


@pytest.mark.skipif(sys.platform != "linux", reason="workers watch their run through /proc: Linux only (not Windows/macOS)")
def test_workers_die_with_a_killed_run(tmp_path, page_png):
    """kill -9 of the process running the pool: no worker is left busy on its page."""
    import subprocess
    import time

    pages = [str(page_png(f"stuck{i}.png", LETTER[:1])) for i in range(2)]
    script = ("import sys; from ocr.pipeline import PageJob, PipelineOptions, run_jobs; "
              "from tests.test_road import sleepy_work; "
              f"list(run_jobs([PageJob(p, 0) for p in {pages!r}], PipelineOptions(jobs=2), work=sleepy_work))")
    run = subprocess.Popen([sys.executable, "-c", script], cwd=REPO)
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while time.monotonic() < deadline and len(workers) < 2:
            time.sleep(0.3)
            workers = descendants(run.pid, depth=2)
        assert len(workers) == 2  # the two pages are being worked on
    finally:
        run.kill()
        run.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(alive(pid) for pid in workers):
        time.sleep(0.2)
    assert [pid for pid in workers if alive(pid)] == []


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def descendants(root: int, depth: int) -> list[int]:
    """Live processes `depth` generations below `root` (2: the pool workers under the forkserver)."""
    import os

    parent = {}
    for p in os.listdir("/proc"):
        if p.isdigit() and alive(int(p)):
            try:
                parent[int(p)] = int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
    level = {root}
    for _ in range(depth):
        level = {pid for pid, pp in parent.items() if pp in level}
    return sorted(level)


@pytest.mark.skipif(sys.platform != "linux", reason="tmpfs in a mount namespace: Linux only (not Windows/macOS)")
def test_a_full_disk_after_the_pdf_leaves_no_orphan_pdf(tmp_path):
    """A tmpfs with room for the PDF but not for its JSON: neither stays, and the message says why."""
    import math
    import os
    import subprocess

    src = tmp_path / "to_khai.png"
    form_page("ct01", 200, seed=5).save(src, dpi=(200, 200))
    run_sohoa("process", str(src), "--out", str(tmp_path / "ref"), "--jobs", "1", "--no-store", check=True)
    pdf_size = (tmp_path / "ref" / "to_khai.pdf").stat().st_size
    assert (tmp_path / "ref" / "to_khai.json").stat().st_size > 4096  # more than the one page left below
    disk = tmp_path / "tiny"
    disk.mkdir()
    size = (math.ceil(pdf_size / 4096) + 1) * 4096
    unshare = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "--user", "--map-root-user", "--mount"]
    script = f'mount -t tmpfs -o size={size} tmpfs "$0" || exit 99; "$@"; rc=$?; echo "left:$(ls -A "$0")"; exit $rc'
    proc = subprocess.run([*unshare, "sh", "-c", script, str(disk), sys.executable, "-m", "scanner_app.cli",
                           "process", str(src), "--out", str(disk), "--jobs", "1", "--no-store"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert "Hết dung lượng đĩa" in proc.stderr and "to_khai.json" in proc.stderr
    assert proc.stdout.splitlines() == ["left:"]  # no PDF without its JSON, no temporary part


def test_a_rerun_finishes_a_half_written_document_in_place(tmp_path):
    """Killed between PDF and JSON: the next run writes STEM.pdf + STEM.json, not STEM-2; an
    officer's own PDF of the same name is never taken for ours."""
    import shutil

    src = tmp_path / "in" / "to_khai.png"
    src.parent.mkdir()
    form_page("ct01", 200, seed=5).save(src, dpi=(200, 200))
    out = tmp_path / "out"
    run_sohoa("process", str(src), "--out", str(out), "--jobs", "1", "--no-store", check=True)
    (out / "to_khai.json").unlink()  # what a kill -9 between the two renames leaves
    run_sohoa("process", str(src), "--out", str(out), "--jobs", "1", "--no-store", check=True)
    assert sorted(p.name for p in out.iterdir()) == ["to_khai.json", "to_khai.pdf"]

    shutil.rmtree(out)
    out.mkdir()
    (out / "to_khai.pdf").write_bytes(b"%PDF-1.4\n% an officer's own file\n")
    run_sohoa("process", str(src), "--out", str(out), "--jobs", "1", "--no-store", check=True)
    assert sorted(p.name for p in out.iterdir()) == ["to_khai-2.json", "to_khai-2.pdf", "to_khai.pdf"]
    assert (out / "to_khai.pdf").read_bytes().endswith(b"own file\n")
