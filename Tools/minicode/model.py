"""A compact LLaDA (OLMo-layout) bidirectional transformer, with exactly the math of models.md §3.3.

- h = wte[ids]; no position embedding, no input scaling.
- Per block: xn = RMSNorm(attn_norm)(h); q, k, v = xn Wq^T, xn Wk^T, xn Wv^T; rotate-half RoPE on q and k
  (computed in fp32); SDPA with no mask (bidirectional), scale 1/sqrt(head_dim);
  h += attn_out(att); xn = RMSNorm(ff_norm)(h); h += ff_out(silu(ff_proj(xn)) * up_proj(xn)).
- logits = ff_out_head(RMSNorm(ln_f)(h)); no shift: row i predicts token i.
RMSNorm: x * rsqrt(mean(x^2) + eps) in fp32, cast to the activation dtype, then * weight. No biases.

State-dict keys are the checkpoint tensor names (model.transformer....), so export is a plain copy.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Config:
    def __init__(self, vocab_size, d_model=256, n_layers=6, n_heads=4, n_kv_heads=None, mlp_hidden_size=768,
                 rope_theta=10000.0, rms_norm_eps=1e-5, max_sequence_length=256,
                 mask_token_id=1, eos_token_id=0, pad_token_id=0):
        self.vocab_size = vocab_size
        self.d_model = d_model
        self.n_layers = n_layers
        self.n_heads = n_heads
        self.n_kv_heads = n_kv_heads or n_heads
        self.mlp_hidden_size = mlp_hidden_size
        self.rope_theta = rope_theta
        self.rms_norm_eps = rms_norm_eps
        self.max_sequence_length = max_sequence_length
        self.mask_token_id = mask_token_id
        self.eos_token_id = eos_token_id
        self.pad_token_id = pad_token_id

    def to_dict(self):
        return dict(self.__dict__)

    def hf_config(self):
        """config.json in LLaDA's OLMo vocabulary (the keys ConfigParsing.swift reads)."""
        return {
            "architectures": ["LLaDAModelLM"],
            "model_type": "llada",
            "d_model": self.d_model,
            "n_layers": self.n_layers,
            "n_heads": self.n_heads,
            "n_kv_heads": self.n_kv_heads,
            "mlp_hidden_size": self.mlp_hidden_size,
            "mlp_ratio": self.mlp_hidden_size // self.d_model,
            "vocab_size": self.vocab_size,
            "embedding_size": self.vocab_size,
            "max_sequence_length": self.max_sequence_length,
            "rope": True,
            "rope_theta": self.rope_theta,
            "rope_full_precision": True,
            "rms_norm_eps": self.rms_norm_eps,
            "layer_norm_type": "rms",
            "layer_norm_with_affine": True,
            "bias_for_layer_norm": False,
            "block_type": "llama",
            "activation_type": "silu",
            "include_bias": False,
            "include_qkv_bias": False,
            "attention_layer_norm": False,
            "weight_tying": False,
            "alibi": False,
            "flash_attention": False,
            "input_emb_norm": False,
            "scale_logits": False,
            "mask_token_id": self.mask_token_id,
            "eos_token_id": self.eos_token_id,
            "pad_token_id": self.pad_token_id,
            "use_cache": False,
            "torch_dtype": "bfloat16",
        }


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        dtype = x.dtype
        x32 = x.float()
        x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return x32.to(dtype) * self.weight


def rope_tables(length, head_dim, theta, device=None):
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32, device=device) / head_dim))
    pos = torch.arange(length, dtype=torch.float32, device=device)
    ang = torch.outer(pos, inv_freq)
    emb = torch.cat([ang, ang], dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def apply_rope(x, cos, sin):
    dtype = x.dtype
    x32 = x.float()
    return (x32 * cos + rotate_half(x32) * sin).to(dtype)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        hd = c.d_model // c.n_heads
        self.n_heads, self.n_kv, self.hd = c.n_heads, c.n_kv_heads, hd
        self.attn_norm = RMSNorm(c.d_model, c.rms_norm_eps)
        self.q_proj = nn.Linear(c.d_model, c.n_heads * hd, bias=False)
        self.k_proj = nn.Linear(c.d_model, c.n_kv_heads * hd, bias=False)
        self.v_proj = nn.Linear(c.d_model, c.n_kv_heads * hd, bias=False)
        self.attn_out = nn.Linear(c.n_heads * hd, c.d_model, bias=False)
        self.ff_norm = RMSNorm(c.d_model, c.rms_norm_eps)
        self.ff_proj = nn.Linear(c.d_model, c.mlp_hidden_size, bias=False)  # gate
        self.up_proj = nn.Linear(c.d_model, c.mlp_hidden_size, bias=False)
        self.ff_out = nn.Linear(c.mlp_hidden_size, c.d_model, bias=False)  # down

    def forward(self, h, cos, sin, attn_mask=None):
        B, L, _ = h.shape
        xn = self.attn_norm(h)
        q = self.q_proj(xn).view(B, L, self.n_heads, self.hd).transpose(1, 2)
        k = self.k_proj(xn).view(B, L, self.n_kv, self.hd).transpose(1, 2)
        v = self.v_proj(xn).view(B, L, self.n_kv, self.hd).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if self.n_kv != self.n_heads:
            rep = self.n_heads // self.n_kv
            k = k.repeat_interleave(rep, dim=1)
            v = v.repeat_interleave(rep, dim=1)
        att = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, is_causal=False)
        h = h + self.attn_out(att.transpose(1, 2).reshape(B, L, -1))
        xn = self.ff_norm(h)
        return h + self.ff_out(F.silu(self.ff_proj(xn)) * self.up_proj(xn))


class Transformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.wte = nn.Embedding(c.vocab_size, c.d_model)
        self.blocks = nn.ModuleList([Block(c) for _ in range(c.n_layers)])
        self.ln_f = RMSNorm(c.d_model, c.rms_norm_eps)
        self.ff_out = nn.Linear(c.d_model, c.vocab_size, bias=False)  # LM head


class Inner(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transformer = Transformer(c)


class LLaDA(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.model = Inner(c)
        cos, sin = rope_tables(c.max_sequence_length, c.d_model // c.n_heads, c.rope_theta)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.reset_parameters()

    def reset_parameters(self):
        std = 0.02
        for name, p in self.named_parameters():
            if p.dim() == 2:
                nn.init.normal_(p, mean=0.0, std=std)
                if name.endswith("attn_out.weight") or name.endswith("blocks.0.ff_out.weight") or \
                        (".blocks." in name and name.endswith("ff_out.weight")):
                    p.data.mul_(1.0 / math.sqrt(2 * self.config.n_layers))

    def forward(self, ids, key_mask=None):
        """key_mask (B, L) bool, True for real tokens: training batches right-pad sequences of
        different lengths, and no real token may attend to the padding. Inference never pads."""
        t = self.model.transformer
        L = ids.shape[1]
        h = t.wte(ids)
        cos, sin = self.rope_cos[:L], self.rope_sin[:L]
        attn_mask = None if key_mask is None else key_mask[:, None, None, :]
        for blk in t.blocks:
            h = blk(h, cos, sin, attn_mask)
        return t.ff_out(t.ln_f(h))

    def num_params(self):
        return sum(p.numel() for p in self.parameters())
