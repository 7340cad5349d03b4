#!/usr/bin/env python3
"""Builds the forward-pass parity fixtures for Tests/InferenceTests.

Tiny seeded random checkpoints of each family are built with stock `transformers` classes,
run in float32 on the CPU with a full bidirectional attention mask, and stored with their
inputs and float32 logits:

  llada-bf16   LlamaForCausalLM, weights renamed to LLaDA's OLMo layout, config in OLMo keys,
               bf16 weights, no logit shift.
  dream-f16    Qwen2ForCausalLM (q/k/v biases), model_type "Dream", f16 weights, two shards
               with model.safetensors.index.json, logits stored shifted (aligned).
  coda-f32     Qwen3ForCausalLM (per-head QK-norm, head_dim != hidden/heads), model_type "CoDA",
               tied embeddings (no lm_head tensor), f32 weights, logits stored shifted.

The reference runs on the SAME rounded weights (bf16/f16 rounded, then widened to f32).
Aligned logits follow Dream's `diffusion_generate`: aligned[0] = raw[0], aligned[i] = raw[i-1].

Usage: python make_parity.py [OUTPUT_DIR]   (default: Tests/InferenceTests/Fixtures)
"""
import hashlib
import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file
from transformers import (LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM,
                          Qwen3Config, Qwen3ForCausalLM)

VOCAB = 192
MASK_ID = 190
SEQUENCE = 10
TOLERANCE = 1e-4


def randomize(model, seed):
    """Weights with O(1) activations, so logits have a real spread (default init is ~flat)."""
    generator = torch.Generator().manual_seed(seed)
    seen = set()
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if id(parameter) in seen:
                continue
            seen.add(id(parameter))
            shape = parameter.shape
            if name.endswith("norm.weight"):
                value = 1 + 0.1 * torch.randn(shape, generator=generator)
            elif name.endswith(".bias"):
                value = 0.1 * torch.randn(shape, generator=generator)
            elif "embed_tokens" in name:
                value = torch.randn(shape, generator=generator)
            else:
                value = torch.randn(shape, generator=generator) / shape[1] ** 0.5
            parameter.copy_(value)


def round_to(model, dtype):
    """Rounds every weight to the stored dtype, keeping float32 for the reference run."""
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(parameter.to(dtype).to(torch.float32))


def raw_logits(model, ids):
    """Full bidirectional forward: a 4D all-zeros additive mask replaces the causal one."""
    tokens = torch.tensor([ids], dtype=torch.long)
    mask = torch.zeros(1, 1, len(ids), len(ids), dtype=torch.float32)
    with torch.no_grad():
        return model(input_ids=tokens, attention_mask=mask).logits[0].float()


def check_bidirectional(model, ids):
    changed = list(ids)
    changed[-1] = (changed[-1] + 1) % (VOCAB - 3)
    first = raw_logits(model, ids)[0]
    second = raw_logits(model, changed)[0]
    assert not torch.equal(first, second), "reference is causal: a later token did not change position 0"


def cases(seed):
    generator = np.random.default_rng(seed)
    plain = [int(t) for t in generator.integers(0, VOCAB - 3, size=SEQUENCE)]
    prompt = [int(t) for t in generator.integers(0, VOCAB - 3, size=4)]
    masked = prompt + [MASK_ID] * (SEQUENCE - len(prompt))
    # Masks interleaved with committed tokens, as in a refinement step.
    mixed = [MASK_ID if index % 3 == 1 else token for index, token in enumerate(plain)]
    return [("plain", plain), ("masked", masked), ("mixed", mixed)]


def llada_names(state, layers):
    renamed = {
        "model.transformer.wte.weight": state["model.embed_tokens.weight"],
        "model.transformer.ln_f.weight": state["model.norm.weight"],
        "model.transformer.ff_out.weight": state["lm_head.weight"],
    }
    roles = {
        "input_layernorm.weight": "attn_norm.weight",
        "self_attn.q_proj.weight": "q_proj.weight",
        "self_attn.k_proj.weight": "k_proj.weight",
        "self_attn.v_proj.weight": "v_proj.weight",
        "self_attn.o_proj.weight": "attn_out.weight",
        "post_attention_layernorm.weight": "ff_norm.weight",
        "mlp.gate_proj.weight": "ff_proj.weight",  # the gate: SiLU applies to ff_proj
        "mlp.up_proj.weight": "up_proj.weight",
        "mlp.down_proj.weight": "ff_out.weight",  # block ff_out is the down projection
    }
    for layer in range(layers):
        for hf, olmo in roles.items():
            renamed[f"model.transformer.blocks.{layer}.{olmo}"] = state[f"model.layers.{layer}.{hf}"]
    assert len(renamed) == len(state), "every tensor must be renamed exactly once"
    return renamed


def build_llada():
    torch.manual_seed(1)
    config = LlamaConfig(hidden_size=48, intermediate_size=80, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, vocab_size=VOCAB, rope_theta=500000.0, rms_norm_eps=1e-5,
                         tie_word_embeddings=False, attention_bias=False, mlp_bias=False,
                         max_position_embeddings=4096)
    model = LlamaForCausalLM(config).eval()
    randomize(model, 11)
    round_to(model, torch.bfloat16)
    state = {k: v.to(torch.bfloat16).contiguous() for k, v in model.state_dict().items()}
    files = {"model.safetensors": llada_names(state, 2)}
    config_json = {
        "model_type": "llada", "architectures": ["LLaDAModelLM"], "d_model": 48, "n_layers": 2, "n_heads": 4,
        "n_kv_heads": 2, "mlp_hidden_size": 80, "mlp_ratio": 4, "vocab_size": VOCAB, "embedding_size": VOCAB,
        "rope": True, "rope_theta": 500000.0, "rms_norm_eps": 1e-5, "include_bias": False,
        "include_qkv_bias": False, "attention_layer_norm": False, "weight_tying": False, "block_type": "llama",
        "layer_norm_type": "rms", "activation_type": "silu", "alibi": False, "max_sequence_length": 4096,
        "mask_token_id": MASK_ID, "eos_token_id": 189, "pad_token_id": 189, "bos_token_id": 188,
        "torch_dtype": "bfloat16",
    }
    return model, files, config_json, False


def build_dream():
    torch.manual_seed(2)
    config = Qwen2Config(hidden_size=48, intermediate_size=80, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, vocab_size=VOCAB, rope_theta=1000000.0, rms_norm_eps=1e-6,
                         tie_word_embeddings=False, max_position_embeddings=2048)
    model = Qwen2ForCausalLM(config).eval()
    randomize(model, 22)
    round_to(model, torch.float16)
    state = {k: v.to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    # Two shards: layer 1 and the head in the second, everything else in the first.
    second = {k: v for k, v in state.items() if k.startswith("model.layers.1.") or k == "lm_head.weight"}
    first = {k: v for k, v in state.items() if k not in second}
    files = {"model-00001-of-00002.safetensors": first, "model-00002-of-00002.safetensors": second}
    config_json = {
        "model_type": "Dream", "architectures": ["DreamModel"], "hidden_size": 48, "intermediate_size": 80,
        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": VOCAB,
        "rope_theta": 1000000.0, "rope_scaling": None, "rms_norm_eps": 1e-6, "tie_word_embeddings": False,
        "hidden_act": "silu", "max_position_embeddings": 2048, "mask_token_id": MASK_ID, "eos_token_id": 189,
        "pad_token_id": 189, "bos_token_id": 188, "torch_dtype": "float16", "use_sliding_window": False,
    }
    return model, files, config_json, True


def build_coda():
    torch.manual_seed(3)
    config = Qwen3Config(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, head_dim=16, vocab_size=VOCAB, rope_theta=1000000.0,
                         rms_norm_eps=1e-6, tie_word_embeddings=True, attention_bias=False,
                         max_position_embeddings=2048)
    model = Qwen3ForCausalLM(config).eval()
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr(), "head must be tied"
    randomize(model, 33)
    state = {k: v.to(torch.float32).contiguous() for k, v in model.state_dict().items() if k != "lm_head.weight"}
    files = {"model.safetensors": state}
    config_json = {
        "model_type": "CoDA", "architectures": ["CoDALanguageModel"], "hidden_size": 32, "intermediate_size": 64,
        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
        "vocab_size": VOCAB, "rope_theta": 1000000.0, "rms_norm_eps": 1e-6, "tie_word_embeddings": True,
        "attention_bias": False, "hidden_act": "silu", "max_position_embeddings": 2048,
        "mask_token_id": MASK_ID, "eos_token_id": 189, "pad_token_id": 189, "torch_dtype": "float32",
    }
    return model, files, config_json, True


def write_model(root, directory, builder, seed):
    model, files, config_json, shifted = builder()
    folder = os.path.join(root, directory)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as handle:
        json.dump(config_json, handle, indent=1, sort_keys=True)
        handle.write("\n")
    for name, tensors in files.items():
        save_file(tensors, os.path.join(folder, name), metadata={"format": "pt"})
    if len(files) > 1:
        weight_map = {tensor: name for name, tensors in files.items() for tensor in tensors}
        with open(os.path.join(folder, "model.safetensors.index.json"), "w") as handle:
            json.dump({"metadata": {}, "weight_map": dict(sorted(weight_map.items()))}, handle, indent=1)
            handle.write("\n")
    entries = []
    for name, ids in cases(seed):
        check_bidirectional(model, ids)
        raw = raw_logits(model, ids)
        aligned = torch.cat([raw[:1], raw[:-1]], dim=0) if shifted else raw
        path = f"{directory}/{name}.logits.bin"
        aligned.numpy().astype("<f4").tofile(os.path.join(root, path))
        entries.append({"name": name, "ids": ids, "logits": path})
    return {"directory": directory, "shifted": shifted, "vocab_size": VOCAB, "cases": entries}


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..", "Tests", "InferenceTests", "Fixtures")
    root = os.path.join(root, "parity")
    os.makedirs(root, exist_ok=True)
    torch.set_num_threads(1)
    models = [write_model(root, "llada-bf16", build_llada, 101),
              write_model(root, "dream-f16", build_dream, 202),
              write_model(root, "coda-f32", build_coda, 303)]
    manifest = {"generator": "Tools/parity/make_parity.py", "torch": torch.__version__,
                "tolerance_relative_to_row_max": TOLERANCE, "models": models}
    with open(os.path.join(root, "parity.json"), "w") as handle:
        json.dump(manifest, handle, indent=1)
        handle.write("\n")
    lines = []
    for directory, _, names in sorted(os.walk(root)):
        for name in sorted(names):
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, root)
            if relative == "FIXTURES.sha256":
                continue
            with open(path, "rb") as handle:
                lines.append(f"{hashlib.sha256(handle.read()).hexdigest()}  {relative}")
    with open(os.path.join(root, "FIXTURES.sha256"), "w") as handle:
        handle.write("\n".join(sorted(lines, key=lambda line: line.split("  ", 1)[1])) + "\n")


if __name__ == "__main__":
    main()
