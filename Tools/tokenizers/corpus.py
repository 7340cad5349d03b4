"""Deterministic (seeded) text corpus for tokenizer parity fixtures.

Every category the Swift tokenizer must get exactly right is represented: Python code, prose with
contractions in mixed case, many scripts (CJK, Hangul in both composed and decomposed form, RTL,
Indic with combining marks), emoji with ZWJ sequences and modifiers, whitespace runs of every kind
the pre-tokenizer regexes distinguish, numbers of many lengths, and special tokens embedded in text.
Only `random.Random(seed)` is used, never set/dict iteration over strings, so output is stable.
"""

import random

WORDS = (
    "the of and to in is that it for on with as was at by be this from or have an are not but had "
    "they you which one all were can we she there their been if more when will would who so no "
    "model token tokenizer encode decode diffusion mask python value return import class while "
    "function variable parser buffer index stream merge vocabulary unicode scalar integer"
).split()

CONTRACTIONS = [
    "I'm", "don't", "they're", "we've", "she'll", "it'd", "JOHN'S", "Can'T", "'Re", "YOU'RE",
    "We'Ve", "it's", "It'S", "that'LL", "he'D", "'m", "'s", "o'clock", "rock'n'roll", "'tis",
    "ma'am", "y'all", "'", "''", "'x", "' s", "'ſ", "Iʼm", "don’t", "'ll've",
]

SCRIPTS = [
    "漢字とひらがなとカタカナ", "中文分词测试，包括标点。", "你好，世界！", "日本語のテキスト",
    "한국어 텍스트입니다", "\u1112\u1161\u11ab\u1100\u1173\u11af",  # decomposed Hangul jamo (NFC composes)
    "Ελληνικά γράμματα", "Русский текст, ёжик", "עברית עם ניקוד: שָׁלוֹם", "العربية: مرحبا بالعالم",
    "\u200fمرحبا\u200e abc", "हिन्दी में नमस्ते", "தமிழ் எழுத்து", "ภาษาไทย ไม่มีช่องว่าง",
    "ქართული", "Հայերեն", "ᚠᚢᚦᚨᚱᚲ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕄𝕒𝕥𝕙", "𐍈𐌰𐌿𐌸", "𠀀𠀁𠀂", "Ŧéşţ Ŀàţíñ",
    "e\u0301te\u0301", "a\u030a\u0323", "Zalgo: Z\u0351\u0364\u036b\u0353a\u0344\u035el\u0315g\u0310o",
    "ﬁﬂ ligatures", "Ⅻ roman Ⅳ", "½ ¾ ² ³ ⁴", "٠١٢٣٤٥٦٧٨٩", "１２３ＡＢＣ", "①②③",
    "∀x∈ℝ: x²≥0", "€100 £50 ¥2000 ₹30", "™ © ®", "«quotes» „German“ ‘single’",
]

EMOJI = [
    "😀", "👍🏽", "👨\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "🇯🇵🇺🇸", "❤️", "🧑🏿\u200d💻",
    "✋🏻", "1️⃣", "🫠", "👩\u200d❤️\u200d💋\u200d👨", "☃", "🐍", "🔥🔥🔥",
]

SPACES = [
    " ", "  ", "   ", "    ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r", "\r\r\n", " \n", "\n ",
    "\u00a0", "\u2028", "\u2029", "\u3000", "\x0b", "\x0c", "\x85", "\u200b", "\u1680", "\u202f",
    "\u2003", "\u205f", " \t \n", "\u00a0\u00a0", "\n\t\t", "      ",
]

QWEN_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|mask|>", "<tool_call>", "<think>"]
LLAMA_SPECIALS = [
    "<|startoftext|>", "<|endoftext|>", "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>",
    "<|mdm_mask|>", "<|fill|>", "xyzzy",
]
PARTIALS = ["<|im_start", "im_end|>", "<|", "|>", "<|endoftext", "<|eot_id", "<<|mask|>>", "<|MASK|>",
            "<think", "<THINK>", "xyzzyx", "Xyzzy", "_xyzzy_"]

FUZZ_POOL = (
    [chr(c) for c in range(0x20, 0x7f)] * 3
    + SPACES
    + list("ßéèçñøåæœÆŒİıǅǈǋ") + list("αβγδεζηθ") + list("жщъыьэюя")
    + list("中文字日本語한국어") + list("ابتثجحخ") + list("אבגדה")
    + ["\u0300", "\u0301", "\u0308", "\u0327", "\u093f", "\u0947", "\u094d", "\u0e31", "\u20dd",
       "\ufe0f", "\u200d", "\u200c", "\u00ad", "\u2060", "\ufeff", "\x00", "\x1b", "\x7f", "\x1c",
       "\ue000", "\ufffd", "\U0001f600", "\U0001f3fd", "\U0001d518", "\U0001d7d8", "\U00020000",
       "\u2167", "\u00bd", "\u0660", "\uff11", "\u2460", "\u00b2", "\u02b0", "\u3005", "\u2116",
       "\u017f", "\u212a", "\u0130", "’", "ʼ", "`"]
    + ["'s", "'T", "'re", "'VE", "'m", "'LL", "'d"]
)

IDENT = "abcdefghijklmnopqrstuvwxyz_"


def _ident(rng):
    return "".join(rng.choice(IDENT) for _ in range(rng.randint(1, 10))) + rng.choice(["", "", "2", "_x", "Id"])


def _number(rng):
    n = rng.randint(1, 25)
    digits = "".join(rng.choice("0123456789") for _ in range(n))
    form = rng.randint(0, 5)
    if form == 0:
        return digits
    if form == 1:
        return "-" + digits + "." + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 6)))
    if form == 2:
        return f"{int(digits):,}"
    if form == 3:
        return "0x" + "".join(rng.choice("0123456789abcdefABCDEF") for _ in range(rng.randint(1, 16)))
    if form == 4:
        return digits[:3] + "e" + rng.choice(["", "-", "+"]) + digits[3:6]
    return rng.choice(["v", "#", "$", "№", "x", " "]) + digits


def code(rng):
    indent = rng.choice(["    ", "  ", "\t"])
    nl = rng.choice(["\n", "\n", "\n", "\r\n"])
    name = _ident(rng)
    args = ", ".join(_ident(rng) for _ in range(rng.randint(0, 4)))
    lines = [f"def {name}({args}):"]
    if rng.random() < 0.5:
        lines.append(f'{indent}"""{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {_number(rng)}."""')
    for _ in range(rng.randint(1, 8)):
        depth = rng.randint(1, 3)
        kind = rng.randint(0, 9)
        v = _ident(rng)
        if kind == 0:
            stmt = f"for {v} in range({_number(rng)}):"
        elif kind == 1:
            stmt = f"if {v} == {rng.choice(['None', 'True', repr(_ident(rng)), _number(rng)])}:"
        elif kind == 2:
            stmt = f"{v} = [{', '.join(_number(rng) for _ in range(rng.randint(1, 5)))}]"
        elif kind == 3:
            stmt = f'print(f"{{{v}!r}} -> {{len({v})}}\\n")'
        elif kind == 4:
            stmt = f"# {' '.join(rng.choice(WORDS) for _ in range(rng.randint(2, 9)))}"
        elif kind == 5:
            stmt = f"{v}: dict[str, int] = {{'{_ident(rng)}': {_number(rng)}, **{_ident(rng)}}}"
        elif kind == 6:
            stmt = f"return {v} ** 2 // {_number(rng)} if {v} else -{v}"
        elif kind == 7:
            stmt = f"{v} += {rng.choice(['1', '0.5', 'x[i]', '(a<<2)|b', 'not y', '~z'])}"
        elif kind == 8:
            stmt = f"raise ValueError('{rng.choice(CONTRACTIONS)} {rng.choice(WORDS)}')"
        else:
            stmt = f"with open({v!r}, 'rb') as fh:{rng.choice(['', '  ', ' # noqa'])}"
        trailing = rng.choice(["", "", "", " ", "\t", "   "])
        lines.append(indent * depth + stmt + trailing)
        if rng.random() < 0.15:
            lines.append(rng.choice(["", indent, indent * 2 + " "]))
    return nl.join(lines) + rng.choice(["", nl, nl + nl])


def prose(rng):
    out = []
    for _ in range(rng.randint(3, 30)):
        r = rng.random()
        if r < 0.2:
            w = rng.choice(CONTRACTIONS)
        elif r < 0.25:
            w = _number(rng)
        else:
            w = rng.choice(WORDS)
            case = rng.random()
            w = w.upper() if case < 0.1 else (w.capitalize() if case < 0.25 else w)
        out.append(w)
        out.append(rng.choice([" ", " ", " ", " ", ", ", ". ", "! ", "? ", "; ", " - ", "  ", "\n", "..."]))
    return "".join(out).rstrip(" ") + rng.choice(["", ".", " ", "\n"])


def unicode_mix(rng):
    parts = []
    for _ in range(rng.randint(1, 6)):
        r = rng.random()
        if r < 0.5:
            parts.append(rng.choice(SCRIPTS))
        elif r < 0.75:
            parts.append("".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 4))))
        else:
            parts.append(rng.choice(WORDS))
        parts.append(rng.choice([" ", "", "\n", "、", "。", " — ", "\u3000"]))
    return "".join(parts)


def whitespace(rng):
    parts = []
    for _ in range(rng.randint(1, 12)):
        parts.append(rng.choice(SPACES) * rng.randint(1, 3))
        if rng.random() < 0.6:
            parts.append(rng.choice(WORDS + ["x", "!", "#", "1", "é", "中", "'s"]))
    return "".join(parts)


def numbers(rng):
    parts = []
    for _ in range(rng.randint(1, 8)):
        parts.append(_number(rng))
        parts.append(rng.choice([" ", "", ",", "+", " = ", "\n", "x", "%", "/"]))
    return "".join(parts)


def specials(rng, specials_list):
    parts = []
    for _ in range(rng.randint(1, 8)):
        r = rng.random()
        if r < 0.4:
            parts.append(rng.choice(specials_list))
        elif r < 0.5:
            parts.append(rng.choice(PARTIALS))
        elif r < 0.7:
            parts.append(rng.choice(SPACES))
        else:
            parts.append(prose(rng)[: rng.randint(1, 40)])
    return "".join(parts)


def fuzz(rng):
    return "".join(rng.choice(FUZZ_POOL) for _ in range(rng.randint(1, 60)))


FIXED = [
    "", " ", "  ", "\n", "\r\n", "\r", "\t", "a", "A", "'", "'s", "'S", "'ſ", "Hello, world!",
    "hello world", " hello", "hello ", "hello  world", "hello\tworld", "line1\nline2\r\nline3\rline4",
    "trailing spaces   ", "   leading", "a\n\n\nb", "x \n y", "  \n  \n", "\n\n\n", "1", "12", "123",
    "1234", "12345", "1234567890123", "3.14159", "-0.5e10", "x=1+2", "I'M HERE, YOU'RE THERE, WE'LL SEE.",
    "it's", "IT'S", "It'S", "'ll'll'LL", "don't", "e\u0301", "\u00e9", "caf\u00e9 cafe\u0301",
    "\u1112\u1161\u11ab", "한", "👨\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "a\u00a0b", "a\u2028b", "a\u3000b",
    "a\u200bb", "a\x85b", "a\x0bb\x0cc", "<|im_start|>", "<|endoftext|>", "<|startoftext|>", "<|eot_id|>",
    "<|im_start|>user\nhi<|im_end|>\n", " <|endoftext|> ", "<|endoftext|><|endoftext|>",
    "a<|fill|>b", "a   <|fill|>   b", "\n<|fill|>\n", "xyzzy", "a xyzzy b", "axyzzy", "xyzzy_", " xyzzy,",
    "<think>x</think>", "<tool_call>{}</tool_call>", "def f(x):\n    return x\n", "\tif x:\n\t\tpass\n",
    "नमस्ते", "ภาษาไทย", "שָׁלוֹם", "مرحبا", "ǅǈǋ", "İstanbul ıi", "ﬃ", "Ⅻ", "½", "٣", "\U0001d7d8",
    " \u0301", "\u0301\u0301", "a\u0301\u0302\u0303", "x\ufe0f", "\x00", "\x00\x01\x02", "\ufeffBOM",
]


def build(seed, count, style):
    rng = random.Random(seed)
    specials_list = QWEN_SPECIALS if style == "qwen2" else LLAMA_SPECIALS
    kinds = [code, prose, unicode_mix, whitespace, numbers, lambda r: specials(r, specials_list), fuzz]
    weights = [3, 3, 2, 2, 1, 2, 3]
    out = list(FIXED)
    while len(out) < count:
        kind = rng.choices(kinds, weights)[0]
        out.append(kind(rng))
    # A few long documents so throughput numbers are not dominated by per-call overhead.
    for _ in range(6):
        out.append("\n\n".join(code(rng) if rng.random() < 0.6 else prose(rng) for _ in range(12)))
    return out
