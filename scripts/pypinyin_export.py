#!/usr/bin/env python3
"""Exports pypinyin's reading data (MIT) into the one compact file the Chinese front end reads
(src/core/text/zh_frontend.cpp): data only, no pypinyin code is run or copied. The two JSON
files are read straight out of the wheel; the output is deterministic (sorted, LF, UTF-8), so
its sha256 is pinned in models/manifest.json.

Output lines, tab-separated, syllables in tone-number pinyin (tone 5 = neutral, ü as v):
  C <TAB> 行 <TAB> xing2,hang2,...     a character's readings, pypinyin's first (most common) first
  P <TAB> 银行 <TAB> yin2 hang2        a phrase, one syllable per character (its first reading)
"""
import json
import sys
import unicodedata
import zipfile

TONES = {"\u0304": "1", "\u0301": "2", "\u030c": "3", "\u0300": "4"}


def numbered(syllable):
    """yín → yin2, lǜ → lv4, de → de5, ê̄ → ê1 (tone marks as NFD combining characters)."""
    tone, out = "5", []
    for ch in unicodedata.normalize("NFD", syllable.strip().lower()):
        if ch in TONES:
            tone = TONES[ch]
        elif ch == "\u0308":  # ü
            if out and out[-1] == "u":
                out[-1] = "v"
        elif ch == "\u0302":  # ê
            if out and out[-1] == "e":
                out[-1] = "ê"
        elif "a" <= ch <= "z":
            out.append(ch)
        else:
            return None
    return "".join(out) + tone if out else None


def export(wheel, dest):
    with zipfile.ZipFile(wheel) as z:
        chars = json.loads(z.read("pypinyin/pinyin_dict.json").decode("utf-8"))
        phrases = json.loads(z.read("pypinyin/phrases_dict.json").decode("utf-8"))
    lines = []
    for code in sorted(chars, key=int):
        readings = []
        for r in chars[code].split(","):
            n = numbered(r)
            if n and n not in readings:
                readings.append(n)
        if readings:
            lines.append(f"C\t{chr(int(code))}\t{','.join(readings)}\n")
    skipped = 0
    for phrase in sorted(phrases):
        syllables = [numbered(r[0]) if r else None for r in phrases[phrase]]
        if len(phrase) < 2 or len(syllables) != len(phrase) or None in syllables:
            skipped += 1  # one reading per character is what the front end needs
            continue
        lines.append(f"P\t{phrase}\t{' '.join(syllables)}\n")
    with open(dest, "w", encoding="utf-8", newline="\n") as out:
        out.writelines(lines)
    return len(chars), len(phrases) - skipped, skipped


if __name__ == "__main__":
    c, p, s = export(sys.argv[1], sys.argv[2])
    print(f"pypinyin_export: {c} characters, {p} phrases ({s} skipped)", file=sys.stderr)
