"""Export a minicode checkpoint as a Dream model folder, plus the Swift parity fixture.

Writes into --out (default Sources/tolerator/Resources/minicode/):
  config.json             Dream/Qwen2 keys (model_type "Dream")
  generation_config.json  special ids, canvas length and the prompt format
  tokenizer.json          the trained byte-level BPE
  model.safetensors       bf16 weights, checkpoint tensor names (model.layers.N...., lm_head.weight)
and into --parity (default Tools/minicode/parity/):
  minicode-logits.json    input ids (some of them the mask id) and the float32 *aligned* logits
                          (Dream's shift applied: row j is raw row j - 1) that model.py computes
                          from the *exported* (bf16-rounded) weights, run in fp32
  FIXTURES.sha256         SHA-256 of every exported and fixture file

    python export.py --ckpt runs/main/final.pt
"""

import argparse
import hashlib
import json
import os
import shutil
import sys

import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Config, Dream  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        h.update(fh.read())
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(HERE, "runs/main/final.pt"))
    ap.add_argument("--tokenizer", default=os.path.join(HERE, "runs/data/tokenizer.json"))
    ap.add_argument("--out", default=os.path.join(ROOT, "Sources/tolerator/Resources/minicode"))
    ap.add_argument("--parity", default=os.path.join(HERE, "parity"))
    ap.add_argument("--suite", default=os.path.join(ROOT, "Examples/minicode/minicode-instances.jsonl"))
    ap.add_argument("--canvas", type=int, default=64)
    ap.add_argument("--dtype", choices=["bf16", "f16"], default="bf16")
    ap.add_argument("--method-options", default=os.path.join(HERE, "method_options.json"),
                    help="decoder defaults for this model ({method: options}, chosen by sweep_decoders.py); "
                         "written into generation_config.json as method_options")
    ap.add_argument("--cache-options", default=os.path.join(HERE, "cache_options.json"),
                    help="per-method KV-cache defaults ({method: {mode, refresh_every}}, chosen by "
                         "Tools/cachegrid: the fastest setting within 1.5 points of exact decoding); "
                         "written into generation_config.json as cache_options")
    args = ap.parse_args()

    ck = torch.load(args.ckpt, weights_only=False, map_location="cpu")
    c = Config(**ck["config"])
    os.makedirs(args.out, exist_ok=True)
    dt = torch.bfloat16 if args.dtype == "bf16" else torch.float16
    tensors = {k: v.detach().to(dt).contiguous() for k, v in ck["model"].items()}
    wpath = os.path.join(args.out, "model.safetensors")
    save_file(tensors, wpath, metadata={"format": "pt"})
    os.chmod(wpath, 0o644)
    hf = c.hf_config()
    hf["torch_dtype"] = "bfloat16" if args.dtype == "bf16" else "float16"
    with open(os.path.join(args.out, "config.json"), "w") as fh:
        json.dump(hf, fh, indent=2)
        fh.write("\n")
    gen = {
        "eos_token_id": [c.eos_token_id, 2],
        "pad_token_id": c.pad_token_id,
        "mask_token_id": c.mask_token_id,
        "canvas_length": args.canvas,
        "prompt_format": "raw HumanEval prompt text (signature + docstring), no chat template, no BOS",
        # Trained on docstrings without >>> examples: generate/propose take them out of the model's input.
        "prompt_examples": False,
        "trained_steps": ck.get("step"),
    }
    if args.method_options and os.path.exists(args.method_options):
        gen["method_options"] = json.load(open(args.method_options))
    if args.cache_options and os.path.exists(args.cache_options):
        gen["cache_options"] = json.load(open(args.cache_options))
    with open(os.path.join(args.out, "generation_config.json"), "w") as fh:
        json.dump(gen, fh, indent=2)
        fh.write("\n")
    shutil.copyfile(args.tokenizer, os.path.join(args.out, "tokenizer.json"))
    print(f"wrote {args.out}: {os.path.getsize(wpath) / 1e6:.2f} MB weights, {len(tensors)} tensors")

    # Parity fixture from the rounded weights, computed in fp32.
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(args.tokenizer)
    m = Dream(c)
    m.load_state_dict({k: v.float() for k, v in load_file(wpath).items()})
    m.eval()
    task = json.loads(open(args.suite).readline())
    prompt = tok.encode(task["prompt"]).ids
    answer = tok.encode(task["canonical_solution"]).ids
    # Case 1: short sequence, full logits. Case 2: a real prompt + half-masked canvas, some rows.
    short = prompt[:10] + [c.mask_token_id] * 4 + answer[:4] + [c.mask_token_id, c.eos_token_id]
    canvas = (answer + [c.eos_token_id] * args.canvas)[:args.canvas]
    full = prompt + [t if i % 2 == 0 else c.mask_token_id for i, t in enumerate(canvas)]
    rows = [0, len(prompt) - 1, len(prompt), len(prompt) + 1, len(prompt) + 7, len(full) - 1]
    with torch.no_grad():
        l1 = m.aligned(torch.tensor([short]))[0]
        l2 = m.aligned(torch.tensor([full]))[0]
    fixture = {
        "description": "float32 aligned logits (row j predicts token j: Dream's shift applied) of "
                       "Tools/minicode/model.py run in fp32 on the bf16 weights of "
                       "Sources/tolerator/Resources/minicode/model.safetensors (weights upcast exactly)",
        "mask_token_id": c.mask_token_id,
        "vocab_size": c.vocab_size,
        "cases": [
            {"name": "short", "input_ids": short, "rows": list(range(len(short))),
             "logits": [[round(float(x), 6) for x in r] for r in l1]},
            {"name": "prompt+half-masked-canvas", "input_ids": full, "rows": rows,
             "logits": [[round(float(x), 6) for x in l2[r]] for r in rows],
             "argmax_all_rows": l2.argmax(-1).tolist()},
        ],
    }
    os.makedirs(args.parity, exist_ok=True)
    fpath = os.path.join(args.parity, "minicode-logits.json")
    with open(fpath, "w") as fh:
        json.dump(fixture, fh)
    files = [wpath, os.path.join(args.out, "config.json"), os.path.join(args.out, "generation_config.json"),
             os.path.join(args.out, "tokenizer.json"), fpath]
    with open(os.path.join(args.parity, "FIXTURES.sha256"), "w") as fh:
        for f in files:
            fh.write(f"{sha256(f)}  {os.path.relpath(f, ROOT)}\n")
    print(f"wrote {fpath} ({os.path.getsize(fpath) / 1e3:.0f} kB) and FIXTURES.sha256")


if __name__ == "__main__":
    main()
