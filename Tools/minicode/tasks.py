"""Seeded generator of small HumanEval-format Python tasks ("minicode").

Every task is a composition of parts (a filter, a map, an aggregate, a source, ...). A *combo* is
the tuple of part kinds; about 10% of combos (chosen by a stable hash) never appear in training and
make up the "unseen combinations" suite. The "unseen instances" suite uses training combos with
fresh constants / names / wording, and no prompt of it occurs in the training set.

Surface forms vary on purpose: argument, loop-variable and accumulator names, docstring wording and
equivalent code styles (comprehension vs. loop), so answer tokens depend on each other (a loop
variable chosen in `for v in` must be reused in the body).

Usage:
    python tasks.py --out-train runs/data/train.jsonl --n-train 200000 \
        --out-examples ../../Examples/minicode --n-heldout 400 --seed 0
"""

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile

FUNC_NAMES = ["solve", "compute", "process", "transform", "calc", "func", "answer", "evaluate",
              "helper", "run", "apply", "task", "work", "result_of", "get_value", "main_fn"]
# Name pools are small on purpose: the model has a few million parameters and a CPU-hour of training,
# so variety goes where it makes answer tokens depend on each other (names reused across lines,
# comprehension vs. loop), not into a long tail of rare identifiers.
LIST_ARGS = ["nums", "values", "xs", "items", "lst"]
LOOP_VARS = ["x", "n", "v", "item", "k"]
STR_ARGS = ["s", "text", "word"]
CHAR_VARS = ["ch", "c", "x"]
SENT_ARGS = ["text", "sentence", "s"]
WORD_VARS = ["w", "word", "x"]
ACC_NAMES = ["total", "acc", "result"]
LIST_ACC = ["result", "out", "res"]
INT_ARGS = ["n", "num", "m"]
INDEX_VARS = ["i", "j"]
COUNT_DICTS = ["counts", "d", "freq"]

IND = "    "


def held_out(combo):
    """Stable: the same combo is held out on every run and machine."""
    h = hashlib.sha256(repr(combo).encode()).digest()
    return h[0] < 26  # about 10%


# ---------------------------------------------------------------- numeric parts
# Each filter: (kind, doc(c), code(v, c), constant range or None)
NUM_FILTERS = {
    "none": (None, None, None),
    "gt": ("greater than {c}", "{v} > {c}", (0, 9)),
    "lt": ("less than {c}", "{v} < {c}", (0, 9)),
    "ge": ("at least {c}", "{v} >= {c}", (0, 9)),
    "le": ("at most {c}", "{v} <= {c}", (0, 9)),
    "even": ("even", "{v} % 2 == 0", None),
    "odd": ("odd", "{v} % 2 == 1", None),
    "ne": ("not equal to {c}", "{v} != {c}", (0, 9)),
    "pos": ("positive", "{v} > 0", None),
    "neg": ("negative", "{v} < 0", None),
}
NUM_MAPS = {
    "id": ("each value", "{v}", None),
    "mul": ("each value times {c}", "{v} * {c}", (2, 9)),
    "add": ("each value plus {c}", "{v} + {c}", (1, 9)),
    "sub": ("each value minus {c}", "{v} - {c}", (1, 9)),
    "sq": ("the square of each value", "{v} * {v}", None),
    "neg": ("the negation of each value", "-{v}", None),
}
NUM_AGGS = ["sum", "count", "max", "min", "list"]


def pick_const(rng, spec):
    return None if spec is None else rng.randint(*spec)


def fill(template, **kw):
    return template.format(**kw) if template else template


def filter_phrase(rng, doc):
    if doc is None:
        return ""
    return rng.choice([" where the value is {d}", " (only values that are {d})"]).format(d=doc)


def gen_list_pipeline(rng, combo=None):
    if combo is None:
        agg = rng.choice(NUM_AGGS)
        src = rng.choice(["list", "list", "range"])
        f = rng.choice(list(NUM_FILTERS))
        m = "id" if agg == "count" else rng.choice(list(NUM_MAPS))
        if agg == "product" and m in ("sq", "mul"):
            m = "id"
        combo = ("pipe", src, f, m, agg)
    _, src, f, m, agg = combo
    fdoc, fcode, fr = NUM_FILTERS[f]
    mdoc, mcode, mr = NUM_MAPS[m]
    fc, mc = pick_const(rng, fr), pick_const(rng, mr)
    if src == "list":
        a = rng.choice(LIST_ARGS)
        args = a
        iter_code = a
        where = f"in {a}"
    else:
        a = rng.choice(INT_ARGS)
        args = a
        iter_code = f"range(1, {a} + 1)"
        where = f"from 1 to {a} inclusive"
    v = rng.choice([x for x in LOOP_VARS if x != a])
    fphr = filter_phrase(rng, fill(fdoc, c=fc))
    mph = fill(mdoc, c=mc)
    cond = fill(fcode, v=v, c=fc)
    expr = fill(mcode, v=v, c=mc)
    iff = f" if {cond}" if cond else ""
    style = rng.random() < 0.5  # True: comprehension style
    acc = rng.choice([x for x in ACC_NAMES if x not in (a, v)])
    lacc = rng.choice([x for x in LIST_ACC if x not in (a, v)])
    subject = "values" if src == "list" else "integers"

    def loop_body(update_lines):
        lines = [f"{IND}for {v} in {iter_code}:"]
        if cond:
            lines.append(f"{IND*2}if {cond}:")
            lines += [IND * 3 + u for u in update_lines]
        else:
            lines += [IND * 2 + u for u in update_lines]
        return lines

    if agg == "sum":
        doc = rng.choice(["Return the sum of {m} {w}{f}.", "Add up {m} {w}{f} and return the total.",
                          "Compute the total of {m} {w}{f}."]).format(m=mph, w=where, f=fphr)
        if style:
            body = [f"{IND}return sum({expr} for {v} in {iter_code}{iff})"]
        else:
            body = [f"{IND}{acc} = 0"] + loop_body([f"{acc} += {expr}"]) + [f"{IND}return {acc}"]
    elif agg == "count":
        doc = rng.choice(["Return how many {s} {w}{f}.", "Count the {s} {w}{f}.",
                          "Return the number of {s} {w}{f}."]).format(s=subject, w=where, f=fphr)
        if style:
            body = [rng.choice([f"{IND}return sum(1 for {v} in {iter_code}{iff})",
                                f"{IND}return len([{v} for {v} in {iter_code}{iff}])"])]
        else:
            body = [f"{IND}{acc} = 0"] + loop_body([f"{acc} += 1"]) + [f"{IND}return {acc}"]
    elif agg in ("max", "min"):
        word = "largest" if agg == "max" else "smallest"
        doc = rng.choice(["Return the {b} of {m} {w}{f}, or 0 if there are none.",
                          "Find the {b} among {m} {w}{f}; return 0 when there is none."]).format(
            b=word, m=mph, w=where, f=fphr)
        if style:
            body = [f"{IND}return {agg}(({expr} for {v} in {iter_code}{iff}), default=0)"]
        else:
            body = [f"{IND}{lacc} = [{expr} for {v} in {iter_code}{iff}]",
                    f"{IND}return {agg}({lacc}) if {lacc} else 0"]
    elif agg == "list":
        doc = rng.choice(["Return a list of {m} {w}{f}, in order.", "Build the list of {m} {w}{f}.",
                          "Collect {m} {w}{f} into a list and return it."]).format(m=mph, w=where, f=fphr)
        if style:
            body = [f"{IND}return [{expr} for {v} in {iter_code}{iff}]"]
        else:
            body = [f"{IND}{lacc} = []"] + loop_body([f"{lacc}.append({expr})"]) + [f"{IND}return {lacc}"]
    else:  # product
        doc = rng.choice(["Return the product of {m} {w}{f} (1 if there are none).",
                          "Multiply together {m} {w}{f}; the empty product is 1."]).format(m=mph, w=where, f=fphr)
        body = [f"{IND}{acc} = 1"] + loop_body([f"{acc} *= {expr}"]) + [f"{IND}return {acc}"]

    def inputs(r):
        out = []
        for _ in range(6):
            if src == "list":
                hi = 6 if agg == "product" else 20
                ln = r.randint(0, 5 if agg == "product" else 8)
                out.append(([r.randint(-6 if agg == "product" else -10, hi) for _ in range(ln)],))
            else:
                out.append((r.randint(0, 6 if agg == "product" else 15),))
        return out

    return combo, [args], doc, body, inputs


# ---------------------------------------------------------------- piecewise / multi-line loops
def gen_piecewise(rng, combo=None):
    maps = [m for m in NUM_MAPS if m != "id"] + ["id"]
    if combo is None:
        f = rng.choice([k for k in NUM_FILTERS if k != "none"])
        m1 = rng.choice(maps)
        m2 = rng.choice([x for x in maps if x != m1])
        agg = rng.choice(["sum", "list"])
        combo = ("piece", f, m1, m2, agg)
    _, f, m1, m2, agg = combo
    fdoc, fcode, fr = NUM_FILTERS[f]
    fc = pick_const(rng, fr)
    (d1, c1t, r1), (d2, c2t, r2) = NUM_MAPS[m1], NUM_MAPS[m2]
    k1, k2 = pick_const(rng, r1), pick_const(rng, r2)
    a = rng.choice(LIST_ARGS)
    v = rng.choice([x for x in LOOP_VARS if x != a])
    cond = fill(fcode, v=v, c=fc)
    e1, e2 = fill(c1t, v=v, c=k1), fill(c2t, v=v, c=k2)
    ph1 = fill(d1, c=k1).replace("each value", "the value")
    ph2 = fill(d2, c=k2).replace("each value", "the value")
    fd = fill(fdoc, c=fc)
    if agg == "sum":
        acc = rng.choice([x for x in ACC_NAMES if x not in (a, v)])
        doc = rng.choice([
            "For each value in {a}, add {p1} to a total if the value is {fd}, otherwise add {p2}. Return the total.",
            "Return the sum over {a} of {p1} for values that are {fd} and {p2} for the others."]).format(
            a=a, p1=ph1, p2=ph2, fd=fd)
        if rng.random() < 0.5:
            body = [f"{IND}{acc} = 0", f"{IND}for {v} in {a}:", f"{IND*2}if {cond}:", f"{IND*3}{acc} += {e1}",
                    f"{IND*2}else:", f"{IND*3}{acc} += {e2}", f"{IND}return {acc}"]
        else:
            body = [f"{IND}return sum({e1} if {cond} else {e2} for {v} in {a})"]
    else:
        lacc = rng.choice([x for x in LIST_ACC if x not in (a, v)])
        doc = rng.choice([
            "Return a list with {p1} for each value in {a} that is {fd}, and {p2} otherwise.",
            "Map every value of {a} to {p1} when it is {fd}, else to {p2}; return the new list."]).format(
            a=a, p1=ph1, p2=ph2, fd=fd)
        if rng.random() < 0.5:
            body = [f"{IND}{lacc} = []", f"{IND}for {v} in {a}:", f"{IND*2}if {cond}:",
                    f"{IND*3}{lacc}.append({e1})", f"{IND*2}else:", f"{IND*3}{lacc}.append({e2})",
                    f"{IND}return {lacc}"]
        else:
            body = [f"{IND}return [{e1} if {cond} else {e2} for {v} in {a}]"]

    def inputs(r):
        return [([r.randint(-10, 20) for _ in range(r.randint(0, 8))],) for _ in range(6)]

    return combo, [a], doc, body, inputs


def gen_scan(rng, combo=None):
    """Loops with state: longest run, first/last index, count of rises."""
    if combo is None:
        kind = rng.choice(["run", "first", "last", "rises"])
        f = "none" if kind == "rises" else rng.choice([k for k in NUM_FILTERS if k != "none"])
        combo = ("scan", kind, f)
    _, kind, f = combo
    fdoc, fcode, fr = NUM_FILTERS[f]
    fc = pick_const(rng, fr)
    a = rng.choice(LIST_ARGS)
    v = rng.choice([x for x in LOOP_VARS if x not in (a, "i")])
    i = rng.choice(INDEX_VARS)
    cond = fill(fcode, v=v, c=fc)
    fd = fill(fdoc, c=fc)
    if kind == "run":
        best, cur = rng.choice([("best", "cur"), ("longest", "current"), ("top", "run"), ("m", "c")])
        doc = rng.choice(["Return the length of the longest run of consecutive values in {a} that are {fd}.",
                          "Find the longest stretch of adjacent elements of {a} that are all {fd} and return its length."
                          ]).format(a=a, fd=fd)
        body = [f"{IND}{best} = 0", f"{IND}{cur} = 0", f"{IND}for {v} in {a}:", f"{IND*2}if {cond}:",
                f"{IND*3}{cur} += 1", f"{IND*3}{best} = max({best}, {cur})", f"{IND*2}else:",
                f"{IND*3}{cur} = 0", f"{IND}return {best}"]
    elif kind == "first":
        doc = rng.choice(["Return the index of the first value in {a} that is {fd}, or -1 if there is none.",
                          "Find the position of the first element of {a} that is {fd}; return -1 if no element is."
                          ]).format(a=a, fd=fd)
        if rng.random() < 0.5:
            body = [f"{IND}for {i}, {v} in enumerate({a}):", f"{IND*2}if {cond}:", f"{IND*3}return {i}",
                    f"{IND}return -1"]
        else:
            c2 = fill(fcode, v=f"{a}[{i}]", c=fc)
            body = [f"{IND}for {i} in range(len({a})):", f"{IND*2}if {c2}:", f"{IND*3}return {i}",
                    f"{IND}return -1"]
    elif kind == "last":
        r = rng.choice([x for x in ["found", "pos", "last", "where"] if x != i])
        doc = rng.choice(["Return the index of the last value in {a} that is {fd}, or -1 if there is none.",
                          "Find the position of the last element of {a} that is {fd}; return -1 if no element is."
                          ]).format(a=a, fd=fd)
        body = [f"{IND}{r} = -1", f"{IND}for {i}, {v} in enumerate({a}):", f"{IND*2}if {cond}:",
                f"{IND*3}{r} = {i}", f"{IND}return {r}"]
    else:
        doc = rng.choice(["Return how many times a value in {a} is larger than the value just before it.",
                          "Count the positions in {a} where the element is greater than the previous one."]).format(a=a)
        if rng.random() < 0.5:
            body = [f"{IND}return sum(1 for {i} in range(1, len({a})) if {a}[{i}] > {a}[{i} - 1])"]
        else:
            acc = rng.choice([x for x in ACC_NAMES if x not in (a,)])
            body = [f"{IND}{acc} = 0", f"{IND}for {i} in range(1, len({a})):", f"{IND*2}if {a}[{i}] > {a}[{i} - 1]:",
                    f"{IND*3}{acc} += 1", f"{IND}return {acc}"]

    def inputs(r):
        return [([r.randint(-10, 20) for _ in range(r.randint(0, 9))],) for _ in range(6)]

    return combo, [a], doc, body, inputs


# ---------------------------------------------------------------- characters of a string
CHAR_FILTERS = {
    "none": (None, None),
    "upper": ("uppercase letters", "{v}.isupper()"),
    "lower": ("lowercase letters", "{v}.islower()"),
    "digit": ("digits", "{v}.isdigit()"),
    "vowel": ("vowels (a, e, i, o, u)", "{v} in \"aeiou\""),
    "eq": ("occurrences of \"{c}\"", "{v} == \"{c}\""),
}
CHAR_MAPS = {
    "id": ("", "{v}"),
    "upper": (" converted to uppercase", "{v}.upper()"),
    "lower": (" converted to lowercase", "{v}.lower()"),
    "double": (" each written twice", "{v} * 2"),
}
CHAR_AGGS = ["join", "count", "reverse", "list"]
ALPHABET = "abcdeiouxyzABCDEOXYZ0123456789  "


def gen_chars(rng, combo=None):
    if combo is None:
        agg = rng.choice(CHAR_AGGS)
        f = rng.choice(list(CHAR_FILTERS))
        m = "id" if agg == "count" else rng.choice(list(CHAR_MAPS))
        if agg == "count" and f == "none":
            f = "upper"
        combo = ("chars", f, m, agg)
    _, f, m, agg = combo
    fdoc, fcode = CHAR_FILTERS[f]
    mdoc, mcode = CHAR_MAPS[m]
    c = rng.choice("abexyzAEX01")
    a = rng.choice(STR_ARGS)
    v = rng.choice([x for x in CHAR_VARS if x != a])
    cond = fill(fcode, v=v, c=c)
    expr = fill(mcode, v=v, c=c)
    iff = f" if {cond}" if cond else ""
    what = fill(fdoc, c=c) if fdoc else "characters"
    if f == "none":
        what = "all characters"
    style = rng.random() < 0.5
    out = rng.choice([x for x in ["out", "result", "res", "acc", "buf", "chars_out"] if x not in (a, v)])
    src = f"{a}[::-1]" if agg == "reverse" else a

    def loop(update):
        lines = [f"{IND}for {v} in {src}:"]
        if cond:
            lines += [f"{IND*2}if {cond}:", f"{IND*3}{update}"]
        else:
            lines += [f"{IND*2}{update}"]
        return lines

    if agg in ("join", "reverse"):
        order = "in reverse order" if agg == "reverse" else "in their original order"
        doc = rng.choice(["Return a string of the {w} of {a}{md}, {o}.",
                          "Keep the {w} of {a}{md} and return them joined together {o}."]).format(
            w=what, a=a, md=mdoc, o=order)
        if style:
            body = [f"{IND}return \"\".join({expr} for {v} in {src}{iff})"]
        else:
            body = [f"{IND}{out} = \"\""] + loop(f"{out} += {expr}") + [f"{IND}return {out}"]
    elif agg == "count":
        doc = rng.choice(["Return the number of {w} in {a}.", "Count the {w} in the string {a}."]).format(w=what, a=a)
        if style:
            body = [f"{IND}return sum(1 for {v} in {a}{iff})"]
        else:
            body = [f"{IND}{out} = 0"] + loop(f"{out} += 1") + [f"{IND}return {out}"]
    else:
        doc = rng.choice(["Return a list of the {w} of {a}{md}.", "List the {w} of {a}{md}, in order."]).format(
            w=what, a=a, md=mdoc)
        if style:
            body = [f"{IND}return [{expr} for {v} in {a}{iff}]"]
        else:
            body = [f"{IND}{out} = []"] + loop(f"{out}.append({expr})") + [f"{IND}return {out}"]

    def inputs(r):
        return [("".join(r.choice(ALPHABET) for _ in range(r.randint(0, 12))),) for _ in range(6)]

    return combo, [a], doc, body, inputs


# ---------------------------------------------------------------- words of a sentence
WORD_FILTERS = {
    "none": (None, None, None),
    "longer": ("longer than {c} characters", "len({v}) > {c}", "n"),
    "shorter": ("shorter than {c} characters", "len({v}) < {c}", "n"),
    "eqlen": ("exactly {c} characters long", "len({v}) == {c}", "n"),
    "starts": ("starting with \"{c}\"", "{v}.startswith(\"{c}\")", "l"),
    "has": ("containing \"{c}\"", "\"{c}\" in {v}", "l"),
}
WORD_MAPS = {
    "id": ("", "{v}"),
    "upper": (" in uppercase", "{v}.upper()"),
    "rev": (" spelled backwards", "{v}[::-1]"),
    "first": ("", "{v}[0]"),
    "len": ("", "len({v})"),
}
WORD_AGGS = ["join", "sep", "list", "count", "totlen"]
WORD_LETTERS = "abcdeo"


def gen_words(rng, combo=None):
    if combo is None:
        agg = rng.choice(WORD_AGGS)
        f = rng.choice(list(WORD_FILTERS))
        if agg in ("count", "totlen"):
            m = "id"
        elif agg == "list":
            m = rng.choice(list(WORD_MAPS))
        else:
            m = rng.choice([k for k in WORD_MAPS if k != "len"])
        if agg == "count" and f == "none":
            f = "longer"
        combo = ("words", f, m, agg)
    _, f, m, agg = combo
    fdoc, fcode, ckind = WORD_FILTERS[f]
    mdoc, mcode = WORD_MAPS[m]
    fc = rng.randint(1, 5) if ckind == "n" else rng.choice(WORD_LETTERS)
    sfx = rng.choice(["s", "x", "ed", "!", "ly"])
    a = rng.choice(SENT_ARGS)
    v = rng.choice([x for x in WORD_VARS if x != a])
    cond = fill(fcode, v=v, c=fc)
    expr = fill(mcode, v=v, c=sfx)
    iff = f" if {cond}" if cond else ""
    fph = (" " + fill(fdoc, c=fc)) if fdoc else ""
    md = fill(mdoc, c=sfx)
    words = f"the words{fph}"
    if m == "first":
        words = f"the first letter of each of the words{fph}"
    elif m == "len":
        words = f"the length of each of the words{fph}"
    sep = rng.choice(["-", ", ", "_", "|"])
    split = f"{a}.split()"
    style = rng.random() < 0.5
    out = rng.choice([x for x in ["out", "result", "res", "parts", "kept", "acc"] if x not in (a, v)])

    def loop(update):
        lines = [f"{IND}for {v} in {split}:"]
        if cond:
            lines += [f"{IND*2}if {cond}:", f"{IND*3}{update}"]
        else:
            lines += [f"{IND*2}{update}"]
        return lines

    if agg in ("join", "sep"):
        s = " " if agg == "join" else sep
        sdesc = "single spaces" if agg == "join" else f"\"{sep}\""
        doc = rng.choice(["Split {a} on whitespace and return {w}{md}, joined with {sd}.",
                          "Return {w} of {a}{md} joined by {sd}."]).format(a=a, w=words, md=md, sd=sdesc)
        if style:
            body = [f"{IND}return \"{s}\".join({expr} for {v} in {split}{iff})"]
        else:
            body = [f"{IND}{out} = []"] + loop(f"{out}.append({expr})") + [f"{IND}return \"{s}\".join({out})"]
    elif agg == "list":
        doc = rng.choice(["Split {a} on whitespace and return a list of {w}{md}.",
                          "Return a list of {w} in {a}{md}."]).format(a=a, w=words, md=md)
        if style:
            body = [f"{IND}return [{expr} for {v} in {split}{iff}]"]
        else:
            body = [f"{IND}{out} = []"] + loop(f"{out}.append({expr})") + [f"{IND}return {out}"]
    elif agg == "count":
        doc = rng.choice(["Return how many words in {a} are{fp}.", "Count the words of {a} that are{fp}."]).format(
            a=a, fp=fph.replace(" exactly", " exactly"))
        if style:
            body = [f"{IND}return sum(1 for {v} in {split}{iff})"]
        else:
            body = [f"{IND}{out} = 0"] + loop(f"{out} += 1") + [f"{IND}return {out}"]
    else:  # total length
        doc = rng.choice(["Return the total number of letters in {w} of {a}.",
                          "Sum the lengths of {w} in {a}."]).format(w=words, a=a)
        if style:
            body = [f"{IND}return sum(len({v}) for {v} in {split}{iff})"]
        else:
            body = [f"{IND}{out} = 0"] + loop(f"{out} += len({v})") + [f"{IND}return {out}"]

    def inputs(r):
        res = []
        for _ in range(6):
            ws = ["".join(r.choice(WORD_LETTERS) for _ in range(r.randint(1, 6))) for _ in range(r.randint(0, 5))]
            res.append((" ".join(ws),))
        return res

    return combo, [a], doc, body, inputs


# ---------------------------------------------------------------- counting with dicts
def gen_counts(rng, combo=None):
    if combo is None:
        key = rng.choice(["id", "mod", "len", "firstc", "parity"])
        f = rng.choice(["none", "gt", "lt", "pos"] if key in ("id", "mod", "parity") else ["none", "longer"])
        combo = ("counts", key, f)
    _, key, f = combo
    words = key in ("len", "firstc")
    a = rng.choice(["words", "items", "tokens", "names"] if words else LIST_ARGS)
    v = rng.choice([x for x in (WORD_VARS if words else LOOP_VARS) if x != a])
    d = rng.choice([x for x in COUNT_DICTS if x not in (a, v)])
    kc = rng.randint(2, 5)
    kexpr, kdoc = {
        "id": (v, "each distinct value"),
        "mod": (f"{v} % {kc}", f"each remainder modulo {kc}"),
        "parity": (f"{v} % 2", "each parity (0 for even, 1 for odd)"),
        "len": (f"len({v})", "each word length"),
        "firstc": (f"{v}[0]", "each first letter"),
    }[key]
    fc = rng.randint(-2, 8) if not words else rng.randint(1, 4)
    cond, fdoc = {
        "none": (None, ""),
        "gt": (f"{v} > {fc}", f" greater than {fc}"),
        "lt": (f"{v} < {fc}", f" less than {fc}"),
        "pos": (f"{v} > 0", " that are positive"),
        "longer": (f"len({v}) > {fc}", f" longer than {fc} characters"),
    }[f]
    noun = "words" if words else "values"
    doc = rng.choice(["Return a dict mapping {k} to how many {n} of {a}{fd} have it.",
                      "Count, for {k}, the {n} in {a}{fd}; return the counts as a dict."]).format(
        k=kdoc, n=noun, a=a, fd=fdoc)
    style = rng.random() < 0.5
    if style:
        upd = [f"{d}[{kexpr}] = {d}.get({kexpr}, 0) + 1"]
    else:
        kv = rng.choice(["key", "bucket"])
        upd = [f"{kv} = {kexpr}", f"if {kv} in {d}:", f"{IND}{d}[{kv}] += 1", "else:", f"{IND}{d}[{kv}] = 1"]
        if key == "id":
            upd = [f"if {v} in {d}:", f"{IND}{d}[{v}] += 1", "else:", f"{IND}{d}[{v}] = 1"]
    body = [f"{IND}{d} = {{}}", f"{IND}for {v} in {a}:"]
    if cond:
        body += [f"{IND*2}if {cond}:"] + [IND * 3 + u for u in upd]
    else:
        body += [IND * 2 + u for u in upd]
    body.append(f"{IND}return {d}")

    def inputs(r):
        res = []
        for _ in range(6):
            if words:
                res.append((["".join(r.choice(WORD_LETTERS) for _ in range(r.randint(1, 5)))
                             for _ in range(r.randint(0, 6))],))
            else:
                res.append(([r.randint(-5, 12) for _ in range(r.randint(0, 8))],))
        return res

    return combo, [a], doc, body, inputs


# ---------------------------------------------------------------- number functions
def gen_number(rng, combo=None):
    kinds = ["digitsum", "digitcount", "revnum", "factorial", "divisors", "isprime", "fib", "sqsum", "gcd",
             "evendigits"]
    if combo is None:
        combo = ("number", rng.choice(kinds))
    kind = combo[1]
    n = rng.choice(INT_ARGS)
    i = rng.choice([x for x in ["i", "j", "k", "d", "x"] if x != n])
    acc = rng.choice([x for x in ACC_NAMES if x not in (n, i)])
    style = rng.random() < 0.5
    args = [n]
    lo, hi = 0, 200
    if kind == "digitsum":
        doc = rng.choice(["Return the sum of the decimal digits of the non-negative integer {n}.",
                          "Add up the digits of {n} (n >= 0) and return the result."]).format(n=n)
        body = ([f"{IND}return sum(int({i}) for {i} in str({n}))"] if style else
                [f"{IND}{acc} = 0", f"{IND}while {n} > 0:", f"{IND*2}{acc} += {n} % 10", f"{IND*2}{n} //= 10",
                 f"{IND}return {acc}"])
        hi = 99999
    elif kind == "digitcount":
        doc = "Return how many decimal digits the non-negative integer {n} has.".format(n=n)
        body = [f"{IND}return len(str({n}))"]
        hi = 99999
    elif kind == "digitprod":
        doc = rng.choice(["Return the product of the decimal digits of the non-negative integer {n}.",
                          "Multiply the digits of {n} (n >= 0) together and return the product."]).format(n=n)
        body = [f"{IND}{acc} = 1", f"{IND}for {i} in str({n}):", f"{IND*2}{acc} *= int({i})", f"{IND}return {acc}"]
        hi = 99999
    elif kind == "revnum":
        doc = "Return the non-negative integer {n} with its decimal digits reversed.".format(n=n)
        body = ([f"{IND}return int(str({n})[::-1])"] if style else
                [f"{IND}{acc} = 0", f"{IND}while {n} > 0:", f"{IND*2}{acc} = {acc} * 10 + {n} % 10",
                 f"{IND*2}{n} //= 10", f"{IND}return {acc}"])
        lo, hi = 1, 99999
    elif kind == "multiples":
        p, q = rng.sample([2, 3, 4, 5, 7], 2)
        doc = rng.choice(["Return the sum of all numbers below {n} that are multiples of {p} or {q}.",
                          "Add up every integer from 0 up to (not including) {n} divisible by {p} or by {q}."]).format(
            n=n, p=p, q=q)
        body = ([f"{IND}return sum({i} for {i} in range({n}) if {i} % {p} == 0 or {i} % {q} == 0)"] if style else
                [f"{IND}{acc} = 0", f"{IND}for {i} in range({n}):", f"{IND*2}if {i} % {p} == 0 or {i} % {q} == 0:",
                 f"{IND*3}{acc} += {i}", f"{IND}return {acc}"])
        hi = 60
    elif kind == "factorial":
        doc = "Return the factorial of the non-negative integer {n}.".format(n=n)
        body = [f"{IND}{acc} = 1", f"{IND}for {i} in range(2, {n} + 1):", f"{IND*2}{acc} *= {i}", f"{IND}return {acc}"]
        hi = 12
    elif kind == "divisors":
        doc = rng.choice(["Return how many positive divisors the positive integer {n} has.",
                          "Count the integers from 1 to {n} that divide {n} evenly."]).format(n=n)
        body = ([f"{IND}return sum(1 for {i} in range(1, {n} + 1) if {n} % {i} == 0)"] if style else
                [f"{IND}{acc} = 0", f"{IND}for {i} in range(1, {n} + 1):", f"{IND*2}if {n} % {i} == 0:",
                 f"{IND*3}{acc} += 1", f"{IND}return {acc}"])
        lo, hi = 1, 120
    elif kind == "isprime":
        doc = "Return True if {n} is a prime number, otherwise False.".format(n=n)
        body = [f"{IND}if {n} < 2:", f"{IND*2}return False", f"{IND}for {i} in range(2, {n}):",
                f"{IND*2}if {n} % {i} == 0:", f"{IND*3}return False", f"{IND}return True"]
        hi = 100
    elif kind == "fib":
        a2, b2 = rng.choice([("a", "b"), ("prev", "cur"), ("x", "y"), ("lo", "hi")])
        if n in (a2, b2):
            n = "num" if "num" not in (a2, b2) else "count"
            args = [n]
        doc = "Return the {n}-th Fibonacci number, where fib(0) = 0 and fib(1) = 1.".format(n=n)
        body = [f"{IND}{a2}, {b2} = 0, 1", f"{IND}for _ in range({n}):", f"{IND*2}{a2}, {b2} = {b2}, {a2} + {b2}",
                f"{IND}return {a2}"]
        hi = 25
    elif kind == "collatz":
        doc = ("Return how many steps the Collatz process takes to reach 1 from the positive integer {n}: "
               "halve even numbers, map odd numbers x to 3 * x + 1.").format(n=n)
        body = [f"{IND}{acc} = 0", f"{IND}while {n} != 1:", f"{IND*2}if {n} % 2 == 0:", f"{IND*3}{n} //= 2",
                f"{IND*2}else:", f"{IND*3}{n} = 3 * {n} + 1", f"{IND*2}{acc} += 1", f"{IND}return {acc}"]
        lo, hi = 1, 40
    elif kind == "sqsum":
        doc = "Return the sum of the squares of the integers from 1 to {n} inclusive.".format(n=n)
        body = ([f"{IND}return sum({i} * {i} for {i} in range(1, {n} + 1))"] if style else
                [f"{IND}{acc} = 0", f"{IND}for {i} in range(1, {n} + 1):", f"{IND*2}{acc} += {i} * {i}",
                 f"{IND}return {acc}"])
        hi = 30
    elif kind == "bits":
        doc = "Return the number of 1 bits in the binary representation of the non-negative integer {n}.".format(n=n)
        body = ([f"{IND}return bin({n}).count(\"1\")"] if style else
                [f"{IND}{acc} = 0", f"{IND}while {n} > 0:", f"{IND*2}{acc} += {n} % 2", f"{IND*2}{n} //= 2",
                 f"{IND}return {acc}"])
        hi = 1000
    elif kind == "gcd":
        p, q = rng.choice([("a", "b"), ("x", "y"), ("m", "n"), ("p", "q")])
        args = [p, q]
        doc = "Return the greatest common divisor of the non-negative integers {p} and {q}.".format(p=p, q=q)
        body = [f"{IND}while {q}:", f"{IND*2}{p}, {q} = {q}, {p} % {q}", f"{IND}return {p}"]
        hi = 100
    elif kind == "power":
        b = rng.randint(2, 5)
        doc = "Return True if {n} is a power of {b} (1 counts as {b} ** 0), otherwise False.".format(n=n, b=b)
        body = [f"{IND}if {n} < 1:", f"{IND*2}return False", f"{IND}while {n} % {b} == 0:",
                f"{IND*2}{n} //= {b}", f"{IND}return {n} == 1"]
        hi = 300
    else:  # evendigits
        doc = "Return how many digits of the non-negative integer {n} are even.".format(n=n)
        body = [f"{IND}return sum(1 for {i} in str({n}) if int({i}) % 2 == 0)"]
        hi = 99999

    def inputs(r):
        if kind == "gcd":
            return [(r.randint(0, hi), r.randint(0, hi)) for _ in range(6)]
        if kind == "power":
            b = int(doc.split("power of ")[1].split(" ")[0])
            return [(r.choice([r.randint(0, hi), b ** r.randint(0, 3)]),) for _ in range(6)]
        return [(r.randint(lo, hi),) for _ in range(6)]

    return combo, args, doc, body, inputs


FAMILIES = [(gen_list_pipeline, 5), (gen_piecewise, 2), (gen_scan, 2), (gen_chars, 3), (gen_words, 3),
            (gen_counts, 2), (gen_number, 2)]
GEN_BY_TAG = {"pipe": gen_list_pipeline, "piece": gen_piecewise, "scan": gen_scan, "chars": gen_chars,
              "words": gen_words, "counts": gen_counts, "number": gen_number}


def make_prompt(name, args, doc):
    return f"def {name}({', '.join(args)}):\n{IND}\"\"\"{doc}\"\"\"\n"


def run_reference(prompt, body, entry, inputs):
    ns = {}
    exec(prompt + "\n".join(body) + "\n", ns)
    fn = ns[entry]
    outs = []
    for inp in inputs:
        copied = json.loads(json.dumps(inp))
        outs.append(fn(*copied))
    return outs


def sample_task(rng, want_heldout=None, combo=None):
    """One task. want_heldout: None (any), False (train combos only), True (held-out combos only)."""
    gens, weights = zip(*FAMILIES)
    while True:
        if combo is not None:
            gen = GEN_BY_TAG[combo[0]]
            c, args, doc, body, inputs = gen(rng, combo)
        else:
            gen = rng.choices(gens, weights)[0]
            c, args, doc, body, inputs = gen(rng)
        if gen is gen_number:
            if want_heldout:
                continue  # number functions have no parts to recombine
        elif want_heldout is not None and held_out(c) != want_heldout:
            continue
        name = rng.choice(FUNC_NAMES)
        prompt = make_prompt(name, args, doc)
        return dict(combo=c, prompt=prompt, body=body, entry_point=name, inputs=inputs)


def build_test(task, rng):
    ins = task["inputs"](rng)
    outs = run_reference(task["prompt"], task["body"], task["entry_point"], ins)
    lines = ["def check(candidate):"]
    seen = set()
    for inp, out in zip(ins, outs):
        call = ", ".join(repr(x) for x in inp)
        key = call
        if key in seen:
            continue
        seen.add(key)
        lines.append(f"{IND}assert candidate({call}) == {out!r}")
    return "\n".join(lines) + "\n"


def build_visible_tests(task, task_id, hidden, n=2):
    """Up to n asserts a user could be shown (`visible_tests`), for selecting among attempts:
    inputs from the task's own generator with a separate RNG seeded by the task id (so drawing
    them leaves every other task and hidden test as it was), never a call the hidden test makes."""
    rng = random.Random(f"visible/{task_id}")
    out, seen = [], set()
    for _ in range(5):
        ins = task["inputs"](rng)
        outs = run_reference(task["prompt"], task["body"], task["entry_point"], ins)
        for inp, res in zip(ins, outs):
            call = ", ".join(repr(x) for x in inp)
            line = f"assert {task['entry_point']}({call}) == {res!r}"
            if f"candidate({call})" in hidden or call in seen:
                continue
            seen.add(call)
            out.append(line)
            if len(out) == n:
                return out
    return out


def verify(record, timeout=10):
    src = record["prompt"] + record["canonical_solution"] + "\n" + record["test"] + \
        f"\ncheck({record['entry_point']})\n" + "".join(a + "\n" for a in record.get("visible_tests", []))
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(src)
        path = fh.name
    try:
        r = subprocess.run([sys.executable, path], capture_output=True, timeout=timeout)
        return r.returncode == 0
    finally:
        os.unlink(path)


def heldout_suite(rng, n, heldout_combos, exclude, prefix):
    out, prompts = [], set()
    while len(out) < n:
        t = sample_task(rng, want_heldout=heldout_combos)
        if t["prompt"] in exclude or t["prompt"] in prompts:
            continue
        prompts.add(t["prompt"])
        rec = dict(task_id=f"{prefix}/{len(out)}", prompt=t["prompt"],
                   canonical_solution="\n".join(t["body"]) + "\n", test=build_test(t, rng),
                   entry_point=t["entry_point"], combo="/".join(str(x) for x in t["combo"]))
        rec["visible_tests"] = build_visible_tests(t, rec["task_id"], rec["test"])
        out.append(rec)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-train", type=int, default=200000)
    ap.add_argument("--n-heldout", type=int, default=400)
    ap.add_argument("--out-train", required=True)
    ap.add_argument("--out-examples", required=True)
    ap.add_argument("--check-train", type=int, default=2000, help="run this many train references in-process")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    # Held-out suites first, so training can exclude their prompts.
    inst = heldout_suite(random.Random(args.seed * 1000 + 1), args.n_heldout, False, set(), "MiniCode/inst")
    combos = heldout_suite(random.Random(args.seed * 1000 + 2), args.n_heldout, True, set(), "MiniCode/combo")
    exclude = {r["prompt"] for r in inst} | {r["prompt"] for r in combos}
    os.makedirs(args.out_examples, exist_ok=True)
    for name, recs in (("minicode-instances.jsonl", inst), ("minicode-combos.jsonl", combos)):
        bad = [r["task_id"] for r in recs if not verify(r)]
        if bad:
            raise SystemExit(f"canonical solutions fail their tests: {bad[:5]}")
        with open(os.path.join(args.out_examples, name), "w") as fh:
            for r in recs:
                fh.write(json.dumps(r) + "\n")
        print(f"wrote {len(recs)} verified tasks to {name}")

    os.makedirs(os.path.dirname(os.path.abspath(args.out_train)), exist_ok=True)
    n = skipped = 0
    with open(args.out_train, "w") as fh:
        while n < args.n_train:
            t = sample_task(rng, want_heldout=False)
            if t["prompt"] in exclude:
                skipped += 1
                continue
            if n < args.check_train:
                run_reference(t["prompt"], t["body"], t["entry_point"], t["inputs"](rng))
            fh.write(json.dumps(dict(prompt=t["prompt"], completion="\n".join(t["body"]) + "\n",
                                     combo="/".join(str(x) for x in t["combo"]))) + "\n")
            n += 1
    print(f"wrote {n} training tasks ({skipped} skipped as held-out prompts)")


if __name__ == "__main__":
    main()
