"""Independent NumPy forward pass (models.md §2.3, Dream/Qwen2, written from the spec, not from
model.py) checked against the parity fixture, so the fixture is known to encode the documented math,
Dream's logit shift included.

    python check_numpy.py --model ../../Sources/tolerator/Resources/minicode --fixture parity/minicode-logits.json
"""

import argparse
import json
import os

import numpy as np


def forward(w, cfg, ids):
    """Aligned logits: row j is the distribution for token j (raw row j - 1; row 0 keeps its own)."""
    d, H, KV = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = d // H
    eps = cfg["rms_norm_eps"]

    def rms(x, g):
        return (x / np.sqrt((x * x).mean(-1, keepdims=True) + eps)) * g

    L = len(ids)
    inv = 1.0 / (cfg["rope_theta"] ** (np.arange(0, hd, 2, dtype=np.float64) / hd))
    ang = np.arange(L)[:, None] * inv[None, :]
    cos = np.cos(np.concatenate([ang, ang], 1))
    sin = np.sin(np.concatenate([ang, ang], 1))

    def rope(x):  # x [heads, L, hd]
        a, b = x[..., :hd // 2], x[..., hd // 2:]
        return x * cos + np.concatenate([-b, a], -1) * sin

    def proj(x, name, heads):
        return (x @ w[name + ".weight"].T + w[name + ".bias"]).reshape(L, heads, hd).transpose(1, 0, 2)

    h = w["model.embed_tokens.weight"][ids].astype(np.float64)
    for n in range(cfg["num_hidden_layers"]):
        b = f"model.layers.{n}."
        x = rms(h, w[b + "input_layernorm.weight"])
        q = rope(proj(x, b + "self_attn.q_proj", H))
        k = np.repeat(rope(proj(x, b + "self_attn.k_proj", KV)), H // KV, axis=0)
        v = np.repeat(proj(x, b + "self_attn.v_proj", KV), H // KV, axis=0)
        s = q @ k.transpose(0, 2, 1) / np.sqrt(hd)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        att = (s @ v).transpose(1, 0, 2).reshape(L, d)
        h = h + att @ w[b + "self_attn.o_proj.weight"].T
        x = rms(h, w[b + "post_attention_layernorm.weight"])
        gate = x @ w[b + "mlp.gate_proj.weight"].T
        up = x @ w[b + "mlp.up_proj.weight"].T
        h = h + ((gate / (1 + np.exp(-gate))) * up) @ w[b + "mlp.down_proj.weight"].T
    raw = rms(h, w["model.norm.weight"]) @ w["lm_head.weight"].T
    return np.concatenate([raw[:1], raw[:-1]], 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--fixture", required=True)
    args = ap.parse_args()
    cfg = json.load(open(os.path.join(args.model, "config.json")))
    from safetensors.torch import load_file as load_pt  # safetensors.numpy cannot read bf16
    w = {k: v.float().numpy().astype(np.float64) for k, v in load_pt(os.path.join(args.model, "model.safetensors")).items()}
    fx = json.load(open(args.fixture))
    worst = 0.0
    for case in fx["cases"]:
        logits = forward(w, cfg, np.array(case["input_ids"]))
        ref = np.array(case["logits"])
        diff = np.abs(logits[case["rows"]] - ref).max()
        worst = max(worst, diff)
        print(f"{case['name']}: max |numpy - fixture| = {diff:.2e}")
        if "argmax_all_rows" in case:
            agree = (logits.argmax(-1) == np.array(case["argmax_all_rows"])).mean()
            print(f"  argmax agreement over all rows: {agree:.3f}")
    if worst > 1e-3:
        raise SystemExit("fixture does not match the spec math")
    print("ok")


if __name__ == "__main__":
    main()
