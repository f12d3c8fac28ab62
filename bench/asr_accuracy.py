#!/usr/bin/env python3
"""Word/character error rate of each installed recognizer on ../shared/data/asr/.

For each recognizer setup (pocketsphinx alone; pocketsphinx partials + Whisper finals; Whisper
alone for Mandarin) a server is started with that `voxgate.asr.recognizers`, every recording
of the language is streamed once like the stock client (85 ms packets, lock-step, as fast as
the replies come), and the `finished` text is scored against transcripts.tsv.

English is scored in words with numbers read as digits ("1,001" → 1 0 0 1, "oh" → 0), since
the reference spells digits out and Whisper writes numerals. Mandarin is scored in characters
(punctuation dropped, digits as Chinese numerals).

    /usr/bin/python3 bench/asr_accuracy.py [--write]
"""
import argparse
import asyncio
import json
import re
import struct
import tempfile
import time
from pathlib import Path

import websockets

from asr_bench import DATA, REPO, Server, edit_distance, machine, references

BEGIN, END = "<!-- bench:asr-accuracy:begin -->", "<!-- bench:asr-accuracy:end -->"
PACKET_S = 0.085
DIGITS = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
          "six": "6", "seven": "7", "eight": "8", "nine": "9"}
CN_DIGITS = dict(zip("0123456789", "零一二三四五六七八九"))

SETUPS = [  # (label, language, recognizers row)
    ("pocketsphinx", "en", {"streaming": "pocketsphinx"}),
    ("pocketsphinx + Whisper base (final)", "en", {"streaming": "pocketsphinx", "final": "whisper"}),
    ("Whisper base", "zh", {"final": "whisper"}),
]


def words_en(text):
    out = []
    for token in re.findall(r"[a-z']+|\d+", text.lower().replace(",", "")):
        out.extend(list(token) if token.isdigit() else [DIGITS.get(token, token)])
    return out


def chars_zh(text):
    return [CN_DIGITS.get(c, c) for c in text if c.isalnum()]


def wav_audio(path):
    """(format fields for `start`, raw sample bytes) of a PCM or float WAV."""
    data = Path(path).read_bytes()
    pos, fmt = 12, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if cid == b"fmt ":
            _, channels, rate, _, _, bits = struct.unpack("<HHIIHH", data[pos + 8:pos + 24])
            fmt = {"sampleRate": rate, "bitsPerSample": bits, "channels": channels}
        elif cid == b"data":
            return fmt, data[pos + 8:pos + 8 + size]
        pos += 8 + size + (size & 1)
    raise SystemExit(f"{path}: no data chunk")


async def transcribe(url, path, lang):
    fmt, pcm = wav_audio(path)
    step = int(PACKET_S * fmt["sampleRate"]) * fmt["bitsPerSample"] // 8 * fmt["channels"]
    start = {"name": path.name, "nbest": 1, "signal": "start", "lang": lang, **fmt}
    async with websockets.connect(url, max_size=2 ** 22, ping_interval=None) as ws:
        t0 = time.perf_counter()
        await ws.send(json.dumps(start, sort_keys=True, indent=4))
        await ws.recv()
        for off in range(0, len(pcm), step):
            await ws.send(pcm[off:off + step].ljust(step, b"\0"))
            await ws.recv()
        t_end = time.perf_counter()
        await ws.send(json.dumps({"name": path.name, "nbest": 1, "signal": "end"}, sort_keys=True, indent=4))
        final = json.loads(await ws.recv())
        done = time.perf_counter()
    duration = len(pcm) / (fmt["bitsPerSample"] // 8 * fmt["channels"]) / fmt["sampleRate"]
    return final.get("result", ""), done - t_end, (done - t0) / duration


def config(workdir, lang, row):
    return "\n".join([
        "host: 127.0.0.1", "port: 8090", "protocol: http",
        "engine_list: ['tts_online', 'asr_online']",
        "tts_online: {engine: espeak}",
        f"asr_online: {{engine: pocketsphinx, lang: {lang}, continuous_decoding: true}}",
        "voxgate:",
        f"  asr: {{archive: false, recognizers: {{{lang}: {json.dumps(row)}}}}}",
        "",
    ])


def run_setup(binary, label, lang, row, refs):
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(binary, tmp, "127.0.0.1", 0, 8)
        server.conf.write_text(config(tmp, lang, row))
        server.start(timeout=60)
        try:
            for name, (file_lang, ref) in sorted(refs.items()):
                if file_lang != lang:
                    continue
                hyp, final_s, rtf = asyncio.run(transcribe(server.ws_url, DATA / name, lang))
                server.check_alive()
                units = words_en if lang == "en" else chars_zh
                r, h = units(ref), units(hyp)
                rows.append((label, name, edit_distance(h, r), len(r), hyp, final_s, rtf))
        finally:
            server.stop()
    return rows


def table(rows):
    out = ["| recognizer | file | errors / reference | error rate | final after `end` (ms) | RTF | final text |",
           "|---|---|---:|---:|---:|---:|---|"]
    for label, name, errors, total, hyp, final_s, rtf in rows:
        kind = "WER" if name.startswith("en") else "CER"
        out.append(f"| {label} | {name} | {errors} / {total} | {kind} {errors / total:.0%} | {final_s * 1000:.0f} "
                   f"| {rtf:.2f} | {hyp} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=str(REPO / "build" / "voxgate"))
    ap.add_argument("--write", action="store_true", help="update the bench:asr-accuracy section of bench/README.md")
    args = ap.parse_args()
    refs = references()
    rows = []
    for label, lang, row in SETUPS:
        rows += run_setup(args.bin, label, lang, row, refs)
    section = (f"Command: `/usr/bin/python3 bench/asr_accuracy.py --write` ({time.strftime('%Y-%m-%d')}, "
               f"{machine()}). One stream at a time, lock-step, sent as fast as replies come; English in words "
               f"with numbers as digits, Mandarin in characters.\n\n{table(rows)}")
    print(section)
    if args.write:
        path = REPO / "bench" / "README.md"
        text = path.read_text()
        if BEGIN not in text:
            text = text.rstrip("\n") + f"\n\n## ASR accuracy (`asr_accuracy.py`)\n\n{BEGIN}\n{END}\n"
        pre, rest = text.split(BEGIN, 1)
        path.write_text(f"{pre}{BEGIN}\n{section}\n{END}{rest.split(END, 1)[1]}")


if __name__ == "__main__":
    main()
