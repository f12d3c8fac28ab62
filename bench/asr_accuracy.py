#!/usr/bin/env python3
"""Word/character error rate of each installed recognizer on the recorded speech.

For each recognizer setup (pocketsphinx alone; pocketsphinx partials + Whisper finals; Whisper
alone for Mandarin) a server is started with that `voxgate.asr.recognizers`, every recording
of the language is streamed once like the stock client (85 ms packets, lock-step, as fast as
the replies come), and the `finished` text is scored against transcripts.tsv.

English is scored in words with numbers read as digits ("1,001" → 1 0 0 1, "oh" → 0), since
the reference spells digits out and Whisper writes numerals. Mandarin is scored in characters
(punctuation dropped, digits as Chinese numerals).

The recordings: ``$VOXGATE_TEST_AUDIO`` (default ``<repo>/../shared/data/asr/``), as for the tests.

    /usr/bin/python3 bench/asr_accuracy.py [--write]
"""
import argparse
import asyncio
import json
import re
import tempfile
import time
from pathlib import Path

import websockets

from common import (ASR_PATH, PACKET_S, Server, add_report_args, add_server_args, asr_config, audio_dir, command_line,
                    edit_distance, machine, read_wav, references, write_readme)

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


async def transcribe(url, path, lang):
    fmt, pcm = read_wav(path)
    fmt = {k: fmt[k] for k in ("sampleRate", "bitsPerSample", "channels")}  # the variant's start fields
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


def config(lang, row):
    return asr_config(lang, {"recognizers": {lang: row}})


def run_setup(binary, label, lang, row, data, refs):
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "asr-accuracy.yaml"
        conf.write_text(config(lang, row))
        server = Server(binary, conf, tmp, name="voxgate-asr-accuracy").start()  # from the repo: models/ resolves there
        try:
            for name, (file_lang, ref) in sorted(refs.items()):
                if file_lang != lang:
                    continue
                hyp, final_s, rtf = asyncio.run(transcribe(server.ws_url(ASR_PATH), data / name, lang))
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
    add_server_args(ap, host=False)
    add_report_args(ap, "asr-accuracy")
    args = ap.parse_args()
    data = audio_dir()
    refs = references(data, wav_only=True)
    rows = []
    for label, lang, row in SETUPS:
        rows += run_setup(args.bin, label, lang, row, data, refs)
    text = (f"Command: `{command_line('asr_accuracy.py')}` ({time.strftime('%Y-%m-%d')}, {machine()}). One stream "
            f"at a time, lock-step, sent as fast as replies come; English in words with numbers as digits, "
            f"Mandarin in characters.\n\n{table(rows)}")
    print(text)
    if args.write:
        write_readme(args.readme, "asr-accuracy", text, heading="ASR accuracy (`asr_accuracy.py`)")


if __name__ == "__main__":
    main()
