#!/usr/bin/python3
"""Load driver for voxgate's streaming ASR (WebSocket /paddlespeech/asr/streaming).

Starts its own server (``$VOXGATE_BIN serve --config_file <generated> --host H --port P``, TTS +
``asr_online`` with pocketsphinx en, archive on in a temporary directory) and drives it over
loopback with clients that behave like the PaddleSpeech ``asr_online`` client (spec §1.6, §1.9):
sorted, indented JSON control messages, 85 ms binary packets of 16 kHz s16 mono (last one
zero-padded), lock-step (one reply per packet). Prints markdown tables; ``--write`` puts them into
bench/README.md between the ``bench:asr`` markers. No assertions: it measures.

Audio: ``$VOXGATE_TEST_AUDIO`` (default ``<repo>/../shared/data/asr/``) read in place (never copied).
WER on en_digits.wav is scored here (word-level edit distance, "oh" read as "zero"); the Mandarin
files are not scored because the only recognizer (pocketsphinx en-us) does not serve Mandarin.
"""
import argparse
import asyncio
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import websockets

from common import (ASR_PATH, PACKET_S, Server, add_report_args, add_server_args, audio_dir, edit_distance,
                    int_list, log, pct, read_wav, references, require_binary, section, write_readme)

RATE = 16000
PACKET_BYTES = int(PACKET_S * RATE) * 2  # 1360 samples, s16 mono


# ---------------------------------------------------------------- scorer

def normalise(text):
    """Lower-case words without punctuation; "oh" is the digit zero like "zero"."""
    words = [w.strip(".,?!;:\"'()[]") for w in text.lower().split()]
    return ["zero" if w == "oh" else w for w in words if w]


def wer(hyp, ref):
    """Word error rate: (substitutions + deletions + insertions) / reference words."""
    r, h = normalise(ref), normalise(hyp)
    return edit_distance(h, r) / max(1, len(r))


def read_pcm16(path):
    """Data chunk of a 16-bit mono 16 kHz WAV."""
    fmt, data = read_wav(path)
    got = (fmt["format_tag"], fmt["channels"], fmt["sampleRate"], fmt["bitsPerSample"])
    if got != (1, 1, RATE, 16):
        sys.exit(f"{path}: expected 16 kHz s16 mono, got tag {got[0]}, {got[1]} ch, {got[2]} Hz, {got[3]} bit")
    return data


def packets(pcm):
    out = []
    for off in range(0, len(pcm), PACKET_BYTES):
        p = pcm[off:off + PACKET_BYTES]
        out.append(p + b"\x00" * (PACKET_BYTES - len(p)))
    return out


# ---------------------------------------------------------------- server process

def config_yaml(archive_dir, max_sessions):
    return "\n".join([
        "host: 127.0.0.1",
        "port: 8090",
        "protocol: http",
        "engine_list: ['tts_online', 'asr_online']",
        "tts_online: {engine: espeak}",
        "asr_online: {engine: pocketsphinx, lang: en, continuous_decoding: true}",
        "voxgate:",
        f"  limits: {{max_sessions: {max_sessions}, idle_timeout_s: 60}}",
        f"  asr: {{archive: true, archive_dir: {json.dumps(str(archive_dir))}, max_session_s: 600, "
        "max_frame_bytes: 65536}",
        "",
    ])


def start_server(binary, workdir, host, port, max_sessions):
    """A server with config_yaml() written into workdir; the archive goes to workdir/archive."""
    conf = Path(workdir) / "asr-bench.yaml"
    conf.write_text(config_yaml(Path(workdir) / "archive", max_sessions))
    return Server(binary, conf, workdir, host, port, name="voxgate-asr-bench", cwd=workdir).start()


# ---------------------------------------------------------------- client

class Stream:
    __slots__ = ("ok", "error", "reply", "final", "elapsed", "lag", "end_lag", "text", "duration")

    def __init__(self):
        self.ok, self.error = False, ""
        self.reply = []       # per packet: send -> reply (s)
        self.final = None     # end -> finished (s)
        self.elapsed = None   # connect -> finished (s), the stock client's RTF numerator
        self.lag = 0.0        # realtime: worst lateness of a packet behind its schedule (s)
        self.end_lag = 0.0    # realtime: lateness of the last packet (the backlog at the end) (s)
        self.text = ""
        self.duration = 0.0


def jdump(obj):
    return json.dumps(obj, sort_keys=True, indent=4)


async def one_stream(url, pkts, realtime, name):
    s = Stream()
    s.duration = len(pkts) * PACKET_S
    try:
        t0 = time.perf_counter()
        async with websockets.connect(url, ping_interval=None, max_size=2 ** 20, open_timeout=60,
                                      close_timeout=10) as ws:
            await ws.send(jdump({"name": name, "nbest": 1, "signal": "start"}))
            m = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if m.get("signal") != "server_ready":
                s.error = f"start answered {m}"
                return s
            t_start = time.perf_counter()
            for i, p in enumerate(pkts):
                if realtime:
                    due = t_start + i * PACKET_S
                    now = time.perf_counter()
                    if now < due:
                        await asyncio.sleep(due - now)
                    else:
                        s.lag = max(s.lag, now - due)
                    s.end_lag = max(0.0, now - due)
                ts = time.perf_counter()
                await ws.send(p)
                m = json.loads(await asyncio.wait_for(ws.recv(), 120))
                s.reply.append(time.perf_counter() - ts)
                if "result" not in m or "status" in m:
                    s.error = f"packet {i} answered {m}"
                    return s
            ts = time.perf_counter()
            await ws.send(jdump({"name": name, "nbest": 1, "signal": "end"}))
            m = json.loads(await asyncio.wait_for(ws.recv(), 120))
            s.final = time.perf_counter() - ts
            s.elapsed = time.perf_counter() - t0
            if m.get("signal") != "finished":
                s.error = f"end answered {m}"
                return s
            s.text = m.get("result", "")
            s.ok = True
    except Exception as e:  # a benchmark reports errors, it does not stop on them
        s.error = repr(e)[:160]
    return s


async def run_level(url, pkts, n, realtime, ref):
    t0 = time.perf_counter()
    streams = await asyncio.gather(*(one_stream(url, pkts, realtime, f"bench_{i}.wav") for i in range(n)))
    wall = time.perf_counter() - t0
    ok = [s for s in streams if s.ok]
    replies = [x for s in ok for x in s.reply]
    return {
        "mode": "real time" if realtime else "as fast as possible",
        "streams": n, "errors": n - len(ok),
        "error_examples": sorted(set(s.error for s in streams if not s.ok))[:2],
        "rtf_mean": statistics.fmean(s.elapsed / s.duration for s in ok) if ok else float("nan"),
        "rtf_max": max((s.elapsed / s.duration for s in ok), default=float("nan")),
        "partial_p50": pct(replies, 0.5) * 1000, "partial_p95": pct(replies, 0.95) * 1000,
        "final_p50": pct([s.final for s in ok], 0.5) * 1000,
        "final_p95": pct([s.final for s in ok], 0.95) * 1000,
        "final_max": max((s.final for s in ok), default=float("nan")) * 1000,
        "lag_max": max((s.lag for s in ok), default=float("nan")) * 1000,
        "end_lag_max": max((s.end_lag for s in ok), default=float("nan")) * 1000,
        "wer_mean": statistics.fmean(wer(s.text, ref) for s in ok) if ok else float("nan"),
        "texts": sorted(set(s.text for s in ok)),
        "wall": wall,
    }


def holds_realtime(r, max_final_s, max_lag_s):
    """No failures, every final within max_final_s, and no stream ends more than max_lag_s behind."""
    return r["errors"] == 0 and r["final_max"] <= max_final_s * 1000 and r["end_lag_max"] <= max_lag_s * 1000


# ---------------------------------------------------------------- report

def level_table(rows):
    out = ["| mode | streams | errors | RTF mean | RTF max | partial p50 (ms) | partial p95 (ms) "
           "| final p50 (ms) | final p95 (ms) | worst send lag (ms) | WER mean |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lag = f"{r['lag_max']:.0f}" if r["mode"] == "real time" else "–"
        out.append(f"| {r['mode']} | {r['streams']} | {r['errors']} | {r['rtf_mean']:.3f} | {r['rtf_max']:.3f} "
                   f"| {r['partial_p50']:.1f} | {r['partial_p95']:.1f} | {r['final_p50']:.1f} "
                   f"| {r['final_p95']:.1f} | {lag} | {r['wer_mean']:.1%} |")
    return "\n".join(out)


def capacity_table(steps):
    out = ["| real-time streams | errors | final max (ms) | last packet behind schedule, max (ms) "
           "| worst send lag (ms) | partial p95 (ms) | held |",
           "|---:|---:|---:|---:|---:|---:|---|"]
    for r, ok in steps:
        out.append(f"| {r['streams']} | {r['errors']} | {r['final_max']:.0f} | {r['end_lag_max']:.0f} "
                   f"| {r['lag_max']:.0f} | {r['partial_p95']:.1f} | {'yes' if ok else 'no'} |")
    return "\n".join(out)


# ---------------------------------------------------------------- main

async def main_async(args):
    binary = require_binary(args.bin)
    data = audio_dir()
    ref = references(data)["en_digits.wav"][1]
    pcm = read_pcm16(data / "en_digits.wav")
    pkts = packets(pcm)
    rows, steps, capacity = [], [], 0
    with tempfile.TemporaryDirectory(prefix="voxgate-asr-bench-") as tmp:
        srv = start_server(binary, tmp, args.host, args.port, max_sessions=max(64, args.cap * 2))
        url = srv.ws_url(ASR_PATH)
        try:
            await run_level(url, pkts[:24], 2, False, ref)  # warm-up: both pooled decoders
            srv.check_alive()
            for realtime, levels in ((True, args.realtime_levels), (False, args.fast_levels)):
                for n in levels:
                    r = await run_level(url, pkts, n, realtime, ref)
                    srv.check_alive()
                    rows.append(r)
                    log(f"{r['mode']:20s} streams={n:3d} done in {r['wall']:.1f}s, errors={r['errors']}"
                        + (f" e.g. {r['error_examples']}" if r["errors"] else ""))
            n = 1
            while n <= args.cap:
                r = next((x for x in rows if x["mode"] == "real time" and x["streams"] == n), None)
                if r is None:
                    r = await run_level(url, pkts, n, True, ref)
                    srv.check_alive()
                held = holds_realtime(r, args.max_final_s, args.max_lag_s)
                steps.append((r, held))
                log(f"capacity: {n:2d} real-time streams: final max {r['final_max']:.0f} ms, "
                    f"end lag {r['end_lag_max']:.0f} ms, errors {r['errors']} -> {'held' if held else 'lags'}")
                if not held:
                    break
                capacity = n
                n += 1
        finally:
            srv.stop()
    return rows, steps, capacity, ref, len(pcm) / 2 / RATE


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_args(ap)
    ap.add_argument("--realtime-levels", default="1,4", help="concurrent streams paced at real time")
    ap.add_argument("--fast-levels", default="1,4,16", help="concurrent streams sent as fast as lock-step allows")
    ap.add_argument("--cap", type=int, default=16, help="largest real-time stream count tried for capacity")
    ap.add_argument("--max-final-s", type=float, default=1.0, help="capacity: worst final latency allowed")
    ap.add_argument("--max-lag-s", type=float, default=0.5,
                    help="capacity: how far behind its real-time schedule a stream's last packet may go out")
    add_report_args(ap, "asr")
    args = ap.parse_args()
    args.realtime_levels = int_list(args.realtime_levels)
    args.fast_levels = int_list(args.fast_levels)

    t0 = time.perf_counter()
    load0 = os.getloadavg()[0]
    rows, steps, capacity, ref, dur = asyncio.run(main_async(args))
    total = time.perf_counter() - t0
    single = next((r for r in rows if r["streams"] == 1 and r["mode"] != "real time"), rows[0] if rows else None)
    lines = [
        level_table(rows),
        "",
        f"Audio: `en_digits.wav`, {dur:.2f} s, {math.ceil(dur / PACKET_S)} packets of 85 ms per stream.",
        "",
        "| file | language | metric | value |",
        "|---|---|---|---|",
        f"| en_digits.wav | en | WER (1 stream, as fast as possible) | {single['wer_mean']:.1%} |" if single else "",
        "| zh_aishell_BAC009S0764W0122.wav | zh | CER | not served (en-only recognizer) |",
        "| zh_24k_prompt.wav | zh | CER | not served (en-only recognizer) |",
        "",
        (f"Transcript (1 stream): `{single['texts'][0] if single and single['texts'] else ''}`; "
         f"reference: `{ref}`."),
        "",
        (f"**Real-time capacity: {capacity} concurrent stream(s)** held (tried 1, 2, … up to {args.cap}; "
         f"a count is held when no stream fails, every final arrives within {args.max_final_s:g} s of "
         f"`end` and no stream's last packet goes out more than {args.max_lag_s * 1000:.0f} ms behind its "
         "real-time schedule, i.e. late replies did not pile up into a backlog):"),
        "",
        capacity_table(steps),
        "",
        f"Total run time {total:.0f} s. Load average (1 min) when the run started: {load0:.2f} "
        "(other work on the machine competes for the same 2 CPUs).",
    ]
    tab = "\n".join(lines)
    print(tab)
    if args.write:
        write_readme(args.readme, "asr", section(
            "asr_bench.py", "loopback, pocketsphinx en-us (Debian), archive on.",
            "the load generator runs on the same machine and competes with the server for the CPUs.", tab))


if __name__ == "__main__":
    main()
