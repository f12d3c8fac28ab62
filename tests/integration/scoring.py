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
