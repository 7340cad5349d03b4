#!/usr/bin/env python3
"""Single-threaded HF `tokenizers` encoding speed, the reference for `tolerator bench tokenize`.

    /opt/tools-venv/bin/python Tools/tokenizers/bench_hf.py \
        --tokenizer Tests/TokenizationTests/Fixtures/qwen2/tokenizer.json \
        --corpus Tests/TokenizationTests/Fixtures/encode-qwen2.jsonl [--runs 7] [--json]

Times `encode(text)` one string at a time and `encode_batch(texts)` with RAYON_NUM_THREADS=1,
after one warm-up pass (HF's word cache is warm, as the Swift tokenizer's is), and prints the
median of --runs passes. The corpus is a JSONL file with a "text" field per line, or any other
file read as one string per line.
"""

import os

os.environ["RAYON_NUM_THREADS"] = "1"  # must be set before the Rust thread pool starts
os.environ["TOKENIZERS_PARALLELISM"] = "false"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import tokenizers  # noqa: E402


def load_corpus(path):
    with open(path, encoding="utf-8") as f:
        if path.endswith(".jsonl"):
            return [json.loads(line)["text"] for line in f if line.strip()]
        return f.read().split("\n")


def median_seconds(fn, runs):
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokenizer", required=True, help="path to tokenizer.json")
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    tok = tokenizers.Tokenizer.from_file(args.tokenizer)
    texts = load_corpus(args.corpus)
    total_bytes = sum(len(t.encode("utf-8")) for t in texts)
    total_tokens = sum(len(e.ids) for e in tok.encode_batch(texts))

    def one_by_one():
        for t in texts:
            tok.encode(t)

    def batch():
        tok.encode_batch(texts)

    report = {"tokenizers": tokenizers.__version__, "strings": len(texts), "bytes": total_bytes,
              "tokens": total_tokens, "runs": args.runs}
    for name, fn in [("one_by_one", one_by_one), ("batch", batch)]:
        seconds = median_seconds(fn, args.runs)
        report[name] = {"seconds": seconds, "mb_per_s": total_bytes / seconds / 1e6,
                        "tokens_per_s": total_tokens / seconds}
    if args.json:
        print(json.dumps(report))
    else:
        for name in ["one_by_one", "batch"]:
            r = report[name]
            print(f"HF tokenizers {tokenizers.__version__} {name:>10}: {r['mb_per_s']:7.2f} MB/s "
                  f"{r['tokens_per_s'] / 1e6:6.3f} M tokens/s (median of {args.runs})")


if __name__ == "__main__":
    main()
