"""Train the minicode byte-level BPE tokenizer (Qwen2-style pre-tokenizer) on the training corpus.

Layout of the saved tokenizer.json mirrors Qwen2's: NFC normalizer, Split(Qwen2 regex, Isolated)
then ByteLevel(add_prefix_space=False, use_regex=False), ByteLevel decoder and post-processor.
Special tokens come first: 0 <|endoftext|> (EOS and canvas padding), 1 <|mdm_mask|> (mask),
2 <|eot_id|> (end of turn; unused in training, present so LLaDA's stop-id lookup finds it).

    python train_tokenizer.py --train runs/data/train.jsonl --out runs/data/tokenizer.json --vocab 1536
"""

import argparse
import json

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                 r"|\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIALS = ["<|endoftext|>", "<|mdm_mask|>", "<|eot_id|>"]


def build(vocab_size, texts):
    tok = Tokenizer(models.BPE(byte_fallback=False, ignore_merges=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--vocab", type=int, default=1536)
    ap.add_argument("--max-docs", type=int, default=100000)
    args = ap.parse_args()
    texts = []
    with open(args.train) as fh:
        for i, line in enumerate(fh):
            if i >= args.max_docs:
                break
            r = json.loads(line)
            texts.append(r["prompt"] + r["completion"])
    tok = build(args.vocab, texts)
    for i, s in enumerate(SPECIALS):
        assert tok.token_to_id(s) == i, s
    tok.save(args.out)
    print(f"saved {args.out}: vocab {tok.get_vocab_size()}")


if __name__ == "__main__":
    main()
