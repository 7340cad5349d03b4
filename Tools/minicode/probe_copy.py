"""Does the model read the prompt? The copy probe behind the table in README.md ("Diagnosis").

For the first held-out tasks, the canonical body is put on the canvas and only the tokens that must
be copied from the prompt are masked; one forward pass; the share predicted right (argmax):

- argument: body tokens equal to the (single-token, space-prefixed) name of the first argument;
  chance is about 1 in 5 (the pool of list-argument names).
- constant: body digit tokens, other than 0 and 1, that also occur in the prompt.
- repeated name: the first occurrence of each other name the body repeats (loop variable,
  accumulator; same token, all later occurrences visible); chance is 1 in 3-5.

    python probe_copy.py runs/v6/ckpt.pt                      # a training checkpoint
    python probe_copy.py ../../Sources/tolerator/Resources/minicode   # an exported folder
"""

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Config, Dream  # noqa: E402

MASK, G = 1, 64
# Names whose spelling follows from the code's shape, not from a copy: keywords, builtins, methods.
STRUCTURE_NAMES = {"for", "in", "if", "elif", "else", "while", "return", "and", "or", "not", "is", "def",
                   "sum", "len", "range", "enumerate", "str", "int", "max", "min", "abs", "list", "dict",
                   "append", "get", "split", "join", "lower", "upper", "isdigit", "isupper", "islower",
                   "startswith", "True", "False", "None"}


def load(path, tokenizer):
    from tokenizers import Tokenizer
    if os.path.isdir(path):
        from decode_reference import load_folder
        return load_folder(path)[:2]
    ck = torch.load(path, weights_only=False, map_location="cpu")
    model = Dream(Config(**ck["config"]))
    model.load_state_dict(ck["model"])
    return model, Tokenizer.from_file(tokenizer)


def probe(model, tok, tasks):
    digits = {tok.encode(str(d)).ids[0] for d in range(2, 10)}
    counts = {"argument": [0, 0], "constant": [0, 0], "repeated name": [0, 0]}
    for t in tasks:
        prompt = tok.encode(t["prompt"]).ids
        body = tok.encode(t["canonical_solution"]).ids
        body = body + [0] * (G - len(body))
        arg = t["prompt"].split("(")[1].split(")")[0].split(",")[0]
        arg_ids = tok.encode(" " + arg).ids
        first = {}
        for i, x in enumerate(body):
            name = (tok.id_to_token(x) or "").replace("\u0120", "")
            if name.isidentifier() and name not in STRUCTURE_NAMES and name != arg:
                first.setdefault(x, []).append(i)
        for kind, positions in (
            ("repeated name", [where[0] for where in first.values() if len(where) > 1]),
            ("argument", [i for i, x in enumerate(body) if len(arg_ids) == 1 and x == arg_ids[0]]),
            ("constant", [i for i, x in enumerate(body) if x in digits and x in prompt]),
        ):
            if not positions:
                continue
            noisy = list(body)
            for i in positions:
                noisy[i] = MASK
            with torch.no_grad():
                logits = model.aligned(torch.tensor([prompt + noisy]))[0, len(prompt):]
            for i in positions:
                counts[kind][0] += int(logits[i].argmax().item() == body[i])
                counts[kind][1] += 1
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="a train.py checkpoint (.pt) or an exported model folder")
    ap.add_argument("--tokenizer", default="runs/data/tokenizer.json", help="for a .pt checkpoint")
    ap.add_argument("--suite", default="../../Examples/minicode/minicode-instances.jsonl")
    ap.add_argument("--tasks", type=int, default=200)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    model, tok = load(a.model, a.tokenizer)
    model.eval()
    tasks = [json.loads(line) for line in open(a.suite)][:a.tasks]
    for kind, (hit, total) in probe(model, tok, tasks).items():
        print(f"{kind:13s} {100.0 * hit / max(total, 1):5.1f}% ({hit}/{total})")


if __name__ == "__main__":
    main()
