"""pass@1 per task family from a `tolerator eval` run over minicode suites.

The family is the first part of a task's `combo` (pipe, piece, scan, chars, words, counts,
number); the split is the task id's group (MiniCode/inst, MiniCode/combo, ...). Reads the run's
results.jsonl and the suite files that hold the tasks, prints one Markdown table per split:
family × method at one budget T.

    python family_table.py --run ../../eval-v2 --suites ../../Examples/minicode/*.jsonl --nfe 64
"""

import argparse
import collections
import json
import os


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", required=True, help="eval output folder (results.jsonl)")
    ap.add_argument("--suites", nargs="+", required=True)
    ap.add_argument("--nfe", type=int, required=True)
    args = ap.parse_args()
    family = {}
    for path in args.suites:
        for line in open(path):
            t = json.loads(line)
            family[t["task_id"]] = t["combo"].split("/")[0]
    cells = collections.defaultdict(lambda: [0, 0])  # (split, family, method) -> [passed, samples]
    methods = []
    path = os.path.join(args.run, "results.jsonl")
    if not os.path.exists(path):
        path = os.path.join(args.run, "journal.jsonl")
    for line in open(path):
        row = json.loads(line)
        if row["nfe"] != args.nfe or row["task_id"] not in family:
            continue
        split = row["task_id"].rsplit("/", 1)[0]
        key = (split, family[row["task_id"]], row["method"])
        cells[key][0] += int(row["passed"])
        cells[key][1] += 1
        if row["method"] not in methods:
            methods.append(row["method"])
    for split in sorted({k[0] for k in cells}):
        fams = sorted({k[1] for k in cells if k[0] == split})
        print(f"\n{split}, T = {args.nfe}: pass@1 % (tasks)\n")
        print("| family | " + " | ".join(methods) + " |")
        print("|---|" + "---:|" * len(methods))
        for f in fams:
            row = []
            for m in methods:
                p, n = cells[(split, f, m)]
                row.append(f"{100.0 * p / n:.0f} ({n})" if n else "–")
            print(f"| {f} | " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
