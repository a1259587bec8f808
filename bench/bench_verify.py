"""`sohoa verify` time and peak memory on large and hostile packages (the 1 GB promise of docs/faults.md).

    .venv/bin/python bench/bench_verify.py [--pdf-mb 240] [--bomb-mb 192] [--signed]

Builds, in a temporary folder, a package whose first PDF carries PDF_MB of incompressible data
(near the 256 MB per-entry cap), and a zip bomb (BOMB_MB of zeros deflated to well under 1 MB),
then runs `sohoa verify` on each in a child process and prints a Markdown table: exit code,
wall time and the child's peak RSS (getrusage). Synthetic data only.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]


def big_package(root: Path, pdf_mb: int, signed: bool) -> Path:
    import pikepdf
    from test_export import CODE, make_dossier_folder

    from exports.package import build_package

    folder = make_dossier_folder(root / "out", record=False)
    pdf_path = folder / f"{CODE}.01.pdf"
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        pdf.Root.Junk = pdf.make_stream(os.urandom(pdf_mb * 1024 * 1024))
        pdf.save(pdf_path)
    signer = None
    if signed:
        from pki import issue, make_ca

        from exports.signing import Pkcs12Signer, read_password

        cert = issue(root / "pki", "Người Ký Thử", ca=make_ca(root / "ca"))
        signer = Pkcs12Signer(cert.p12, read_password(cert.password_file))
    return build_package(folder, root / "big.zip", signer=signer).path


def bomb(root: Path, seed: Path, bomb_mb: int) -> Path:
    out = root / "bomb.zip"
    with zipfile.ZipFile(seed) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in src.namelist():
            if name.endswith(".json") or name.endswith(".xml") or name.startswith("manifest"):
                zf.writestr(name, src.read(name))
        with zf.open("metadata2.xml", "w", force_zip64=True) as fh:
            block = bytes(16 * 1024 * 1024)
            for _ in range(bomb_mb // 16):
                fh.write(block)
    return out


def measure(path: Path) -> tuple[int, float, float]:
    """(exit code, seconds, peak RSS MB) of `sohoa verify path` in a fresh child."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "scanner_app.cli", "verify", str(path)], capture_output=True,
                          env=env, cwd=REPO)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far
    return proc.returncode, seconds, peak_kb / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdf-mb", type=int, default=240)
    ap.add_argument("--bomb-mb", type=int, default=192)
    ap.add_argument("--signed", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["SOHOA_HOME"] = str(root / "home")
        rows = []
        pkg = big_package(root, args.pdf_mb, args.signed)
        code, seconds, peak = measure(pkg)  # measured first: RUSAGE_CHILDREN keeps the maximum
        rows.append((f"package with a {args.pdf_mb} MB PDF{' (signed)' if args.signed else ''}, "
                     f"{pkg.stat().st_size / 2**20:.0f} MB", code, seconds, peak))
        b = bomb(root, pkg, args.bomb_mb)
        code, seconds, _ = measure(b)
        rows.append((f"zip bomb: {args.bomb_mb} MB of zeros in {b.stat().st_size / 2**10:.0f} kB", code, seconds,
                     None))
    print("| package | exit | seconds | peak RSS MB |")
    print("|---|---:|---:|---:|")
    for label, code, seconds, peak in rows:
        shown = "(refused before inflating)" if peak is None and code == 2 else f"{peak or 0:.0f}"
        print(f"| {label} | {code} | {seconds:.1f} | {shown} |")


if __name__ == "__main__":
    main()
