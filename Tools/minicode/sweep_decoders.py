"""Sweep decoder settings on a validation suite with the Swift binary (`tolerator eval`), so the
embedded model's defaults are chosen on tasks that are neither committed suite.

Each setting is one `tolerator eval` run (its own folder under --out) with `--method-options`;
prints a Markdown table of pass@1 per setting and budget, and the average over the budgets.

    python fresh_suites.py --seed 2                      # runs/fresh/minicode-rare-s2.jsonl
    python sweep_decoders.py --suite runs/fresh/minicode-rare-s2.jsonl --limit 100 --nfe 4,8,16
"""

import argparse
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))

DREAM_GREEDY = {"unmask": "entropy", "temperature": 0.0}
LLADA_GREEDY = {"unmask": "low-confidence", "temperature": 0.0}


def tolerator(fill_up, rho=0.5, tau_r=0.3, eot=1.2, gmax=0.8, gmin=0.4):
    return {"fill_up": fill_up, "fill_up_fraction": rho, "refinement_temperature": tau_r, "eot_penalty": eot,
            "gamma_max": gmax, "gamma_min": gmin}


SETTINGS = [
    ("vanilla, Dream entropy (family default)", "vanilla", DREAM_GREEDY),
    ("vanilla, LLaDA low-confidence", "vanilla", LLADA_GREEDY),
    ("tolerator, spec defaults (entropy fill-up at tau 0.5)", "tolerator",
     tolerator({"unmask": "entropy", "temperature": 0.5})),
    ("tolerator, greedy entropy fill-up", "tolerator", tolerator(DREAM_GREEDY)),
    ("tolerator, greedy low-confidence fill-up", "tolerator", tolerator(LLADA_GREEDY)),
    ("tolerator, greedy entropy fill-up, tau_r 0", "tolerator", tolerator(DREAM_GREEDY, tau_r=0.0)),
    ("tolerator, greedy entropy fill-up, rho 0.75", "tolerator", tolerator(DREAM_GREEDY, rho=0.75)),
    ("tolerator, greedy entropy fill-up, rho 0.75, tau_r 0", "tolerator", tolerator(DREAM_GREEDY, rho=0.75, tau_r=0.0)),
    ("tolerator, greedy low-confidence fill-up, rho 0.75, tau_r 0", "tolerator",
     tolerator(LLADA_GREEDY, rho=0.75, tau_r=0.0)),
    ("tolerator, greedy entropy fill-up, rho 0.75, gamma 0.5-0.2", "tolerator",
     tolerator(DREAM_GREEDY, rho=0.75, gmax=0.5, gmin=0.2)),
    ("tolerator, greedy entropy fill-up, rho 0.5, gamma 0.5-0.2", "tolerator",
     tolerator(DREAM_GREEDY, rho=0.5, gmax=0.5, gmin=0.2)),
    ("tolerator, greedy entropy fill-up, rho 0.75, gamma 0.3-0.1", "tolerator",
     tolerator(DREAM_GREEDY, rho=0.75, gmax=0.3, gmin=0.1)),
    ("tolerator, greedy low-confidence fill-up, rho 0.5, gamma 0.5-0.2", "tolerator",
     tolerator(LLADA_GREEDY, rho=0.5, gmax=0.5, gmin=0.2)),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--suite", required=True)
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--nfe", default="4,8,16")
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build/release/tolerator"))
    ap.add_argument("--model", default="", help="model folder (default: the embedded model)")
    ap.add_argument("--out", default=os.path.join(HERE, "runs/sweep"))
    ap.add_argument("--only", type=int, nargs="*", help="indices of SETTINGS to run")
    args = ap.parse_args()
    budgets = [int(x) for x in args.nfe.split(",")]
    rows = []
    for index, (label, method, options) in enumerate(SETTINGS):
        if args.only and index not in args.only:
            continue
        out = os.path.join(args.out, f"s{index}")
        subprocess.run([args.binary, "eval", "--suite", args.suite, "--limit", str(args.limit), "--methods", method,
                        "--nfe", args.nfe, "--method-options", json.dumps({method: options}), "--lanes", "2",
                        "--threads", "1", "--cache", "none", "--out", out] + (["--model", args.model] if args.model else []), check=True, stdout=subprocess.DEVNULL)
        report = json.load(open(os.path.join(out, "report.json")))
        cells = {c["nfe"]: 100 * c["pass_at_k"]["1"] for c in report["cells"]}
        rows.append((index, label, [cells[t] for t in budgets]))
        print(json.dumps({"setting": index, "label": label, "pass1": cells}), flush=True)
    print("\n| # | setting | " + " | ".join(f"T={t}" for t in budgets) + " | mean |")
    print("|---|---|" + "---:|" * (len(budgets) + 1))
    for index, label, values in rows:
        print(f"| {index} | {label} | " + " | ".join(f"{v:.1f}" for v in values) + f" | {sum(values) / len(values):.1f} |")


if __name__ == "__main__":
    main()
