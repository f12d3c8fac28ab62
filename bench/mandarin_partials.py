#!/usr/bin/env python3
"""Mandarin partials (issue 13 §7): Whisper re-runs on the growing utterance, at 1 and 4 streams.

Mandarin has no streaming recognizer here, so its partials come from Whisper re-run every
`partial_interval_ms` (1000) of new audio, and only when a Whisper slot is free: a final waiting for
a slot is served first (core/fifo_gate.h), so partials can only be late, never make a final late.
Each stream sends a recording of ../shared/data/asr/ in real time (85 ms packets, lock-step, as the
stock client does) and this measures, per stream:

- first partial: from the first packet sent to the first reply with text;
- update gap: the longest time between two different partial texts while audio was still sent;
- final after `end`, and the same final with partials off (the seed-002 `segments` form asks for
  none), to show what partials cost the final.

    /usr/bin/python3 bench/mandarin_partials.py [--write]
"""
import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

import websockets

from common import (ASR_PATH, PACKET_S, Server, add_report_args, add_server_args, asr_config, audio_dir, publish,
                    read_wav, references)


def config(reply_form):
    return asr_config("zh", {"reply_form": reply_form, "recognizers": {"zh": {"final": "whisper"}}})


async def stream(url, path):
    fmt, pcm = read_wav(path)
    fmt = {k: fmt[k] for k in ("sampleRate", "bitsPerSample", "channels")}
    step = int(PACKET_S * fmt["sampleRate"]) * fmt["bitsPerSample"] // 8 * fmt["channels"]
    out = {"first": None, "gap": 0.0}
    async with websockets.connect(url, max_size=2 ** 22, ping_interval=None) as ws:
        await ws.send(json.dumps({"name": path.name, "signal": "start", "nbest": 1, "lang": "zh", **fmt}))
        await ws.recv()
        t0 = time.perf_counter()
        last_text, last_change = "", t0
        for i, off in enumerate(range(0, len(pcm), step)):
            due = t0 + i * PACKET_S
            if due > time.perf_counter():
                await asyncio.sleep(due - time.perf_counter())
            await ws.send(pcm[off:off + step].ljust(step, b"\0"))
            reply = json.loads(await ws.recv())
            text = reply.get("result") if isinstance(reply.get("result"), str) else ""
            now = time.perf_counter()
            if text and out["first"] is None:
                out["first"] = now - t0
            if text != last_text:
                if last_text:
                    out["gap"] = max(out["gap"], now - last_change)
                last_text, last_change = text, now
        t_end = time.perf_counter()
        await ws.send(json.dumps({"name": path.name, "signal": "end", "nbest": 1}))
        await ws.recv()
        out["final"] = time.perf_counter() - t_end
    return out


async def level(url, files, n):
    return await asyncio.gather(*(stream(url, files[i % len(files)]) for i in range(n)))


def run(binary, reply_form, files, counts):
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "mandarin-partials.yaml"
        conf.write_text(config(reply_form))
        server = Server(binary, conf, tmp, name="voxgate-mandarin-partials").start()
        try:
            return {n: asyncio.run(level(server.ws_url(ASR_PATH), files, n)) for n in counts}
        finally:
            server.stop()


def ms(x):
    return "–" if x is None else f"{x * 1000:.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_args(ap, host=False)
    add_report_args(ap, "mandarin-partials")
    args = ap.parse_args()
    data = audio_dir()
    files = [data / name for name, (lang, _) in sorted(references(data, wav_only=True).items()) if lang == "zh"]
    counts = [1, 4]
    with_partials = run(args.bin, "paddlespeech", files, counts)
    without = run(args.bin, "segments", files, counts)
    lines = ["| streams | first partial p50 / max (ms) | longest gap between partial updates, max (ms) | "
             "final after `end` p50 / max (ms) | the same final without partials p50 / max (ms) |",
             "|---:|---:|---:|---:|---:|"]
    for n in counts:
        a, b = with_partials[n], without[n]
        firsts = [s["first"] for s in a if s["first"] is not None]
        finals, bare = [s["final"] for s in a], [s["final"] for s in b]
        lines.append(f"| {n} | {ms(statistics.median(firsts) if firsts else None)} / {ms(max(firsts) if firsts else None)} "
                     f"| {ms(max(s['gap'] for s in a))} | {ms(statistics.median(finals))} / {ms(max(finals))} "
                     f"| {ms(statistics.median(bare))} / {ms(max(bare))} |")
    publish(args, "mandarin_partials.py", "mandarin-partials", "Mandarin partials (`mandarin_partials.py`)",
            "loopback, one server per reply form.",
            f"the {len(files)} Mandarin recordings in turn, each stream paced in real time; Whisper base, "
            f"`partial_interval_ms` 1000, `concurrency` 1.", "\n".join(lines))


if __name__ == "__main__":
    main()
