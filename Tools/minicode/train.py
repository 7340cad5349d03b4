"""Train the minicode model: a causal warm start, then masked-diffusion adaptation through Dream's
shifted head. CPU or GPU, resumable, one log record per --log-every steps.

Phase 1 (`--ar-steps`): next-token prediction on the answer tokens (causal attention over prompt and
answer; position i - 1 predicts token i; loss on the answer up to and including its first
<|endoftext|>). A small model learns the code's language and to copy names and constants from the
prompt far faster this way than from the masked objective alone (issue 16: 16 + 8 minutes of this
recipe gave 63% pass@1 where 97 minutes of masked diffusion from scratch gave 19%).

Phase 2 (`--mdm-steps`): the masked-diffusion objective of Dream/LLaDA SFT with the same shift,
bidirectional attention. Per example t ~ U(t_min, 1), stratified across the batch; each of the G
canvas positions (answer and EOS padding) is replaced by <|mdm_mask|> with probability t; the prompt
is never masked; loss = sum over masked positions of CE / t, divided by G, averaged over the batch.

Each phase has its own learning-rate curve, a function of the step only (so a resumed run follows
the same curve): linear warmup over --warmup steps, constant, then linear decay to --final-lr-frac
of the peak over the phase's last --decay-frac. AdamW's moments carry over between phases.

Batches are i.i.d. over the training set, right-padded, padding excluded from attention by a key
mask, so every real token sees what it sees at inference (positions 0..L-1, no padding).
Checkpoints go to runs/<name>/ckpt.pt every --ckpt-minutes (model, optimizer, step, RNG states); the
run resumes from it automatically, or with --init-weights from another run's weights (a new machine
that lost runs/: the shipped weights, a short warmup, and the log says so).

    nice -n 10 python train.py --name v2 --ar-steps 6000 --mdm-steps 6000
"""

import argparse
import json
import os
import random
import sys
import time

PINNED_CPU_PATHS = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2", "DNNL_MAX_CPU_ISA": "AVX2"}
if "--pin-avx2" in sys.argv:
    # Pins torch's vectorized kernels, MKL and oneDNN to their AVX2 paths so that AVX2 and AVX-512
    # machines round alike (bit-for-bit retrains across CPU kinds), at a cost in speed on AVX-512.
    os.environ.update(PINNED_CPU_PATHS)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Config, Dream  # noqa: E402

EOS, MASK = 0, 1


def load_data(data_dir, G, tok):
    """Tokenized (prompt ids, answer ids padded with EOS to G); cached next to train.jsonl."""
    cache = os.path.join(data_dir, f"tokens_G{G}.npz")
    if os.path.exists(cache):
        z = np.load(cache, allow_pickle=True)
        return list(z["prompts"]), z["answers"]
    rows = [json.loads(line) for line in open(os.path.join(data_dir, "train.jsonl"))]
    pe = tok.encode_batch([r["prompt"] for r in rows])
    ce = tok.encode_batch([r["completion"] for r in rows])
    prompts, answers, dropped = [], [], 0
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


class Batches:
    """i.i.d. batches: x (B, P + G) right-padded with EOS, the answers a (B, G), their positions
    (B, G) and the key mask (B, P + G), True for real tokens."""

    def __init__(self, prompts, answers, G, device):
        self.prompts, self.answers, self.G, self.device = prompts, answers, G, device

    def sample(self, rng, B):
        idx = [rng.randrange(len(self.prompts)) for _ in range(B)]
        lens = torch.tensor([len(self.prompts[i]) for i in idx])
        P, G = int(lens.max()), self.G
        x = torch.full((B, P + G), EOS, dtype=torch.long)
        for r, i in enumerate(idx):
            x[r, :len(self.prompts[i])] = torch.from_numpy(self.prompts[i].astype(np.int64))
        a = torch.from_numpy(self.answers[idx].astype(np.int64))
        pos = lens.unsqueeze(1) + torch.arange(G)
        x.scatter_(1, pos, a)
        key = torch.arange(P + G).unsqueeze(0) < (lens + G).unsqueeze(1)
        d = self.device
        return x.to(d), a.to(d), pos.to(d), key.to(d)


def shifted_logits(out, pos):
    """Rows pos - 1 of the raw logits: Dream's shift (the row before a position predicts it)."""
    return torch.gather(out, 1, (pos - 1).unsqueeze(-1).expand(-1, -1, out.shape[-1]))


def ar_loss(model, batch):
    x, a, pos, key = batch
    L = x.shape[1]
    causal = torch.tril(torch.ones(L, L, dtype=torch.bool, device=x.device))
    out = model(x, (causal.unsqueeze(0) & key[:, None, :]).unsqueeze(1))
    logits = shifted_logits(out, pos)
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), a.reshape(-1), reduction="none")
    w = ((a == EOS).cumsum(1) <= 1).float()  # the answer and its first end-of-text; the rest is padding
    return (ce.view_as(w) * w).sum() / w.sum()


def mdm_loss(model, batch, gen, t_min):
    x, a, pos, key = batch
    B, G = a.shape
    u = (torch.rand(1, generator=gen) + torch.arange(B).float() / B) % 1.0
    t = ((1 - t_min) * u + t_min)[torch.randperm(B, generator=gen)].unsqueeze(1).to(x.device)
    m = torch.rand(B, G, generator=gen).to(x.device) < t
    x = x.scatter(1, pos, torch.where(m, torch.full_like(a, MASK), a))
    logits = shifted_logits(model(x, key[:, None, None, :]), pos)
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), a.reshape(-1), reduction="none")
    return ((ce.view(B, G) * m) / t).sum(1).div(G).mean()


def lr_at(step, phase_steps, a):
    """Learning rate at `step` (0-based) of a phase of `phase_steps` steps."""
    warm = min(1.0, (step + 1) / a.warmup)
    decay_start = phase_steps * (1 - a.decay_frac)
    if step < decay_start:
        return a.lr * warm
    frac = (step - decay_start) / max(1.0, phase_steps - decay_start)
    return a.lr * warm * (1 - frac * (1 - a.final_lr_frac))


def save(path, model, opt, step, rng, gen, minutes, args):
    tmp = path + ".tmp"
    torch.save(dict(model=model.state_dict(), opt=opt.state_dict(), step=step, config=model.config.to_dict(),
                    py_rng=rng.getstate(), torch_rng=gen.get_state(), minutes=minutes, args=vars(args)), tmp)
    os.replace(tmp, path)  # a kill mid-save never leaves a torn checkpoint


def quick_eval(model, tok, suite, n, nfes):
    """pass@1 (%) of the reference vanilla decoder on the first n tasks of a suite."""
    from decode_reference import check_all, decode_suite
    tasks = [json.loads(line) for line in open(suite)][:n]
    model.eval()
    out = {}
    with torch.no_grad():
        for T in nfes:
            ok = check_all(tasks, decode_suite(model, tok, tasks, 64, T, "vanilla", 0))
            out[f"T{T}"] = round(100.0 * sum(ok) / len(ok), 1)
    model.train()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--name", default="v2")
    ap.add_argument("--data", default="runs/data", help="folder with train.jsonl and tokenizer.json")
    ap.add_argument("--runs", default="runs")
    ap.add_argument("--heldout", default="../../Examples/minicode/minicode-instances.jsonl")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="cpu or cuda (a lent GPU machine)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--canvas", type=int, default=64)
    ap.add_argument("--d-model", type=int, default=256)
    ap.add_argument("--n-layers", type=int, default=4)
    ap.add_argument("--n-heads", type=int, default=4)
    ap.add_argument("--n-kv-heads", type=int, default=0, help="0: as many as query heads")
    ap.add_argument("--mlp", type=int, default=640)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--ar-steps", type=int, default=6000)
    ap.add_argument("--mdm-steps", type=int, default=6000)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--final-lr-frac", type=float, default=0.05)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--decay-frac", type=float, default=0.4)
    ap.add_argument("--wd", type=float, default=0.05)
    ap.add_argument("--t-min", type=float, default=0.05, help="lowest mask rate (caps the 1/t weight)")
    ap.add_argument("--bf16", action="store_true", help="bf16 autocast (CPU with AVX512_BF16, or GPU)")
    ap.add_argument("--pin-avx2", action="store_true", help="pin torch/MKL/oneDNN to AVX2 code paths")
    ap.add_argument("--ckpt-minutes", type=float, default=3.0)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--eval-at", type=int, nargs="*", default=[], help="steps at which to print quick pass@1")
    ap.add_argument("--init-weights", default="",
                    help="start from these weights: a .pt checkpoint, or an exported model folder / .safetensors "
                         "(a new machine that lost runs/ continues from the committed weights)")
    ap.add_argument("--stop-at", type=int, default=0, help="stop (after a checkpoint) at this step")
    args = ap.parse_args()

    from tokenizers import Tokenizer
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    tok = Tokenizer.from_file(os.path.join(args.data, "tokenizer.json"))
    G = args.canvas
    prompts, answers = load_data(args.data, G, tok)
    batches = Batches(prompts, answers, G, args.device)
    cfg = Config(tok.get_vocab_size(), args.d_model, args.n_layers, args.n_heads, args.n_kv_heads or None,
                 args.mlp, max_sequence_length=256, mask_token_id=MASK, eos_token_id=EOS, pad_token_id=EOS)
    model = Dream(cfg).to(args.device)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    rest = [p for n, p in model.named_parameters() if p.dim() != 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd}, {"params": rest, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.98))
    rng, gen = random.Random(args.seed), torch.Generator().manual_seed(args.seed)
    run_dir = os.path.join(args.runs, args.name)
    os.makedirs(run_dir, exist_ok=True)
    ckpt_path, log_path = os.path.join(run_dir, "ckpt.pt"), os.path.join(run_dir, "log.jsonl")
    step, minutes0 = 0, 0.0
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, weights_only=False, map_location=args.device)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, minutes0 = ck["step"], ck["minutes"]
        rng.setstate(ck["py_rng"])
        gen.set_state(ck["torch_rng"])
        print(f"resumed {ckpt_path} at step {step}", flush=True)
    elif args.init_weights:
        path = args.init_weights
        if os.path.isdir(path) or path.endswith(".safetensors"):
            # The committed weights (an exported folder): bf16, upcast; same tensor names as the state dict.
            from safetensors.torch import load_file
            file = os.path.join(path, "model.safetensors") if os.path.isdir(path) else path
            model.load_state_dict({k: v.float() for k, v in load_file(file).items()})
        else:
            ck = torch.load(path, weights_only=False, map_location=args.device)
            model.load_state_dict(ck["model"] if "model" in ck else ck)
        print(f"initialised from {path} (fresh optimizer: the first --warmup steps re-warm it)", flush=True)
    print(f"{model.num_params() / 1e6:.2f} M parameters, {len(prompts)} examples, batch {args.batch}, "
          f"{args.ar_steps} causal + {args.mdm_steps} diffusion steps", flush=True)

    total = args.ar_steps + args.mdm_steps
    start, last_ckpt = time.time(), time.time()
    log = open(log_path, "a")
    model.train()
    while step < total and not (args.stop_at and step >= args.stop_at):
        ar = step < args.ar_steps
        local = step if ar else step - args.ar_steps
        lr = lr_at(local, args.ar_steps if ar else args.mdm_steps, args)
        for g in opt.param_groups:
            g["lr"] = lr
        batch = batches.sample(rng, args.batch)
        with torch.autocast(device_type=args.device.split(":")[0], dtype=torch.bfloat16, enabled=args.bf16):
            loss = ar_loss(model, batch) if ar else mdm_loss(model, batch, gen, args.t_min)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        minutes = minutes0 + (time.time() - start) / 60
        if step % args.log_every == 0:
            rec = dict(step=step, phase="ar" if ar else "mdm", loss=round(loss.item(), 4),
                       gnorm=round(float(gnorm), 3), lr=round(lr, 7), minutes=round(minutes, 2))
            log.write(json.dumps(rec) + "\n")
            log.flush()
            print(json.dumps(rec), flush=True)
        if step in args.eval_at:
            res = quick_eval(model, tok, args.heldout, 50, [16, 64])
            print(json.dumps(dict(step=step, eval_instances_50=res)), flush=True)
            log.write(json.dumps(dict(step=step, eval_instances_50=res)) + "\n")
            log.flush()
        if time.time() - last_ckpt > args.ckpt_minutes * 60 or step == total or step == args.stop_at \
                or step == args.ar_steps:
            save(ckpt_path, model, opt, step, rng, gen, minutes, args)
            last_ckpt = time.time()
    if step >= total:
        save(os.path.join(run_dir, "final.pt"), model, opt, step, rng, gen, minutes0 + (time.time() - start) / 60, args)
        print(f"done: {step} steps, {minutes0 + (time.time() - start) / 60:.1f} minutes", flush=True)


if __name__ == "__main__":
    main()
