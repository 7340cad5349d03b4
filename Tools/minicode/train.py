"""Masked-diffusion (LLaDA SFT-style) training of the minicode model on CPU, resumable.

Each example is `prompt ++ answer`, the answer (completion tokens) padded with <|endoftext|> to the
canvas length G. Per example t ~ U(eps, 1) (stratified across the batch: one uniform offset, then
evenly spaced, which lowers the variance of the 1/t-weighted loss); every answer position (padding
included) is replaced by <|mdm_mask|> with probability t; the prompt is never masked. Loss = sum over
masked positions of w * CE / t, divided by G, averaged over the batch, where w is --copy-weight for
tokens that must be copied (from the prompt, or with --copy-scope answer also from elsewhere in the
body) and 1 otherwise. With --copy-only-frac, that share of each batch instead masks only copy tokens
(each with probability --copy-only-mask), everything else visible, and scores their mean CE: a small
model otherwise learned the code's shape for thousands of steps without learning to copy.

Batches are drawn uniformly (i.i.d.) from the whole training set. Sequences of different prompt
lengths are right-padded to the longest and the padding is excluded from attention by a key mask,
so every real token sees exactly what it would see at inference (positions 0..L-1, no padding).

The learning-rate schedule is warmup, constant, then linear decay over the last `--decay-frac` of
`--total-steps` (a function of the step only, so a resumed run follows the same curve).
Checkpoints (model, optimizer, step, RNG states) go to runs/<name>/ckpt.pt every --ckpt-minutes and
the run resumes from it automatically. The curve goes to runs/<name>/log.jsonl.

    nice -n 10 python train.py --name main --data runs/data --threads 2
"""

import argparse
import json
import math
import os
import random
import sys
import time

# Pin the CPU code paths before torch loads: PyTorch's vectorized kernels, MKL's GEMM and oneDNN
# otherwise dispatch on the CPU's widest vector unit, and their different float rounding grew into
# different models (the same command on an AVX-512 and on an AVX2 machine: vanilla pass@1 24.0% vs
# 14.0% on unseen instances at T = 64, issue 7). Pinned, a run depends on its flags, the torch build
# and the thread count only; weights_digest.py checks that a machine follows the shipped run.
PINNED_CPU_PATHS = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2", "DNNL_MAX_CPU_ISA": "AVX2"}
os.environ.update(PINNED_CPU_PATHS)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Config, LLaDA  # noqa: E402

EOS, MASK = 0, 1


def load_data(data_dir, G, tok):
    cache = os.path.join(data_dir, f"tokens_G{G}.npz")
    if os.path.exists(cache):
        z = np.load(cache, allow_pickle=True)
        return list(z["prompts"]), z["answers"]
    rows = [json.loads(l) for l in open(os.path.join(data_dir, "train.jsonl"))]
    pe = tok.encode_batch([r["prompt"] for r in rows])
    ce = tok.encode_batch([r["completion"] for r in rows])
    prompts, answers = [], []
    dropped = 0
    for p, c in zip(pe, ce):
        if len(c.ids) >= G:  # keep at least one end-of-text in the canvas
            dropped += 1
            continue
        prompts.append(np.array(p.ids, dtype=np.int16))
        answers.append(np.array(c.ids + [EOS] * (G - len(c.ids)), dtype=np.int16))
    print(f"tokenized {len(prompts)} examples, dropped {dropped} longer than the canvas", flush=True)
    prompts_arr = np.empty(len(prompts), dtype=object)
    prompts_arr[:] = prompts
    answers = np.stack(answers)
    np.savez(cache, prompts=prompts_arr, answers=answers)
    return prompts, answers


STOP_WORDS = {"for", "in", "if", "else", "return", "and", "or", "not", "is", "of", "the", "a", "to", "0", "1"}


# Names whose spelling follows from the code's shape, not from a copy: keywords, builtins, methods.
STRUCTURE_NAMES = {"for", "in", "if", "elif", "else", "while", "return", "and", "or", "not", "is", "def",
                   "sum", "len", "range", "enumerate", "str", "int", "max", "min", "abs", "list", "dict",
                   "append", "get", "split", "join", "lower", "upper", "isdigit", "isupper", "islower",
                   "startswith", "True", "False", "None"}


def copy_weights(tok, prompts, answers, weight, scope="prompt"):
    """Per answer token: `weight` where the token must be copied, else 1. scope "prompt": tokens that
    spell an identifier or digit of the prompt (the argument's name, a constant). scope "answer":
    also names the answer itself repeats (loop variables, accumulators), so the model learns to keep
    a name consistent across the body. Such tokens are a few per example, and without the extra
    weight a small model learned for thousands of steps to guess them from the answer's shape."""
    import re
    text = [tok.id_to_token(i) or "" for i in range(tok.get_vocab_size())]
    stripped = [t.replace("\u0120", "").strip("():,[]") for t in text]  # byte-level 'Ġ' is a space
    is_name = [re.fullmatch(r"[A-Za-z_][A-Za-z_0-9]*", t) is not None and t not in STRUCTURE_NAMES
               for t in stripped]
    out = np.ones(answers.shape, dtype=np.float32)
    for row, (p, a) in enumerate(zip(prompts, answers)):
        words = set(re.findall(r"[A-Za-z_]+|\d", tok.decode(p.tolist()))) - STOP_WORDS
        if scope == "answer":
            names = [stripped[token] for token in a if is_name[token]]
            words |= {n for n in names if names.count(n) > 1}
        for col, token in enumerate(a):
            if stripped[token] in words:
                out[row, col] = weight
    return out


class Batcher:
    """Uniform i.i.d. batches; returns the prompt lengths and the prompts right-padded with EOS."""

    def __init__(self, prompts, answers, weights=None):
        self.answers = answers
        self.prompts = prompts
        self.weights = weights

    def sample(self, rng, B):
        idx = [rng.randrange(len(self.prompts)) for _ in range(B)]
        lens = torch.tensor([len(self.prompts[i]) for i in idx])
        p = torch.full((B, int(lens.max())), EOS, dtype=torch.int64)
        for row, i in enumerate(idx):
            p[row, :len(self.prompts[i])] = torch.from_numpy(self.prompts[i].astype(np.int64))
        a = torch.tensor(self.answers[idx].astype(np.int64))
        w = None if self.weights is None else torch.from_numpy(self.weights[idx])
        return (p, lens, w), a


def diffusion_loss(model, prompts, a, eps=1e-3, gen=None, device="cpu", copy_rows=0, copy_mask=0.5):
    """copy_rows: that many rows of the batch (the first ones; batches are i.i.d.) that have copy
    tokens mask each of those tokens with probability copy_mask (1: all of them), everything else
    visible, and score their mean CE."""
    p, lens, w = prompts
    B, G = a.shape
    # Stratified t (drawn on the CPU: the same stream on any device).
    u = (torch.rand(1, generator=gen) + torch.arange(B).float() / B) % 1.0
    t = ((1 - eps) * u + eps)[torch.randperm(B, generator=gen)].unsqueeze(1)
    masked = torch.rand(B, G, generator=gen) < t
    copy_row = torch.zeros(B, dtype=torch.bool)
    if copy_rows and w is not None:
        copy_row[:copy_rows] = True
        copy_row &= (w > 1).any(1)
        # Below 1, a name the body repeats usually stays visible somewhere to copy from.
        chosen = w > 1
        if copy_mask < 1:
            chosen &= torch.rand(B, G, generator=gen) < copy_mask
        masked = torch.where(copy_row.unsqueeze(1), chosen, masked)
    P = p.shape[1]
    # Row r: prompt (lens[r]) ++ answer (G) ++ EOS padding up to P + G, padding masked out of attention.
    pos = torch.arange(P + G)
    answer_pos = lens.unsqueeze(1) + torch.arange(G)                     # (B, G)
    key_mask = pos.unsqueeze(0) < (lens + G).unsqueeze(1)               # (B, P+G)
    noisy = torch.where(masked, torch.full_like(a, MASK), a)
    x = torch.full((B, P + G), EOS, dtype=torch.int64)
    x[:, :P] = p
    x.scatter_(1, answer_pos, noisy)
    x, key_mask, answer_pos = x.to(device), key_mask.to(device), answer_pos.to(device)
    a, t, masked = a.to(device), t.to(device), masked.to(device)
    out = model(x, key_mask)
    logits = torch.gather(out, 1, answer_pos.unsqueeze(-1).expand(-1, -1, out.shape[-1]))
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), a.reshape(-1), reduction="none").view(B, G)
    plain = ce * masked
    if w is not None:
        ce = ce * w.to(device)
    loss = ((ce * masked) / t).sum(1) / G
    copy_row = copy_row.to(device)
    if copy_row.any():
        loss = torch.where(copy_row, plain.sum(1) / masked.sum(1).clamp(min=1), loss)
    return loss.mean(), (ce * masked).sum() / masked.sum().clamp(min=1)


def lr_at(step, a):
    if step < a.warmup:
        return a.lr * (step + 1) / a.warmup
    decay_start = int(a.total_steps * (1 - a.decay_frac))
    if step < decay_start:
        return a.lr
    frac = (step - decay_start) / max(1, a.total_steps - decay_start)
    return a.lr * (1 - frac) + a.lr * a.final_lr_frac * frac


def quick_eval(model, tok, tasks, G, nfes):
    from decode_reference import check_all, decode_suite
    model.eval()
    res = {}
    for T in nfes:
        comps = decode_suite(model, tok, tasks, G, T, "vanilla", 0)
        ok = check_all(tasks, comps)
        res[f"pass1_vanilla_nfe{T}"] = round(100.0 * sum(ok) / len(ok), 1)
    model.train()
    return res


def save(path, model, opt, step, rng, gen, elapsed, args):
    tmp = path + ".tmp"
    torch.save(dict(model=model.state_dict(), opt=opt.state_dict(), step=step, py_rng=rng.getstate(),
                    torch_gen=gen.get_state(), elapsed=elapsed, config=model.config.to_dict(),
                    args=vars(args)), tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", default="main")
    ap.add_argument("--data", default="runs/data", help="folder with train.jsonl and tokenizer.json")
    ap.add_argument("--heldout", default="../../Examples/minicode/minicode-instances.jsonl")
    ap.add_argument("--runs", default="runs")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--canvas", type=int, default=64)
    ap.add_argument("--d-model", type=int, default=256)
    ap.add_argument("--n-layers", type=int, default=4)
    ap.add_argument("--n-heads", type=int, default=4)
    ap.add_argument("--mlp", type=int, default=640)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--final-lr-frac", type=float, default=0.05)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--total-steps", type=int, default=2000)
    ap.add_argument("--decay-frac", type=float, default=0.3)
    ap.add_argument("--wd", type=float, default=0.05)
    ap.add_argument("--ckpt-minutes", type=float, default=4.0)
    ap.add_argument("--log-every", type=int, default=20)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--eval-tasks", type=int, default=40)
    ap.add_argument("--eval-nfe", type=int, nargs="+", default=[16, 64])
    ap.add_argument("--t-min", type=float, default=1e-3,
                    help="t ~ U(t_min, 1): bounds the 1/t weight (1e-3 as LLaDA; 0.05 caps it at 20)")
    ap.add_argument("--copy-scope", choices=["prompt", "answer"], default="prompt",
                    help="copy tokens: names and digits of the prompt, or also names the answer repeats")
    ap.add_argument("--copy-only-frac", type=float, default=0.0,
                    help="share of each batch that masks only (some of) its copy tokens, everything else visible")
    ap.add_argument("--copy-only-mask", type=float, default=0.5,
                    help="in those rows, the probability that a copy token is masked (1: all of them)")
    ap.add_argument("--copy-weight", type=float, default=1.0,
                    help="loss weight of answer tokens that must be copied (see --copy-scope)")
    ap.add_argument("--init-from", default="", help="start from this checkpoint's weights (and optimizer state)")
    ap.add_argument("--device", default="cpu", help="cpu or cuda (a lent GPU machine may do the run)")
    ap.add_argument("--max-minutes", type=float, default=0, help="stop (after a checkpoint) after this long")
    ap.add_argument("--stop-at", type=int, default=0,
                    help="stop (after a checkpoint) at this step; the schedule still follows --total-steps")
    args = ap.parse_args()
    if args.copy_only_frac and args.copy_weight == 1.0:
        ap.error("--copy-only-frac needs --copy-weight other than 1: copy tokens are the weighted ones")

    torch.set_num_threads(args.threads)
    capability = torch.backends.cpu.get_cpu_capability()
    if args.device == "cpu" and capability != "AVX2":
        sys.exit(f"train.py: torch runs its CPU kernels with {capability}, not the pinned AVX2 "
                 f"({PINNED_CPU_PATHS}); this CPU cannot reproduce the shipped model")
    here = os.path.dirname(os.path.abspath(__file__))
    os.chdir(here)
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(args.data, "tokenizer.json"))
    run_dir = os.path.join(args.runs, args.name)
    os.makedirs(run_dir, exist_ok=True)
    ckpt_path = os.path.join(run_dir, "ckpt.pt")
    log = open(os.path.join(run_dir, "log.jsonl"), "a")

    prompts, answers = load_data(args.data, args.canvas, tok)
    weights = None
    if args.copy_weight != 1.0:
        weights = copy_weights(tok, prompts, answers, args.copy_weight, args.copy_scope)
        print(f"copy-weighted tokens: {(weights != 1).sum()} of {weights.size}", flush=True)
    batcher = Batcher(prompts, answers, weights)
    max_len = max(len(p) for p in prompts) + args.canvas
    heldout = [json.loads(l) for l in open(args.heldout)][:args.eval_tasks]

    torch.manual_seed(args.seed)
    cfg = Config(tok.get_vocab_size(), args.d_model, args.n_layers, args.n_heads, None, args.mlp,
                 max_sequence_length=max(256, 1 << (max_len - 1).bit_length()), mask_token_id=MASK,
                 eos_token_id=EOS, pad_token_id=EOS)
    model = LLaDA(cfg).to(args.device)
    if args.device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = True
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([dict(params=decay, weight_decay=args.wd), dict(params=no_decay, weight_decay=0.0)],
                            lr=args.lr, betas=(0.9, 0.98), eps=1e-8)
    rng = random.Random(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    step, elapsed = 0, 0.0
    source = ckpt_path if os.path.exists(ckpt_path) else (args.init_from or None)
    if source:
        ck = torch.load(source, weights_only=False, map_location=args.device)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, elapsed = ck["step"], ck["elapsed"]
        rng.setstate(ck["py_rng"])
        gen.set_state(ck["torch_gen"].cpu())
        print(f"resumed from {source} at step {step}", flush=True)
    print(f"params {model.num_params() / 1e6:.2f}M, vocab {cfg.vocab_size}, examples {len(prompts)}", flush=True)

    model.train()
    t_start = time.time()
    last_ckpt = time.time()
    run_loss, run_ce, n_acc = 0.0, 0.0, 0
    while step < args.total_steps:
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args)
        p, a = batcher.sample(rng, args.batch)
        loss, ce = diffusion_loss(model, p, a, eps=args.t_min, gen=gen, device=args.device,
                                  copy_rows=round(args.copy_only_frac * args.batch), copy_mask=args.copy_only_mask)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        run_loss += loss.item()
        run_ce += ce.item()
        n_acc += 1
        now = time.time()
        if step % args.log_every == 0:
            rec = dict(step=step, loss=round(run_loss / n_acc, 4), masked_ce=round(run_ce / n_acc, 4),
                       lr=round(lr_at(step - 1, args), 6), gnorm=round(float(gnorm), 3),
                       minutes=round((elapsed + now - t_start) / 60, 2))
            print(json.dumps(rec), flush=True)
            log.write(json.dumps(rec) + "\n")
            log.flush()
            run_loss, run_ce, n_acc = 0.0, 0.0, 0
        if args.eval_every and (step % args.eval_every == 0 or step == args.total_steps):
            rec = dict(step=step, **quick_eval(model, tok, heldout, args.canvas, args.eval_nfe))
            print(json.dumps(rec), flush=True)
            log.write(json.dumps(rec) + "\n")
            log.flush()
        done = step >= args.total_steps
        over = (args.max_minutes and (elapsed + time.time() - t_start) / 60 > args.max_minutes) or \
            (args.stop_at and step >= args.stop_at)
        if done or over or time.time() - last_ckpt > args.ckpt_minutes * 60:
            save(ckpt_path, model, opt, step, rng, gen, elapsed + time.time() - t_start, args)
            last_ckpt = time.time()
        if over:
            print(f"stopping at step {step} (--max-minutes or --stop-at)", flush=True)
            break
    if step >= args.total_steps:
        torch.save(dict(model=model.state_dict(), config=cfg.to_dict(), step=step), os.path.join(run_dir, "final.pt"))
    print("done", flush=True)


if __name__ == "__main__":
    main()
