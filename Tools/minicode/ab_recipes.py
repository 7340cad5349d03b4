"""A/B of training-recipe variants at equal CPU minutes, with one evaluation (issue 16).

Each variant is `train.py` with a few changed arguments. "Equal minutes" is made exact and
independent of what else the machine runs: `calibrate` times every variant's step (a short run,
steps 10-40 of 40, on an otherwise idle machine), and `train` gives each variant
budget / seconds-per-step steps, split between the causal and the diffusion phase by the
variant's fraction. Training is step-determined, so a variant trained beside other work is the
same model as one trained alone. `evaluate` exports each model to a folder and runs one
`tolerator eval`: vanilla and TOLERATOR (the shipped decoder defaults), pass@1 on the first 50
tasks of each held-out split at T = 16 and 64. `table` prints the Markdown table.

    python ab_recipes.py calibrate                 # ~5 min, idle machine
    python ab_recipes.py train --budget 8          # 8 minutes of 2 cores per variant
    python ab_recipes.py evaluate && python ab_recipes.py table
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BINARY = os.path.join(ROOT, ".build/release/tolerator")

# name: (what changes, causal fraction of the steps, extra train.py arguments)
VARIANTS = {
    "base": ("v2's recipe: batch 32, d 256 x 4 layers, 58% causal", 0.583, []),
    "causal-30": ("30% of the steps causal", 0.30, []),
    "causal-85": ("85% of the steps causal", 0.85, []),
    "batch-128": ("batch 128 (fewer steps)", 0.583, ["--batch", "128"]),
    "d384x6": ("d 384 x 6 layers, MLP 1024 (12 M parameters)", 0.583,
               ["--d-model", "384", "--n-layers", "6", "--n-heads", "6", "--mlp", "1024"]),
    "bf16": ("bf16 autocast (AVX512_BF16)", 0.583, ["--bf16"]),
}
# Evaluated the same way, not trained by this script: the shipped run (`train.py --name v2`).
REFERENCES = {"v2": ("v2 as shipped: the base recipe for 6,000 steps (45 idle minutes)", "runs/v2")}
SUITES = ["minicode", "minicode-combos", "minicode-rare"]


def train(name, args, ar_steps, mdm_steps, runs, threads):
    cmd = [sys.executable, os.path.join(HERE, "train.py"), "--name", name, "--runs", runs,
           "--threads", str(threads), "--ar-steps", str(ar_steps), "--mdm-steps", str(mdm_steps),
           "--log-every", "10"] + args
    subprocess.run(cmd, cwd=HERE, check=True, stdout=subprocess.DEVNULL)


def seconds_per_step(log_path):
    recs = [json.loads(line) for line in open(log_path)]
    by_step = {r["step"]: r["minutes"] for r in recs}
    return (by_step[40] - by_step[10]) * 60 / 30


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("action", choices=["calibrate", "train", "evaluate", "table"])
    ap.add_argument("--budget", type=float, default=8.0, help="minutes of --threads cores per variant")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", default=os.path.join(HERE, "runs/ab"))
    ap.add_argument("--only", nargs="*", help="variant names (default: all)")
    a = ap.parse_args()
    names = a.only or list(VARIANTS) + list(REFERENCES)
    os.makedirs(a.runs, exist_ok=True)
    cal_path = os.path.join(a.runs, "calibration.json")
    cal = json.load(open(cal_path)) if os.path.exists(cal_path) else {}

    if a.action == "calibrate":
        for name in names:
            run = os.path.join(a.runs, "cal")
            log = os.path.join(run, name, "log.jsonl")
            for f in ("log.jsonl", "ckpt.pt", "final.pt"):
                if os.path.exists(os.path.join(run, name, f)):
                    os.remove(os.path.join(run, name, f))
            train(name, VARIANTS[name][2], 20, 20, run, a.threads)
            cal[name] = round(seconds_per_step(log), 4)
            print(f"{name}: {cal[name]:.3f} s/step", flush=True)
            json.dump(cal, open(cal_path, "w"), indent=1)
    elif a.action == "train":
        for name in names:
            if name in REFERENCES or os.path.exists(os.path.join(a.runs, name, "final.pt")):
                continue
            # Variants that only move the causal/diffusion split run base's model and batch: its step time.
            steps = int(a.budget * 60 / cal[name if VARIANTS[name][2] else "base"])
            ar = round(steps * VARIANTS[name][1])
            print(f"{name}: {ar} causal + {steps - ar} diffusion steps", flush=True)
            train(name, VARIANTS[name][2], ar, steps - ar, a.runs, a.threads)
    elif a.action == "evaluate":
        for name in names:
            folder = os.path.join(a.runs, name)
            ckpt_dir = os.path.join(HERE, REFERENCES[name][1]) if name in REFERENCES else folder
            model = os.path.join(folder, "model")
            if all(os.path.exists(os.path.join(folder, "eval-" + s, "report.json")) for s in SUITES):
                continue
            subprocess.run([sys.executable, os.path.join(HERE, "export.py"), "--ckpt", os.path.join(ckpt_dir, "final.pt"),
                            "--tokenizer", os.path.join(HERE, "runs/data/tokenizer.json"), "--out", model,
                            "--parity", os.path.join(folder, "parity")], check=True, stdout=subprocess.DEVNULL)
            for suite in SUITES:
                subprocess.run([BINARY, "eval", "--model", model, "--suite", suite, "--limit", "50",
                                "--methods", "vanilla,tolerator", "--nfe", "16,64", "--lanes", "2", "--threads", "1",
                                "--cache", "none", "--out", os.path.join(folder, "eval-" + suite)], check=True, stdout=subprocess.DEVNULL)
            print(f"{name}: evaluated", flush=True)
    else:
        print("| variant | s/step | steps (causal + diffusion) | instances V16 / V64 / T16 / T64 "
              "| combos V16 / V64 / T16 / T64 | rare V16 / V64 / T16 / T64 | mean |")
        print("|---|---:|---:|---|---|---|---:|")
        for name in names:
            folder = os.path.join(a.runs, name)
            ckpt_dir = os.path.join(HERE, REFERENCES[name][1]) if name in REFERENCES else folder
            reps = [os.path.join(folder, "eval-" + suite, "report.json") for suite in SUITES]
            if not all(os.path.exists(r) for r in reps):
                continue
            ck = phase_steps(os.path.join(ckpt_dir, "final.pt"))
            what = REFERENCES[name][0] if name in REFERENCES else VARIANTS[name][0]
            # The step time the budget used: split-only variants and the reference run base's.
            timed = name if name in VARIANTS and VARIANTS[name][2] else "base"
            row = [what, f"{cal.get(timed, 0):.2f}", f"{ck[0] + ck[1]} ({ck[0]} + {ck[1]})"]
            allv = []
            for rep in reps:
                cells = pass_at_1(json.load(open(rep)))
                vals = [cells.get((m, t)) for m in ("vanilla", "tolerator") for t in (16, 64)]
                allv += [v for v in vals if v is not None]
                row.append(" / ".join("-" if v is None else f"{v:.0f}" for v in vals))
            row.append(f"{sum(allv) / max(1, len(allv)):.1f}")
            print("| " + " | ".join(row) + " |")


def phase_steps(ckpt_path):
    """(causal steps, diffusion steps) a finished run was given (its checkpoint's arguments)."""
    import torch
    args = torch.load(ckpt_path, weights_only=False, map_location="cpu")["args"]
    return args["ar_steps"], args["mdm_steps"]


def pass_at_1(report):
    """{(method, T): pass@1 %} from an eval report.json."""
    return {(c["method"], c["nfe"]): 100.0 * c["pass_at_k"]["1"] for c in report["cells"]}


if __name__ == "__main__":
    main()
