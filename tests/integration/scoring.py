"""Scoring recognised text against a reference: edit distance over words or digits."""

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
