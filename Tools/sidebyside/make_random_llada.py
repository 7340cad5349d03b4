#!/usr/bin/env python3
"""Write one seeded random LLaDA-layout model twice: as a Hugging Face safetensors folder (for
tolerator) and as a GGUF file (for llama.cpp's llama-diffusion-cli), with identical weights.

    python make_random_llada.py --out /tmp/tiny-1024 [--dtype f32|bf16] [--seed 0]

writes /tmp/tiny-1024/hf/{config.json, model.safetensors} and /tmp/tiny-1024/model-<dtype>.gguf.
The default shape is bench forward's `tiny-1024` (d 1024, 4 layers, 16 heads, ff 2816, V 32768).

Identical weights, identical function: q and k are stored in the GGUF with the row permutation
llama.cpp's LLaDA converter applies (its RoPE pairs dimensions (2i, 2i+1) where the Hugging Face
model pairs (i, i + d_head/2)). bf16 values are rounded once (nearest even) and written as the
same bits to both files. The GGUF's tokenizer is synthetic (byte tokens, filler names, one merge,
the mask id): llama-diffusion-cli needs one, and speed does not depend on it.
"""
import argparse
import json
import os
import struct

import gguf
import numpy as np


def bf16_bits(values: np.ndarray) -> np.ndarray:
    """float32 -> bf16 bit patterns, round to nearest even (finite inputs only)."""
    bits = values.astype(np.float32).view(np.uint32)
    rounding = np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))
    return ((bits + rounding) >> np.uint32(16)).astype(np.uint16)


def write_safetensors(path: str, tensors: dict, dtype: str) -> None:
    """The safetensors format by hand: u64 header length, JSON header, raw little-endian data."""
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        data = bf16_bits(array).tobytes() if dtype == "bf16" else array.astype("<f4").tobytes()
        header[name] = {"dtype": "BF16" if dtype == "bf16" else "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(text)))
        handle.write(text)
        for data in blobs:
            handle.write(data)


def permute_for_gguf(weight: np.ndarray, heads: int) -> np.ndarray:
    """llama.cpp's LLaDAModel.permute: rotate-half layout -> interleaved-pair layout, per head."""
    return (weight.reshape(heads, 2, weight.shape[0] // heads // 2, *weight.shape[1:])
            .swapaxes(1, 2).reshape(weight.shape))


def synthetic_vocabulary(size: int):
    """Byte-level tokens first, then filler names; the last three ids are bos, eos and mask."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    mapping, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            mapping[byte] = chr(byte)
        else:
            mapping[byte] = chr(256 + extra)
            extra += 1
    tokens = [mapping[b] for b in range(256)]
    tokens += [f"<filler{i}>" for i in range(256, size - 3)]
    tokens += ["<|bos|>", "<|eos|>", "<|mask|>"]
    types = [gguf.TokenType.NORMAL] * (size - 3) + [gguf.TokenType.CONTROL] * 3
    return tokens, types


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--dtype", choices=["f32", "bf16"], default="f32")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--d-model", type=int, default=1024)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--heads", type=int, default=16)
    parser.add_argument("--ff", type=int, default=2816)
    parser.add_argument("--vocab", type=int, default=32768)
    args = parser.parse_args()
    d, heads, ff, vocab = args.d_model, args.heads, args.ff, args.vocab
    bos, eos, mask = vocab - 3, vocab - 2, vocab - 1
    rng = np.random.default_rng(args.seed)

    def uniform(shape, scale):
        array = (rng.random(shape, dtype=np.float32) * 2 - 1) * np.float32(scale)
        # Round once here so both files hold the very same bf16 values.
        return array if args.dtype == "f32" else (bf16_bits(array).astype(np.uint32) << 16).view(np.float32)

    def norm(size):
        return (1 + (rng.random(size, dtype=np.float32) * 2 - 1) * np.float32(0.1)).astype(np.float32)

    hf, gg = {}, {}
    hf["model.transformer.wte.weight"] = gg["token_embd.weight"] = uniform((vocab, d), 1.0)
    for i in range(args.layers):
        p, g = f"model.transformer.blocks.{i}.", f"blk.{i}."
        hf[p + "attn_norm.weight"] = gg[g + "attn_norm.weight"] = norm(d)
        q, k = uniform((d, d), d ** -0.5), uniform((d, d), d ** -0.5)
        hf[p + "q_proj.weight"], gg[g + "attn_q.weight"] = q, permute_for_gguf(q, heads)
        hf[p + "k_proj.weight"], gg[g + "attn_k.weight"] = k, permute_for_gguf(k, heads)
        hf[p + "v_proj.weight"] = gg[g + "attn_v.weight"] = uniform((d, d), d ** -0.5)
        hf[p + "attn_out.weight"] = gg[g + "attn_output.weight"] = uniform((d, d), d ** -0.5)
        hf[p + "ff_norm.weight"] = gg[g + "ffn_norm.weight"] = norm(d)
        # OLMo names: ff_proj is the gate (SiLU applies to it), up_proj the other half.
        hf[p + "ff_proj.weight"] = gg[g + "ffn_gate.weight"] = uniform((ff, d), d ** -0.5)
        hf[p + "up_proj.weight"] = gg[g + "ffn_up.weight"] = uniform((ff, d), d ** -0.5)
        hf[p + "ff_out.weight"] = gg[g + "ffn_down.weight"] = uniform((d, ff), ff ** -0.5)
    hf["model.transformer.ln_f.weight"] = gg["output_norm.weight"] = norm(d)
    hf["model.transformer.ff_out.weight"] = gg["output.weight"] = uniform((vocab, d), d ** -0.5)

    folder = os.path.join(args.out, "hf")
    os.makedirs(folder, exist_ok=True)
    config = {
        "architectures": ["LLaDAModelLM"], "model_type": "llada", "d_model": d, "n_layers": args.layers,
        "n_heads": heads, "n_kv_heads": heads, "mlp_hidden_size": ff, "vocab_size": vocab, "embedding_size": vocab,
        "rope_theta": 500000.0, "rms_norm_eps": 1e-5, "weight_tying": False, "max_sequence_length": 4096,
        "bos_token_id": bos, "eos_token_id": eos, "pad_token_id": eos, "mask_token_id": mask,
        "block_type": "llama", "layer_norm_type": "rms", "activation_type": "silu", "rope": True,
        "include_bias": False, "include_qkv_bias": False, "alibi": False, "attention_layer_norm": False,
        "torch_dtype": "bfloat16" if args.dtype == "bf16" else "float32",
    }
    with open(os.path.join(folder, "config.json"), "w") as handle:
        json.dump(config, handle, indent=1)
    write_safetensors(os.path.join(folder, "model.safetensors"), hf, args.dtype)

    writer = gguf.GGUFWriter(os.path.join(args.out, f"model-{args.dtype}.gguf"), "llada")
    writer.add_name(f"random-llada-d{d}-seed{args.seed}")
    writer.add_context_length(4096)
    writer.add_embedding_length(d)
    writer.add_block_count(args.layers)
    writer.add_feed_forward_length(ff)
    writer.add_head_count(heads)
    writer.add_head_count_kv(heads)
    writer.add_rope_dimension_count(d // heads)
    writer.add_rope_freq_base(500000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(vocab)
    writer.add_causal_attention(False)
    writer.add_diffusion_shift_logits(False)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_BF16 if args.dtype == "bf16" else gguf.LlamaFileType.ALL_F32)
    tokens, types = synthetic_vocabulary(vocab)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(["! !"])  # llama.cpp refuses a BPE vocabulary with no merges
    writer.add_bos_token_id(bos)
    writer.add_eos_token_id(eos)
    writer.add_mask_token_id(mask)
    writer.add_add_bos_token(True)
    for name, array in gg.items():
        if args.dtype == "bf16" and array.ndim == 2:
            writer.add_tensor(name, bf16_bits(array).view(np.uint8), raw_dtype=gguf.GGMLQuantizationType.BF16)
        else:
            writer.add_tensor(name, array.astype(np.float32))  # norms stay f32, as the converter keeps them
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(f"wrote {folder} and {os.path.join(args.out, f'model-{args.dtype}.gguf')}")


if __name__ == "__main__":
    main()
