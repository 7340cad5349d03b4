#!/usr/bin/env python3
"""PyTorch fp32 side of `tolerator bench forward`: the same shape, length, head rows and threads.

Runs the stock transformers model (Qwen2 / Llama / Qwen3 classes) in float32 on the CPU with a
full bidirectional mask, computing the LM head only for the last --rows positions (default: all),
exactly as the Swift benchmark requests them. Prints the median ms per forward and GFLOP/s by
the engines.md formula  F = 2·L·P_body + 2·R·d·V + 4·n_layer·L²·(n_head·d_head).

Usage: python bench_torch.py --shape qwen2.5-0.5b --length 512 --threads 2 [--rows N] [--iterations 3]
"""
import argparse
import statistics
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM, Qwen3Config, Qwen3ForCausalLM

SHAPES = {
    "qwen2.5-0.5b": (Qwen2Config, Qwen2ForCausalLM, dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                                                          num_attention_heads=14, num_key_value_heads=2,
                                                          vocab_size=151936, tie_word_embeddings=True)),
    "llada-8b-1layer": (LlamaConfig, LlamaForCausalLM, dict(hidden_size=4096, intermediate_size=12288, num_hidden_layers=1,
                                                            num_attention_heads=32, num_key_value_heads=32,
                                                            vocab_size=126464, tie_word_embeddings=False,
                                                            rope_theta=500000.0)),
    "dream-7b-1layer": (Qwen2Config, Qwen2ForCausalLM, dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=1,
                                                            num_attention_heads=28, num_key_value_heads=4,
                                                            vocab_size=152064, tie_word_embeddings=False)),
    "coda-1.7b-1layer": (Qwen3Config, Qwen3ForCausalLM, dict(hidden_size=2048, intermediate_size=6144, num_hidden_layers=1,
                                                             num_attention_heads=16, num_key_value_heads=8, head_dim=128,
                                                             vocab_size=151936, tie_word_embeddings=False)),
    "tiny-1024": (LlamaConfig, LlamaForCausalLM, dict(hidden_size=1024, intermediate_size=2816, num_hidden_layers=4,
                                                      num_attention_heads=16, num_key_value_heads=16, vocab_size=32768,
                                                      tie_word_embeddings=False)),
}


def flops(c, length, rows):
    head_dim = getattr(c, "head_dim", None) or c.hidden_size // c.num_attention_heads
    q = c.num_attention_heads * head_dim
    kv = c.num_key_value_heads * head_dim
    d = c.hidden_size
    per_layer = d * q + 2 * d * kv + q * d + 3 * d * c.intermediate_size
    return (2 * length * per_layer * c.num_hidden_layers + 2 * rows * d * c.vocab_size
            + 4 * c.num_hidden_layers * length * length * q)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape", default="qwen2.5-0.5b", choices=sorted(SHAPES))
    parser.add_argument("--length", type=int, default=512)
    parser.add_argument("--rows", type=int, default=None, help="LM-head rows: the last N positions (default all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=3)
    args = parser.parse_args()
    rows = args.length if args.rows is None else args.rows

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config_class, model_class, fields = SHAPES[args.shape]
    config = config_class(**fields, rms_norm_eps=1e-6, max_position_embeddings=max(4096, args.length))
    model = model_class(config).float().eval()
    ids = torch.randint(0, config.vocab_size, (1, args.length))
    mask = torch.zeros(1, 1, args.length, args.length)  # full bidirectional attention

    def forward():
        hidden = model.model(input_ids=ids, attention_mask=mask).last_hidden_state
        return model.lm_head(hidden[:, args.length - rows:, :])

    times = []
    with torch.inference_mode():
        forward()  # warm-up
        for _ in range(args.iterations):
            start = time.perf_counter()
            forward()
            times.append((time.perf_counter() - start) * 1e3)
    median = statistics.median(times)
    total = flops(config, args.length, rows)
    print(f"torch {torch.__version__} fp32, shape {args.shape}, length {args.length}, head rows {rows} (last positions), "
          f"threads {args.threads}")
    print(f"forward: median {median:.1f} ms of {[round(t, 1) for t in times]}, {total / 1e9:.1f} GFLOP "
          f"-> {total / median / 1e6:.1f} GFLOP/s")


if __name__ == "__main__":
    main()
