"""Condense testdata/tv_check.sh's table (one row per model and opset) into
the README's: one row per model, the worst figures over its opsets, the
times of the opset given by --times (or the first listed).

  /usr/bin/python3 testdata/tv_summary.py tv_table.md [--times 17]
"""
import argparse
import re
from collections import OrderedDict


def main():
    p = argparse.ArgumentParser()
    p.add_argument("table")
    p.add_argument("--times", default="17")
    a = p.parse_args()
    rows = OrderedDict()
    for line in open(a.table):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 7 or not re.match(r"^\d+$", cells[1]):
            continue
        rows.setdefault(cells[0], []).append(cells)
    print("| model | opsets | op types | `invrep layers` | worst node vs onnxruntime | input gradient vs PyTorch: max (L2) | `invert`, ms/iter: early / middle / last |")
    print("|---|---|---|---|---|---|---|")
    for model, rs in sorted(rows.items()):
        opsets = sorted(int(r[1]) for r in rs)
        timed = next((r for r in rs if r[1] == a.times), rs[0])
        worst = max(rs, key=lambda r: float(r[4]))[4]
        grad = max(rs, key=lambda r: float(r[5].split()[0]))[5]
        ops = "–".join(sorted({r[2] for r in rs}, key=int))
        print(f"| {model} | {', '.join(map(str, opsets))} | {ops} | {timed[3]} | {worst} | {grad} | {timed[6]} |")


if __name__ == "__main__":
    main()
