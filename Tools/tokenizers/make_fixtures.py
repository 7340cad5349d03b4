#!/usr/bin/env python3
"""Generate the tokenizer parity fixtures for Tests/TokenizationTests/Fixtures.

Run from the repository root with the pinned tools (requirements.txt):

    /opt/tools-venv/bin/python Tools/tokenizers/make_fixtures.py

It trains (HF `tokenizers` BpeTrainer, deterministic input) two small byte-level BPE tokenizers that
copy the shape of the real ones:

* qwen2:  Dream / Qwen2 style: NFC normalizer, the Qwen2 Split regex (single digits), ByteLevel
          without regex, merges stored as "a b" strings, special tokens appended after the vocab.
          Also written as a vocab.json + merges.txt + tokenizer_config.json folder (qwen2-vocab).
* llama3: LLaDA / Llama-3 style: no normalizer, the Llama-3 Split regex (digits in runs of 1-3),
          `ignore_merges: true`, merges stored as [a, b] pairs, a TemplateProcessing post-processor
          that prepends <|startoftext|>, and added tokens with lstrip/rstrip/single_word flags.

Then it writes ids (what `Tokenizer.encode(text).ids` returns) and decoded text for a seeded corpus
of >= 2,000 strings per style, decode-only cases for random id sequences (invalid UTF-8), chat
template renders from transformers' `apply_chat_template(tokenize=False)` with faithful copies of
the real Jinja templates, and Tools/tokenizers/FIXTURES.sha256 listing every fixture file.
"""

import hashlib
import json
import os
import random
import sys
from pathlib import Path

import tokenizers
import transformers
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests" / "TokenizationTests" / "Fixtures"
SHA_FILE = ROOT / "Tools" / "tokenizers" / "FIXTURES.sha256"

QWEN2_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
LLAMA3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

# Jinja chat templates, reproduced from the models' tokenizer_config.json.
# Dream-v0-Instruct-7B ships the Qwen2.5 (base) template whose default system prompt is
# "You are a helpful assistant."; the short Qwen2 template renders the same text for plain
# system/user/assistant conversations and is rendered too as a cross-check.
QWEN25_TEMPLATE = (
    "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- messages[0]['content'] }}\n    {%- else %}\n        {{- 'You are a helpful assistant.' }}\n"
    "    {%- endif %}\n    {{- \"\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query."
    "\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>\" }}\n"
    "    {%- for tool in tools %}\n        {{- \"\\n\" }}\n        {{- tool | tojson }}\n    {%- endfor %}\n"
    "    {{- \"\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments "
    "within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\\"name\\\": <function-name>, \\\"arguments\\\": "
    "<args-json-object>}\\n</tool_call><|im_end|>\\n\" }}\n{%- else %}\n    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n    {%- else %}\n"
    "        {{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}\n    {%- endif %}\n{%- endif %}\n"
    "{%- for message in messages %}\n    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) "
    "or (message.role == \"assistant\" and not message.tool_calls) %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
    "    {%- elif message.role == \"assistant\" %}\n        {{- '<|im_start|>' + message.role }}\n"
    "        {%- if message.content %}\n            {{- '\\n' + message.content }}\n        {%- endif %}\n"
    "        {%- for tool_call in message.tool_calls %}\n            {%- if tool_call.function is defined %}\n"
    "                {%- set tool_call = tool_call.function %}\n            {%- endif %}\n"
    "            {{- '\\n<tool_call>\\n{\"name\": \"' }}\n            {{- tool_call.name }}\n"
    "            {{- '\", \"arguments\": ' }}\n            {{- tool_call.arguments | tojson }}\n"
    "            {{- '}\\n</tool_call>' }}\n        {%- endfor %}\n        {{- '<|im_end|>\\n' }}\n"
    "    {%- elif message.role == \"tool\" %}\n"
    "        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != \"tool\") %}\n"
    "            {{- '<|im_start|>user' }}\n        {%- endif %}\n        {{- '\\n<tool_response>\\n' }}\n"
    "        {{- message.content }}\n        {{- '\\n</tool_response>' }}\n"
    "        {%- if loop.last or (messages[loop.index0 + 1].role != \"tool\") %}\n"
    "            {{- '<|im_end|>\\n' }}\n        {%- endif %}\n    {%- endif %}\n{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n{%- endif %}\n"
)
QWEN2_SHORT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
# LLaDA-8B-Instruct: Llama-3 style; the assistant header is emitted even without add_generation_prompt.
LLADA_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}"
    "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}"
)


def add_unreachable_tokens(tok):
    """Append whole-word vocab entries that the merges never build, as tiktoken-made vocabularies
    (Llama-3) have; with `ignore_merges: true` such a pre-token must encode as that single id."""
    data = json.loads(tok.to_str())
    vocab = data["model"]["vocab"]
    mapper = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    for word in [" TOKENIZER", " VOCABULARY", " DIFFUSION", " UNICODE", " PARSER", " INTEGER", " SCALAR",
                 " Tokenizer", " Vocabulary", " Diffusion", " Unicode", " Parser", " Integer", " Scalar",
                 "ภาษาไทย", "你好", "中文分词测试", "       ", "\n\n\n\n"]:
        piece = mapper.pre_tokenize_str(word)[0][0]
        if piece not in vocab:
            vocab[piece] = len(vocab)
    return Tokenizer.from_str(json.dumps(data))


def train(style, texts):
    tok = Tokenizer(models.BPE())
    pattern = QWEN2_PATTERN if style == "qwen2" else LLAMA3_PATTERN
    if style == "qwen2":
        tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=style != "qwen2", use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=3000 if style == "qwen2" else 2600,
        min_frequency=2,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(texts, trainer=trainer)
    if style == "llama3":
        tok = add_unreachable_tokens(tok)
    # Added tokens go after the learned vocab, as in the real checkpoints.
    if style == "qwen2":
        tok.add_special_tokens([AddedToken(t, special=True, normalized=False)
                                for t in ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|mask|>"]])
        tok.add_tokens([AddedToken("<tool_call>", special=False, normalized=False),
                        AddedToken("<think>", special=False, normalized=True)])
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
    else:
        tok.add_special_tokens([AddedToken(t, special=True, normalized=False)
                                for t in ["<|startoftext|>", "<|endoftext|>", "<|start_header_id|>",
                                          "<|end_header_id|>", "<|eot_id|>", "<|mdm_mask|>"]])
        tok.add_special_tokens([AddedToken("<|fill|>", special=True, normalized=False, lstrip=True, rstrip=True)])
        tok.add_tokens([AddedToken("xyzzy", special=False, normalized=True, single_word=True)])
        bos = tok.token_to_id("<|startoftext|>")
        tok.post_processor = processors.Sequence([
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single="<|startoftext|> $A", pair="<|startoftext|> $A <|startoftext|> $B",
                                          special_tokens=[("<|startoftext|>", bos)]),
        ])
    data = json.loads(tok.to_str())
    merges = data["model"]["merges"]
    if style == "qwen2":  # the older "a b" string encoding
        data["model"]["merges"] = [m if isinstance(m, str) else " ".join(m) for m in merges]
    else:  # the newer [a, b] pair encoding, and Llama-3's ignore_merges
        data["model"]["merges"] = [m.split(" ") if isinstance(m, str) else m for m in merges]
        data["model"]["ignore_merges"] = True
    return data


def gpt2_variant(data):
    """The llama3 fixture tokenizer re-dressed as GPT-2: no Split, ByteLevel(add_prefix_space=True,
    use_regex=True), no ignore_merges, no BOS. The Swift test applies the same edit."""
    variant = json.loads(json.dumps(data))
    variant["pre_tokenizer"] = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}
    variant["post_processor"] = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}
    variant["model"]["ignore_merges"] = False
    return variant


def write_json(path, obj, indent=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(obj, f, ensure_ascii=False, indent=indent)
        f.write("\n")


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def encode_fixtures(tok, texts, style):
    rows = []
    for i, text in enumerate(texts):
        enc = tok.encode(text)
        row = {"text": text, "ids": enc.ids, "decoded": tok.decode(enc.ids, skip_special_tokens=False)}
        if i % 5 == 0:
            row["decoded_skip"] = tok.decode(enc.ids, skip_special_tokens=True)
        if style == "llama3" and i % 4 == 0:
            row["ids_plain"] = tok.encode(text, add_special_tokens=False).ids
        rows.append(row)
    return rows


def decode_fixtures(tok, seed):
    rng = random.Random(seed)
    size = tok.get_vocab_size(with_added_tokens=True)
    rows = []
    for _ in range(300):
        ids = [rng.randrange(size + 3) for _ in range(rng.randint(1, 16))]  # + 3: unknown ids are skipped
        rows.append({"ids": ids, "decoded": tok.decode(ids, skip_special_tokens=False),
                     "decoded_skip": tok.decode(ids, skip_special_tokens=True)})
    return rows


GPT2_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"


def split_fixtures(texts):
    """Pieces of each Split regex alone (raw text, no byte mapping) on short strings; the GPT-2
    pattern is ByteLevel's built-in regex, which no fixture tokenizer uses."""
    rows = []
    short = [t for t in texts if len(t) <= 100][:350]
    for name, pattern in [("qwen2", QWEN2_PATTERN), ("llama3", LLAMA3_PATTERN), ("gpt2", GPT2_PATTERN)]:
        split = pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False)
        for text in short:
            rows.append({"pattern": name, "text": text, "pieces": [p for p, _ in split.pre_tokenize_str(text)]})
    return rows


def chat_conversations():
    u1 = "Write a Python function that returns the sum of a list."
    a1 = "def total(xs):\n    return sum(xs)"
    u2 = "  Now make it ignore None values.\n\n"
    convs = [
        [{"role": "user", "content": u1}],
        [{"role": "system", "content": "You are a careful coder."}, {"role": "user", "content": u1}],
        [{"role": "user", "content": u1}, {"role": "assistant", "content": a1}, {"role": "user", "content": u2}],
        [{"role": "system", "content": " Be brief. "}, {"role": "user", "content": u1},
         {"role": "assistant", "content": a1}, {"role": "user", "content": u2}],
        [{"role": "user", "content": "\u3000\x1c\t 中文 🐍 \u00a0\n"}],
        [{"role": "user", "content": "\u200bzero width stays\u200b"}],
        [{"role": "user", "content": ""}],
        [{"role": "user", "content": "{content} {role} <|im_end|> <|eot_id|>"}],
        [{"role": "user", "content": u1}, {"role": "assistant", "content": a1}],
        [{"role": "system", "content": "Only system."}],
    ]
    return convs


def chat_fixtures():
    cases = []
    for family, templates, bos in [("qwen2", [QWEN25_TEMPLATE, QWEN2_SHORT_TEMPLATE], "<|endoftext|>"),
                                   ("llama3-llada", [LLADA_TEMPLATE], "<|startoftext|>")]:
        renderers = []
        for template in templates:
            hf = transformers.PreTrainedTokenizerFast(
                tokenizer_object=Tokenizer(models.BPE()), bos_token=bos, chat_template=template)
            renderers.append(hf)
        for messages in chat_conversations():
            for add_generation_prompt in (True, False):
                outs = [r.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)
                        for r in renderers]
                assert all(o == outs[0] for o in outs), (family, messages, outs)
                cases.append({"family": family, "messages": messages,
                              "add_generation_prompt": add_generation_prompt, "expected": outs[0]})
    return cases


def vocab_folder(data, qwen, texts, out_dir):
    """The same Qwen2-style tokenizer as vocab.json + merges.txt + tokenizer_config.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    model = data["model"]
    write_json(out_dir / "vocab.json", model["vocab"])
    with open(out_dir / "merges.txt", "w", encoding="utf-8", newline="\n") as f:
        f.write("#version: 0.2\n")
        for m in model["merges"]:
            f.write((m if isinstance(m, str) else " ".join(m)) + "\n")
    decoder = {}
    for t in data["added_tokens"]:
        decoder[str(t["id"])] = {k: t[k] for k in ["content", "lstrip", "normalized", "rstrip", "single_word", "special"]}
    config = {
        "add_prefix_space": False, "added_tokens_decoder": decoder, "bos_token": None,
        "clean_up_tokenization_spaces": False, "eos_token": "<|endoftext|>", "errors": "replace",
        "model_max_length": 32768, "pad_token": "<|endoftext|>", "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer", "unk_token": None,
    }
    write_json(out_dir / "tokenizer_config.json", config, indent=2)
    hf = transformers.AutoTokenizer.from_pretrained(str(out_dir))
    rows = []
    mismatches = 0
    for text in texts:
        ids = hf(text, add_special_tokens=True)["input_ids"]
        if ids != qwen.encode(text).ids:
            mismatches += 1
        rows.append({"text": text, "ids": ids, "decoded": hf.decode(ids, skip_special_tokens=False,
                                                                     clean_up_tokenization_spaces=False)})
    print(f"qwen2-vocab: transformers {type(hf).__name__}; {mismatches} of {len(texts)} differ from tokenizer.json")
    return rows


def main():
    print(f"tokenizers {tokenizers.__version__}, transformers {transformers.__version__}")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    FIXTURES.mkdir(parents=True, exist_ok=True)
    files = []
    for style, seed in [("qwen2", 20250201), ("llama3", 20250202)]:
        training = corpus.build(seed + 1000, 6000, style)
        data = train(style, training)
        path = FIXTURES / style / "tokenizer.json"
        write_json(path, data)
        files.append(path)
        tok = Tokenizer.from_file(str(path))
        texts = corpus.build(seed, 2100, style)
        rows = encode_fixtures(tok, texts, style)
        path = FIXTURES / f"encode-{style}.jsonl"
        write_jsonl(path, rows)
        files.append(path)
        path = FIXTURES / f"decode-{style}.jsonl"
        write_jsonl(path, decode_fixtures(tok, seed + 7))
        files.append(path)
        meta = {
            "style": style, "vocab_size_with_added": tok.get_vocab_size(with_added_tokens=True),
            "vocab_size_model": tok.get_vocab_size(with_added_tokens=False),
            "added_tokens": [{"id": t["id"], "content": t["content"], "special": t["special"]} for t in data["added_tokens"]],
            "corpus_strings": len(texts), "corpus_utf8_bytes": sum(len(t.encode()) for t in texts),
        }
        if style == "llama3":
            # How much ignore_merges matters on this corpus (recorded, so a regression is visible).
            data2 = dict(data, model=dict(data["model"], ignore_merges=False))
            plain = Tokenizer.from_str(json.dumps(data2))
            meta["strings_changed_by_ignore_merges"] = sum(plain.encode(t).ids != tok.encode(t).ids for t in texts)
        if style == "llama3":
            # GPT-2 layout on the same vocab: ByteLevel with its built-in regex and add_prefix_space.
            path = FIXTURES / "encode-gpt2-variant.jsonl"
            variant = Tokenizer.from_str(json.dumps(gpt2_variant(data)))
            write_jsonl(path, encode_fixtures(variant, [t for t in texts if len(t) <= 300][:250], "gpt2"))
            files.append(path)
        path = FIXTURES / f"meta-{style}.json"
        write_json(path, meta, indent=2)
        files.append(path)
        print(f"{style}: {len(texts)} strings, {meta}")
        if style == "qwen2":
            folder = FIXTURES / "qwen2-vocab"
            rows = vocab_folder(data, tok, texts[:400], folder)
            files += [folder / "vocab.json", folder / "merges.txt", folder / "tokenizer_config.json"]
            path = FIXTURES / "encode-qwen2-vocab.jsonl"
            write_jsonl(path, rows)
            files.append(path)
    path = FIXTURES / "split.jsonl"
    write_jsonl(path, split_fixtures(corpus.build(20250203, 1200, "qwen2")))
    files.append(path)
    path = FIXTURES / "chat.json"
    write_json(path, chat_fixtures(), indent=1)
    files.append(path)
    with open(SHA_FILE, "w", encoding="utf-8", newline="\n") as f:
        for p in sorted(files):
            digest = hashlib.sha256(p.read_bytes()).hexdigest()
            f.write(f"{digest}  {p.relative_to(ROOT).as_posix()}\n")
    total = sum(p.stat().st_size for p in files)
    print(f"wrote {len(files)} files, {total / 1e6:.2f} MB, hashes in {SHA_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
