#!/usr/bin/env python3
"""Write the 492-sample HumanEval load file: per task the canonical solution, an empty
completion and one deterministic mutant of the canonical solution (the first operator or
constant that a fixed rewrite list finds). Used by Tools/loadtest/score_load.sh to time the
sandbox as root and as an ordinary user; a few mutants loop forever, which is the point:
real timeouts must stay timeouts and nothing else may time out.

usage: humaneval_samples.py SUITE.jsonl[.gz] OUT.jsonl
"""
import gzip
import json
import sys

# Tried in order; the first that changes the solution wins. Deterministic, no randomness.
REWRITES = [(" + 1", " + 2"), (" - 1", " + 1"), ("<=", "<"), (">=", ">"), (" < ", " <= "),
            (" > ", " >= "), ("==", "!="), ("True", "False"), (" and ", " or "),
            ("+=", "-="), (" + ", " - "), ("[0]", "[1]"), ("return ", "return not ")]


def mutate(body: str) -> str:
    for old, new in REWRITES:
        if old in body:
            return body.replace(old, new, 1)
    return body + "\n    return None\n"


def main() -> None:
    suite, out = sys.argv[1], sys.argv[2]
    opener = gzip.open if suite.endswith(".gz") else open
    with opener(suite, "rt") as f:
        tasks = [json.loads(line) for line in f if line.strip()]
    with open(out, "w") as f:
        for task in tasks:
            canonical = task["canonical_solution"]
            for completion in (canonical, "", mutate(canonical)):
                f.write(json.dumps({"task_id": task["task_id"], "completion": completion}) + "\n")
    print(f"{out}: {3 * len(tasks)} samples from {len(tasks)} tasks")


if __name__ == "__main__":
    main()
