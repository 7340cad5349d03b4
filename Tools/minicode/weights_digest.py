"""SHA-256 of a training checkpoint's fp32 weights: the cheap way to tell whether a retrain took the
same path as the shipped run.

Two runs agree bit for bit or not at all, and the log's 4-decimal losses hide the first
differences for about a hundred steps (120 between an AVX2 and an AVX-512 run); this digest shows
them at once. Hashes every tensor of the
model's state dict in name order (name, shape, dtype, raw bytes), so it does not depend on how the
checkpoint file was pickled.

    python train.py <the flags of "Reproduce"> --name check --stop-at 200
    python weights_digest.py runs/check/ckpt.pt
"""

import argparse
import hashlib
import sys

import torch


def digest(state: dict) -> str:
    h = hashlib.sha256()
    for name in sorted(state):
        t = state[name].detach().cpu().contiguous()
        h.update(f"{name}|{tuple(t.shape)}|{t.dtype}|".encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkpoint", help="runs/<name>/ckpt.pt or final.pt")
    ap.add_argument("--expect", default="", help="exit 1 unless the digest starts with this")
    args = ap.parse_args()
    ck = torch.load(args.checkpoint, weights_only=False, map_location="cpu")
    if not isinstance(ck, dict) or "model" not in ck:
        sys.exit(f"{args.checkpoint}: not a train.py checkpoint (no 'model' entry)")
    value = digest(ck["model"])
    print(f"step {ck.get('step', '?')}: {value}")
    if args.expect and not value.startswith(args.expect.lower()):
        sys.exit(f"{args.checkpoint}: digest {value[:16]} is not the expected {args.expect[:16]}: "
                 "this run has left the shipped run's path")


if __name__ == "__main__":
    main()
