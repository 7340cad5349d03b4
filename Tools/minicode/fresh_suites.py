"""Held-out suites beyond the committed two, from other seeds, for checks that do not tune to them.

- `rare`: instance tasks (training combos) whose prompts the training stream never draws: every
  prompt in train.jsonl and in the committed suites is excluded. The committed "unseen instances"
  split was drawn from the natural distribution first and only then removed from training, so most
  of its tasks have training prompts one name or constant away; these do not. The `number` family
  has no prompt outside the training stream, so it is absent here, and families with more distinct
  prompts weigh more than in the natural mix (seed 1: pipe 195, piece 94, words 50, scan 26,
  chars 20, counts 15 of 400).
- `combos`: unseen-combination tasks drawn with another seed (combos never appear in training).

Every canonical solution runs against its test before the file is written, as in tasks.py.

    python fresh_suites.py --seed 1 --n 400 --train runs/data/train.jsonl --out runs/fresh
"""

import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tasks import build_test, build_visible_tests, sample_task, verify  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def suite(rng, n, heldout_combos, exclude, prefix):
    out, seen = [], set()
    while len(out) < n:
        t = sample_task(rng, want_heldout=heldout_combos)
        if t["prompt"] in exclude or t["prompt"] in seen:
            continue
        seen.add(t["prompt"])
        rec = dict(task_id=f"{prefix}/{len(out)}", prompt=t["prompt"],
                   canonical_solution="\n".join(t["body"]) + "\n", test=build_test(t, rng),
                   entry_point=t["entry_point"], combo="/".join(str(x) for x in t["combo"]))
        rec["visible_tests"] = build_visible_tests(t, rec["task_id"], rec["test"])
        out.append(rec)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, required=True, help="not 0 (seed 0 made the committed suites)")
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--train", default=os.path.join(HERE, "runs/data/train.jsonl"))
    ap.add_argument("--committed", default=os.path.join(HERE, "../../Examples/minicode"))
    ap.add_argument("--out", default=os.path.join(HERE, "runs/fresh"))
    args = ap.parse_args()
    if args.seed == 0:
        raise SystemExit("seed 0 drew the committed suites; use another")
    exclude = {json.loads(line)["prompt"] for line in open(args.train)}
    for name in ("minicode-instances.jsonl", "minicode-combos.jsonl"):
        exclude |= {json.loads(line)["prompt"] for line in open(os.path.join(args.committed, name))}
    os.makedirs(args.out, exist_ok=True)
    for kind, heldout in (("rare", False), ("combos", True)):
        rng = random.Random(args.seed * 7919 + (1 if heldout else 0))
        recs = suite(rng, args.n, heldout, exclude, f"MiniCode/{kind}-s{args.seed}")
        bad = [r["task_id"] for r in recs if not verify(r)]
        if bad:
            raise SystemExit(f"canonical solutions fail their tests: {bad[:5]}")
        path = os.path.join(args.out, f"minicode-{kind}-s{args.seed}.jsonl")
        with open(path, "w") as fh:
            for r in recs:
                fh.write(json.dumps(r) + "\n")
        print(f"wrote {len(recs)} verified tasks to {path}")


if __name__ == "__main__":
    main()
