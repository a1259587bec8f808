"""Compare two `sohoa process` outputs (Linux and the installed Windows exe): the same documents
(PDF + JSON per stem), the same form, page count and field values. Exit 1 on any difference."""
import json
import sys
from pathlib import Path


def documents(folder: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}


def main(linux: Path, windows: Path) -> int:
    a, b = documents(linux), documents(windows)
    problems = []
    if sorted(a) != sorted(b):
        problems.append(f"documents differ: Linux {sorted(a)} / Windows {sorted(b)}")
    fields = equal = 0
    for stem in sorted(set(a) & set(b)):
        if not (windows / f"{stem}.pdf").is_file():
            problems.append(f"{stem}: no PDF from Windows")
        for key in ("form",):
            if a[stem].get(key) != b[stem].get(key):
                problems.append(f"{stem}: {key} {a[stem].get(key)!r} != {b[stem].get(key)!r}")
        if len(a[stem]["pages"]) != len(b[stem]["pages"]):
            problems.append(f"{stem}: {len(a[stem]['pages'])} pages != {len(b[stem]['pages'])}")
        fa, fb = a[stem].get("fields", {}), b[stem].get("fields", {})
        for name in sorted(set(fa) | set(fb)):
            fields += 1
            va, vb = (fa.get(name) or {}).get("value"), (fb.get(name) or {}).get("value")
            if va == vb:
                equal += 1
            else:
                problems.append(f"{stem}.{name}: Linux {va!r} != Windows {vb!r}")
    print(f"demo comparison: {len(b)} Windows documents vs {len(a)} Linux; {equal}/{fields} field values equal")
    for p in problems:
        print("  " + p)
    return 1 if problems or not a else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
