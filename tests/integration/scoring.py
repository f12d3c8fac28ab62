"""Scoring recognised text against a reference: edit distance over words, digits or characters."""
import re

DIGIT_WORDS = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
               "six": "6", "seven": "7", "eight": "8", "nine": "9"}


def edit_distance(a, b):
    """Levenshtein distance between two sequences (substitution, insertion, deletion cost 1)."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def normalise_words(text):
    """Lower-case words with "oh" read as "zero" (the reference mixes both for the digit 0)."""
    words = [w.strip(".,?!;:\"'()[]") for w in text.lower().split()]
    return ["zero" if w == "oh" else w for w in words if w]


def n_words(text):
    return len(normalise_words(text))


def digits_of(text):
    """Only the digit words of `text`, as digits ("oh" -> 0); everything else is dropped."""
    return [DIGIT_WORDS[w] for w in normalise_words(text) if w in DIGIT_WORDS]


def digit_errors(hyp, ref):
    r, h = digits_of(ref), digits_of(hyp)
    return edit_distance(h, r), len(r)


def spoken_digits(text):
    """The digits said, from Whisper's numerals ("1,001") or spelled-out words ("one oh")."""
    out = []
    for token in re.findall(r"[a-z]+|\d", text.lower()):
        out.extend([DIGIT_WORDS[token]] if token in DIGIT_WORDS else [token] if token.isdigit() else [])
    return out


CN_DIGITS = dict(zip("0123456789", "零一二三四五六七八九"))


def hanzi(text):
    """Characters to score Mandarin on: Han and digits (as Chinese numerals), no punctuation."""
    return [CN_DIGITS.get(c, c) for c in text if c.isalnum()]


def digit_misses(hyp, ref):
    """Edit distance between the digits said in `hyp` and in `ref` (numerals or words)."""
    return edit_distance(spoken_digits(hyp), spoken_digits(ref))


def word_error_rate(hyp, ref):
    """Word error rate over normalise_words(): English scoring without case or punctuation."""
    r = normalise_words(ref)
    return edit_distance(normalise_words(hyp), r) / len(r)


def hanzi_error_rate(hyp, ref):
    """Character error rate over hanzi(): Mandarin scoring without punctuation."""
    r = hanzi(ref)
    return edit_distance(hanzi(hyp), r) / len(r)


# ---------------------------------------------------------------- Mandarin as it is read aloud

CN_UNITS = [(10 ** 8, "亿"), (10 ** 4, "万"), (1000, "千"), (100, "百"), (10, "十")]
# Characters a listener cannot tell apart by ear, folded on both sides before scoring: the
# homophones 他/她/它 and 的/地/得, 两 (liǎng) and 二 as the same digit, 幺 (yāo, the phone-number
# "1") as 一. Whisper picks among them by its language model, not by the sound.
ZH_FOLD = str.maketrans({"她": "他", "它": "他", "地": "的", "得": "的", "两": "二", "幺": "一", "〇": "零"})


def zh_cardinal(n):
    """The Mandarin reading of a non-negative integer: 1250 -> 一千二百五十, 105 -> 一百零五, 15 -> 十五."""
    if n < 10:
        return CN_DIGITS[str(n)]
    out, zero = "", False
    for value, unit in CN_UNITS:
        if n >= value:
            head, n = divmod(n, value)
            out += ("零" if zero else "") + (zh_cardinal(head) if value >= 10 ** 4 else CN_DIGITS[str(head)]) + unit
            zero = 0 < n < value // 10
    out += ("零" if zero and n else "") + (CN_DIGITS[str(n)] if n else "")
    return out[1:] if out.startswith("一十") else out  # 15 is 十五, not 一十五 (115 keeps 一百一十五)


def _digits(s):
    return "".join(CN_DIGITS[c] for c in s)


def _minutes(mm):
    """The minutes of h:mm: 05 -> 零五, 30 -> 三十, 00 -> nothing (3:00 is 三点)."""
    return "" if mm == "00" else "零" + CN_DIGITS[mm[1]] if mm[0] == "0" else zh_cardinal(int(mm))


def _number(s):
    """An integer or decimal numeral read out: 12.5 -> 十二点五."""
    whole, _, frac = s.partition(".")
    return zh_cardinal(int(whole)) + ("点" + _digits(frac) if frac else "")


def zh_read_numbers(text):
    """Numerals in recognised Mandarin text, rewritten as a listener reads them aloud.

    Whisper writes what it hears as numbers in Arabic numerals ("1250元", "12.5%", "3:30"), the
    reference is written as it is spoken ("一千二百五十元"); this puts both in the same form, by
    the usual reading rules: a year (4 digits before 年) and a number of 7 or more digits, or
    with hyphens (a phone number), digit by digit; after a decimal point, digit by digit; a time
    h:mm as 点 and minutes; N% as 百分之N; a minus before a number as 负; ℃ and °C as 摄氏度;
    every other number as a cardinal. Text that is already in characters is left alone, so a
    number the speech read digit by digit, which Whisper writes as characters, stays wrong.
    """
    t = text.replace("°C", "℃").replace("℃", "摄氏度")
    t = re.sub(r"(?<=\d)[,，](?=\d{3})", "", t)  # 1,250
    t = re.sub(r"\d+(?:-\d+)+", lambda m: _digits(m.group(0).replace("-", "")), t)  # 400-820-8820
    t = re.sub(r"-\s*(?=\d)", "负", t)
    t = re.sub(r"\d{4}(?=\s*年)", lambda m: _digits(m.group(0)), t)
    t = re.sub(r"\d{7,}", lambda m: _digits(m.group(0)), t)
    t = re.sub(r"(\d{1,2})[:：](\d{2})", lambda m: zh_cardinal(int(m.group(1))) + "点" + _minutes(m.group(2)), t)
    t = re.sub(r"(\d+(?:\.\d+)?)\s*%", lambda m: "百分之" + _number(m.group(1)), t)
    t = re.sub(r"\d+\.\d+", lambda m: _number(m.group(0)), t)
    t = re.sub(r"\d+", lambda m: zh_cardinal(int(m.group(0))), t)
    return t


def zh_spoken(text):
    """Characters to score spoken Mandarin on: numerals read out (zh_read_numbers), the
    homophones of ZH_FOLD folded, no punctuation or spaces."""
    return [c for c in zh_read_numbers(text).translate(ZH_FOLD) if c.isalnum()]


def zh_spoken_errors(hyp, refs):
    """(character errors, reference length) of `hyp` against the closest of the spoken `refs`
    (a string, or several readings a listener accepts), after zh_spoken() on both sides."""
    refs = [refs] if isinstance(refs, str) else refs
    h = zh_spoken(hyp)
    return min((edit_distance(h, zh_spoken(r)), len(zh_spoken(r))) for r in refs)
