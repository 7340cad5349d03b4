"""Python reference decoders (shared/spec/decoding.md) and a pass@1 evaluator for minicode.

vanilla   = §1a LLaDA low-confidence, pure diffusion (one block = the whole canvas), temperature 0.
tolerator = §4: fill-up with vanilla for T_f = max(1, round(rho*T)) steps with the paper's EoT penalty
            (z_stop -= ln(lambda)) and fill-up temperature tau_f, then K = T - T_f refinement
            iterations: remask a uniform random subset of floor(gamma_k*|A|) unlocked canvas
            positions (cosine gamma from gamma_max to gamma_min, k/K form), one forward, re-predict
            them at tau_r, write back; a position whose new prediction equals its previous one R times
            in a row is locked. Stops early when every position is locked.
tolerator-draft = tolerator's fill-up alone (T_f steps, rho = 0.5), to measure what refinement adds.

Rows of a batch must share the prompt length (callers group tasks by it). All randomness comes from
one seeded torch.Generator.

    python decode_reference.py --model ../../Sources/tolerator/Resources/minicode \
        --suite ../../Examples/minicode/minicode-instances.jsonl --nfe 8 16 32 64 --seed 0
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import torch

STOP_IDS = (0, 2)  # <|endoftext|>, <|eot_id|>


def _logits(model, x):
    """Model call on the model's device; fp32 logits back on the CPU."""
    dev = next(model.parameters()).device
    return model.aligned(x.to(dev)).float().cpu()


def _schedule(c, s):
    return [c // s + (1 if j < c % s else 0) for j in range(s)]


def _sample(logits, tau, gen):
    """argmax at tau == 0, else an exact categorical sample from softmax(logits / tau)."""
    if tau == 0:
        return logits.argmax(-1)
    probs = torch.softmax(logits.double() / tau, dim=-1)
    flat = probs.reshape(-1, probs.shape[-1])
    return torch.multinomial(flat, 1, generator=gen).reshape(probs.shape[:-1])


def _topk_stable(conf, k):
    """Indices of the k largest values; ties go to the lower index."""
    order = torch.sort(conf, descending=True, stable=True).indices
    return order[:k]


@torch.no_grad()
def vanilla(model, prompt_ids, G, T, mask_id, gen=None, tau=0.0, stop_penalty=1.0, block=0, steps_out=None):
    """prompt_ids: LongTensor [B, m]. Returns the canvas [B, G]. block: semi-AR block length (0 = G)."""
    B, m = prompt_ids.shape
    block = block or G
    nblocks = G // block
    if G % block or T % nblocks:
        raise ValueError(f"canvas {G} / block {block} / steps {T} do not divide")
    x = torch.cat([prompt_ids, torch.full((B, G), mask_id, dtype=torch.long)], dim=1)
    sb = T // nblocks
    sched = _schedule(block, sb) * nblocks
    for j in range(T):
        right = (j // sb + 1) * block  # canvas positions >= right are outside the current block
        logits = _logits(model, x)[:, m:]
        if stop_penalty != 1.0:
            logits = logits.clone()
            for sid in STOP_IDS:
                logits[..., sid] -= math.log(stop_penalty)
        x0 = _sample(logits, tau, gen)
        p = torch.softmax(logits, dim=-1)
        conf = torch.gather(p, -1, x0.unsqueeze(-1)).squeeze(-1)
        masked = x[:, m:] == mask_id
        masked[:, right:] = False
        conf = torch.where(masked, conf, torch.full_like(conf, -math.inf))
        for r in range(B):
            k = min(sched[j], int(masked[r].sum()))
            if k == 0:
                continue
            idx = _topk_stable(conf[r], k)
            x[r, m + idx] = x0[r, idx]
        if steps_out is not None:
            steps_out.append(x[:, m:].clone())
    return x[:, m:]


@torch.no_grad()
def tolerator(model, prompt_ids, G, T, mask_id, gen, rho=0.5, stop_penalty=1.2, tau_f=0.0, tau_r=0.3,
              gamma_max=0.8, gamma_min=0.4, lock_after=10, block=0, info=None):
    B, m = prompt_ids.shape
    Tf = max(1, round(rho * T))
    K = T - Tf
    canvas = vanilla(model, prompt_ids, G, Tf, mask_id, gen=gen, tau=tau_f, stop_penalty=stop_penalty, block=block)
    draft = canvas.clone()
    prev = torch.full((B, G), -1, dtype=torch.long)
    streak = torch.zeros((B, G), dtype=torch.long)
    locked = torch.zeros((B, G), dtype=torch.bool)
    used = Tf
    for k in range(K):
        if bool(locked.all()):
            break
        gamma = gamma_min + 0.5 * (gamma_max - gamma_min) * (1 + math.cos(math.pi * k / K))
        x = torch.cat([prompt_ids, canvas], dim=1)
        chosen = []
        for r in range(B):
            avail = (~locked[r]).nonzero().squeeze(-1)
            n = int(math.floor(gamma * len(avail)))
            perm = torch.randperm(len(avail), generator=gen)[:n]
            sel = avail[perm]
            chosen.append(sel)
            x[r, m + sel] = mask_id
        logits = _logits(model, x)[:, m:]
        y = _sample(logits, tau_r, gen)
        used += 1
        for r in range(B):
            sel = chosen[r]
            if len(sel) == 0:
                continue
            new = y[r, sel]
            same = new == prev[r, sel]
            streak[r, sel] = torch.where(same, streak[r, sel] + 1, torch.ones_like(new))
            prev[r, sel] = new
            canvas[r, sel] = new
            locked[r, sel] = streak[r, sel] >= lock_after
    if info is not None:
        info.update(draft=draft, nfe=used)
    return canvas


def canvas_text(tok, ids):
    out = []
    for t in ids:
        if t in STOP_IDS:
            break
        out.append(t)
    return tok.decode(out, skip_special_tokens=True)


def run_program(src, timeout=5.0):
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(src)
        path = fh.name
    try:
        r = subprocess.run([sys.executable, path], capture_output=True, timeout=timeout)
        return r.returncode == 0
    except subprocess.TimeoutExpired:
        return False
    finally:
        os.unlink(path)


def check_all(tasks, completions, workers=2):
    srcs = [t["prompt"] + c + "\n\n" + t["test"] + f"\ncheck({t['entry_point']})\n" for t, c in zip(tasks, completions)]
    with ThreadPoolExecutor(workers) as ex:
        return list(ex.map(run_program, srcs))


def decode_suite(model, tok, tasks, G, T, method, seed, batch=64, **kw):
    """Completions for every task (order kept). Groups tasks by prompt length to batch them."""
    mask_id = model.config.mask_token_id
    gen = torch.Generator().manual_seed(seed)
    enc = [tok.encode(t["prompt"]).ids for t in tasks]
    groups = {}
    for i, e in enumerate(enc):
        groups.setdefault(len(e), []).append(i)
    out = [None] * len(tasks)
    for ln in sorted(groups):
        idxs = groups[ln]
        for s in range(0, len(idxs), batch):
            part = idxs[s:s + batch]
            p = torch.tensor([enc[i] for i in part], dtype=torch.long)
            if method == "vanilla":
                c = vanilla(model, p, G, T, mask_id, gen=gen, **kw)
            elif method == "tolerator":
                c = tolerator(model, p, G, T, mask_id, gen, **kw)
            elif method == "tolerator-draft":  # the fill-up phase alone: what refinement starts from
                c = vanilla(model, p, G, max(1, round(0.5 * T)), mask_id, gen=gen, tau=kw["tau_f"],
                            stop_penalty=kw["stop_penalty"], block=kw["block"])
            else:
                raise ValueError(method)
            for i, row in zip(part, c.tolist()):
                out[i] = canvas_text(tok, row)
    return out


def load_folder(path):
    """The exported model folder: config.json + model.safetensors (+ tokenizer.json)."""
    from safetensors.torch import load_file
    from tokenizers import Tokenizer

    from model import Config, Dream
    m = Dream(Config.from_hf(json.load(open(os.path.join(path, "config.json")))))
    sd = {k: v.float() for k, v in load_file(os.path.join(path, "model.safetensors")).items()}
    m.load_state_dict(sd)
    m.eval()
    gcfg = json.load(open(os.path.join(path, "generation_config.json")))
    return m, Tokenizer.from_file(os.path.join(path, "tokenizer.json")), gcfg


def main():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--suite", required=True)
    ap.add_argument("--nfe", type=int, nargs="+", default=[8, 16, 32, 64])
    ap.add_argument("--methods", nargs="+", default=["vanilla", "tolerator"],
                    help="vanilla, tolerator, tolerator-draft")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--stop-penalty", type=float, default=1.2)
    ap.add_argument("--tau-f", type=float, default=0.0)
    ap.add_argument("--tau-r", type=float, default=0.3)
    ap.add_argument("--block", type=int, default=0, help="vanilla semi-AR block length (0: whole canvas)")
    ap.add_argument("--fill-block", type=int, default=0, help="tolerator fill-up block length (0: whole canvas)")
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model, tok, gcfg = load_folder(args.model)
    G = gcfg.get("canvas_length", 64)
    tasks = [json.loads(l) for l in open(args.suite)]
    if args.limit:
        tasks = tasks[:args.limit]
    results = []
    for T in args.nfe:
        for method in args.methods:
            t0 = time.time()
            kw = dict(block=args.block)
            if method.startswith("tolerator"):
                kw = dict(stop_penalty=args.stop_penalty, tau_f=args.tau_f, tau_r=args.tau_r, block=args.fill_block)
            comps = decode_suite(model, tok, tasks, G, T, method, args.seed, **kw)
            ok = check_all(tasks, comps)
            rate = 100.0 * sum(ok) / len(ok)
            row = dict(method=method, nfe=T, seed=args.seed, n=len(ok), pass1=round(rate, 2), **kw,
                       seconds=round(time.time() - t0, 1))
            results.append(row)
            print(json.dumps(row), flush=True)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
