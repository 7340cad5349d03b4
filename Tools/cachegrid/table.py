#!/usr/bin/env python3
"""Summarise Tools/cachegrid/run.sh: pass@1 per method, cache setting and T, pooled over seeds,
with the difference from `none` on the same seeds and samples, and a paired 95% interval.

usage: python3 Tools/cachegrid/table.py OUT_DIR
"""
import json
import math
import sys
from collections import defaultdict
from pathlib import Path


def load(folder):
    """(method, nfe, task_id, sample) -> passed, from a run's results.jsonl."""
    rows = {}
    for line in (folder / "results.jsonl").read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            rows[(r["method"], r["nfe"], r["task_id"], r["sample"])] = bool(r["passed"])
    return rows


def main(out):
    runs = defaultdict(dict)  # setting -> seed -> rows
    for folder in sorted(Path(out).iterdir()):
        if not (folder / "results.jsonl").exists() or "-s" not in folder.name:
            continue
        setting, seed = folder.name.rsplit("-s", 1)
        runs[setting][seed] = load(folder)
    if "none" not in runs:
        sys.exit("no 'none' runs in " + out)
    methods = ["vanilla", "tolerator", "remdm", "rcr"]
    settings = ["none"] + sorted(s for s in runs if s != "none")
    print("| method | cache | T=16 | T=32 | T=64 | samples per cell | seeds | Δ vs none (T=16/32/64) |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for method in methods:
        for setting in settings:
            seeds = sorted(set(runs[setting]) & set(runs["none"]))
            cells, deltas, counts = [], [], []
            for nfe in (16, 32, 64):
                pairs = []
                for seed in seeds:
                    base, mine = runs["none"][seed], runs[setting][seed]
                    for key, passed in mine.items():
                        if key[0] == method and key[1] == nfe and key in base:
                            pairs.append((base[key], passed))
                n = len(pairs)
                counts.append(n)
                if n == 0:
                    cells.append("–")
                    deltas.append("–")
                    continue
                rate = sum(p for _, p in pairs) / n
                diffs = [int(p) - int(b) for b, p in pairs]
                mean = sum(diffs) / n
                sd = math.sqrt(sum((x - mean) ** 2 for x in diffs) / max(n - 1, 1))
                cells.append(f"{100 * rate:.1f}")
                deltas.append(f"{100 * mean:+.1f} ±{196 * sd / math.sqrt(n):.1f}" if setting != "none" else "")
            delta = " / ".join(deltas) if setting != "none" else ""
            print(f"| {method} | {setting} | {cells[0]} | {cells[1]} | {cells[2]} | {min(counts)} | {len(seeds)} | {delta} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "cachegrid")
