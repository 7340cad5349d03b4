"""The minicode model: a compact Dream-layout (Qwen2 tensor names) bidirectional transformer.

Math of models.md §2.3, computed in fp32:
- h = embed_tokens[ids]; no position embedding.
- Per layer: x = RMSNorm(input_layernorm)(h); q, k, v = x Wq^T + bq, x Wk^T + bk, x Wv^T + bv
  (Qwen2 always carries q/k/v biases); rotate-half RoPE on q and k; SDPA with no causal mask at
  inference (bidirectional), scale 1/sqrt(head_dim); GQA repeats each KV head contiguously;
  h += o_proj(att); x = RMSNorm(post_attention_layernorm)(h); h += down(silu(gate(x)) * up(x)).
- raw = lm_head(RMSNorm(norm)(h)); untied head.
- Dream's logit shift: raw row i predicts token i + 1, so the distribution for position j is read
  from raw row j - 1 (`aligned`). That is how the model is trained (causal warm start, then masked
  diffusion through the same shift), and how the Swift engine's Dream family decodes.

State-dict keys are the checkpoint tensor names (model.layers.N...., lm_head.weight), so export is a
plain copy.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Config:
    def __init__(self, vocab_size, d_model=256, n_layers=4, n_heads=4, n_kv_heads=None, mlp_hidden_size=640,
                 rope_theta=10000.0, rms_norm_eps=1e-6, max_sequence_length=256,
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

    @staticmethod
    def from_hf(cfg):
        """Inverse of hf_config (the exported config.json)."""
        return Config(cfg["vocab_size"], cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"],
                      cfg["num_key_value_heads"], cfg["intermediate_size"], cfg["rope_theta"], cfg["rms_norm_eps"],
                      cfg["max_position_embeddings"], cfg["mask_token_id"], cfg["eos_token_id"],
                      cfg["pad_token_id"])

    def hf_config(self):
        """config.json in Dream's (Qwen2) vocabulary, the keys ConfigParsing.swift reads."""
        return {
            "architectures": ["DreamModel"],
            "model_type": "Dream",
            "hidden_size": self.d_model,
            "num_hidden_layers": self.n_layers,
            "num_attention_heads": self.n_heads,
            "num_key_value_heads": self.n_kv_heads,
            "intermediate_size": self.mlp_hidden_size,
            "vocab_size": self.vocab_size,
            "max_position_embeddings": self.max_sequence_length,
            "rope_theta": self.rope_theta,
            "rope_scaling": None,
            "rms_norm_eps": self.rms_norm_eps,
            "hidden_act": "silu",
            "tie_word_embeddings": False,
            "use_sliding_window": False,
            "mask_token_id": self.mask_token_id,
            "eos_token_id": self.eos_token_id,
            "pad_token_id": self.pad_token_id,
            "bos_token_id": self.eos_token_id,
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
        return self.weight * x32.to(dtype)


def rope_tables(length, head_dim, theta, device=None):
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32, device=device) / head_dim))
    ang = torch.outer(torch.arange(length, dtype=torch.float32, device=device), inv_freq)
    emb = torch.cat([ang, ang], dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.hd = c.d_model // c.n_heads
        self.n_heads, self.n_kv = c.n_heads, c.n_kv_heads
        self.q_proj = nn.Linear(c.d_model, c.n_heads * self.hd, bias=True)
        self.k_proj = nn.Linear(c.d_model, c.n_kv_heads * self.hd, bias=True)
        self.v_proj = nn.Linear(c.d_model, c.n_kv_heads * self.hd, bias=True)
        self.o_proj = nn.Linear(c.n_heads * self.hd, c.d_model, bias=False)

    def forward(self, x, cos, sin, attn_mask):
        B, L, _ = x.shape
        q = self.q_proj(x).view(B, L, self.n_heads, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(B, L, self.n_kv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(B, L, self.n_kv, self.hd).transpose(1, 2)
        q = (q * cos + rotate_half(q) * sin).to(x.dtype)
        k = (k * cos + rotate_half(k) * sin).to(x.dtype)
        if self.n_kv != self.n_heads:
            rep = self.n_heads // self.n_kv
            k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        att = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, is_causal=False)
        return self.o_proj(att.transpose(1, 2).reshape(B, L, -1))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c.d_model, c.mlp_hidden_size, bias=False)
        self.up_proj = nn.Linear(c.d_model, c.mlp_hidden_size, bias=False)
        self.down_proj = nn.Linear(c.mlp_hidden_size, c.d_model, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c.d_model, c.rms_norm_eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.d_model, c.rms_norm_eps)
        self.mlp = MLP(c)

    def forward(self, h, cos, sin, attn_mask):
        h = h + self.self_attn(self.input_layernorm(h), cos, sin, attn_mask)
        return h + self.mlp(self.post_attention_layernorm(h))


class Base(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c.vocab_size, c.d_model)
        self.layers = nn.ModuleList([Layer(c) for _ in range(c.n_layers)])
        self.norm = RMSNorm(c.d_model, c.rms_norm_eps)


class Dream(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.model = Base(c)
        self.lm_head = nn.Linear(c.d_model, c.vocab_size, bias=False)
        cos, sin = rope_tables(c.max_sequence_length, c.d_model // c.n_heads, c.rope_theta)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.reset_parameters()

    def reset_parameters(self):
        for name, p in self.named_parameters():
            if p.dim() == 2:
                nn.init.normal_(p, mean=0.0, std=0.02)
                if name.endswith("o_proj.weight") or name.endswith("down_proj.weight"):
                    p.data.mul_(1.0 / math.sqrt(2 * self.config.n_layers))
            elif name.endswith(".bias"):
                nn.init.zeros_(p)

    def forward(self, ids, attn_mask=None):
        """Raw logits (row i predicts token i + 1). attn_mask: None (bidirectional, inference) or a
        boolean mask broadcastable to (B, heads, L, L), True where a query may attend (training uses
        causal masks in the warm start and key-padding masks for right-padded batches)."""
        L = ids.shape[1]
        h = self.model.embed_tokens(ids)
        cos, sin = self.rope_cos[:L], self.rope_sin[:L]
        for layer in self.model.layers:
            h = layer(h, cos, sin, attn_mask)
        return self.lm_head(self.model.norm(h))

    def aligned(self, ids):
        """Dream's realignment: row j holds the distribution for token j (raw row j - 1; row 0 keeps
        its own, harmless since position 0 is never masked)."""
        raw = self(ids)
        return torch.cat([raw[:, :1], raw[:, :-1]], dim=1)

    def num_params(self):
        return sum(p.numel() for p in self.parameters())
