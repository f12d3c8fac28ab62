#!/usr/bin/python3
"""Load driver for voxgate's streaming ASR (WebSocket /paddlespeech/asr/streaming).

Starts its own server (``$VOXGATE_BIN serve --config_file <generated> --host H --port P``, TTS +
``asr_online`` with pocketsphinx en, archive on in a temporary directory) and drives it over
loopback with clients that behave like the PaddleSpeech ``asr_online`` client (spec §1.6, §1.9):
sorted, indented JSON control messages, 85 ms binary packets of 16 kHz s16 mono (last one
zero-padded), lock-step (one reply per packet). Prints markdown tables; ``--write`` puts them into
bench/README.md between the ``bench:asr`` markers. No assertions: it measures.

Audio: ``<repo>/../shared/data/asr/`` read in place (never copied). WER on en_digits.wav is scored
here (word-level edit distance, "oh" read as "zero"); the Mandarin files are not scored because
the only recognizer (pocketsphinx en-us) does not serve Mandarin.
"""
import argparse
import asyncio
import datetime as dt
import json
import math
import os
import shlex
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import websockets

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "asr"
BEGIN, END = "<!-- bench:asr:begin -->", "<!-- bench:asr:end -->"
PACKET_S = 0.085
RATE = 16000
PACKET_BYTES = int(PACKET_S * RATE) * 2  # 1360 samples, s16 mono


# ---------------------------------------------------------------- scorer

def normalise(text):
    """Lower-case words without punctuation; "oh" is the digit zero like "zero"."""
    words = [w.strip(".,?!;:\"'()[]") for w in text.lower().split()]
    return ["zero" if w == "oh" else w for w in words if w]


def edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def wer(hyp, ref):
    """Word error rate: (substitutions + deletions + insertions) / reference words."""
    r, h = normalise(ref), normalise(hyp)
    return edit_distance(h, r) / max(1, len(r))


def references():
    out = {}
    lines = (DATA / "transcripts.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        cols = line.split("\t")
        if len(cols) >= 5:
            out[cols[0]] = (cols[1], cols[4])
    return out


def read_pcm16(path):
    """Data chunk of a 16-bit mono 16 kHz WAV."""
    data = Path(path).read_bytes()
    pos = 12
    fmt = None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", data[pos + 8:pos + 24])
        elif cid == b"data":
            tag, ch, rate, _, _, bits = fmt
            if (tag, ch, rate, bits) != (1, 1, RATE, 16):
                sys.exit(f"{path}: expected 16 kHz s16 mono, got tag {tag}, {ch} ch, {rate} Hz, {bits} bit")
            return data[pos + 8:pos + 8 + size]
        pos += 8 + size + (size & 1)
    sys.exit(f"{path}: no data chunk")


def packets(pcm):
    out = []
    for off in range(0, len(pcm), PACKET_BYTES):
        p = pcm[off:off + PACKET_BYTES]
        out.append(p + b"\x00" * (PACKET_BYTES - len(p)))
    return out


# ---------------------------------------------------------------- server process

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


class Server:
    def __init__(self, binary, workdir, host, port, max_sessions):
        self.host, self.port = host, port or free_port()
        self.conf = Path(workdir) / "asr-bench.yaml"
        self.conf.write_text(config_yaml(Path(workdir) / "archive", max_sessions))
        self.cmd = [str(binary), "serve", "--config_file", str(self.conf), "--host", self.host,
                    "--port", str(self.port)]
        self.log_path = Path(workdir) / "voxgate-asr-bench.log"
        self.proc = None

    @property
    def ws_url(self):
        return f"ws://{self.host}:{self.port}/paddlespeech/asr/streaming"

    def start(self, timeout=20.0):
        import urllib.request
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=str(self.conf.parent))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"server exited with {self.proc.returncode}:\n"
                         + self.log_path.read_text(errors="replace")[-3000:])
            try:
                with urllib.request.urlopen(f"http://{self.host}:{self.port}/api/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        sys.exit(f"server not healthy within {timeout}s; see {self.log_path}")

    def check_alive(self):
        """A measurement taken while the server died is meaningless: stop without writing."""
        if self.proc.poll() is not None:
            self.log.close()
            sys.exit(f"the server exited ({self.proc.returncode}) during the run; nothing written. Log:\n"
                     + self.log_path.read_text(errors="replace")[-2000:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


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


def pct(values, q):
    if not values:
        return float("nan")
    v = sorted(values)
    k = (len(v) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


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

def machine():
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"nproc {len(os.sched_getaffinity(0))}, {model}"


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


def write_readme(path, section):
    """Replace only the bench:asr section (appended at the end if the markers are missing)."""
    path = Path(path)
    text = path.read_text() if path.exists() else "# voxgate benchmarks\n"
    if BEGIN not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    pre, rest = text.split(BEGIN, 1)
    _, post = rest.split(END, 1)
    path.write_text(f"{pre}{BEGIN}\n{section}\n{END}{post}")


# ---------------------------------------------------------------- main

async def main_async(args):
    binary = Path(args.bin)
    if not binary.is_file():
        sys.exit(f"no server binary at {binary} (set VOXGATE_BIN or --bin)")
    refs = references()
    ref = refs["en_digits.wav"][1]
    pcm = read_pcm16(DATA / "en_digits.wav")
    pkts = packets(pcm)
    rows, steps, capacity = [], [], 0
    with tempfile.TemporaryDirectory(prefix="voxgate-asr-bench-") as tmp:
        srv = Server(binary, tmp, args.host, args.port, max_sessions=max(64, args.cap * 2))
        srv.start()
        try:
            await run_level(srv.ws_url, pkts[:24], 2, False, ref)  # warm-up: both pooled decoders
            srv.check_alive()
            for realtime, levels in ((True, args.realtime_levels), (False, args.fast_levels)):
                for n in levels:
                    r = await run_level(srv.ws_url, pkts, n, realtime, ref)
                    srv.check_alive()
                    rows.append(r)
                    print(f"{r['mode']:20s} streams={n:3d} done in {r['wall']:.1f}s, errors={r['errors']}"
                          + (f" e.g. {r['error_examples']}" if r["errors"] else ""), file=sys.stderr)
            n = 1
            while n <= args.cap:
                r = next((x for x in rows if x["mode"] == "real time" and x["streams"] == n), None)
                if r is None:
                    r = await run_level(srv.ws_url, pkts, n, True, ref)
                    srv.check_alive()
                held = holds_realtime(r, args.max_final_s, args.max_lag_s)
                steps.append((r, held))
                print(f"capacity: {n:2d} real-time streams: final max {r['final_max']:.0f} ms, "
                      f"end lag {r['end_lag_max']:.0f} ms, errors {r['errors']} -> {'held' if held else 'lags'}",
                      file=sys.stderr)
                if not held:
                    break
                capacity = n
                n += 1
        finally:
            srv.stop()
    return rows, steps, capacity, ref, len(pcm) / 2 / RATE


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.environ.get("VOXGATE_BIN", str(REPO / "build" / "voxgate")))
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 = a free port")
    ap.add_argument("--realtime-levels", default="1,4", help="concurrent streams paced at real time")
    ap.add_argument("--fast-levels", default="1,4,16", help="concurrent streams sent as fast as lock-step allows")
    ap.add_argument("--cap", type=int, default=16, help="largest real-time stream count tried for capacity")
    ap.add_argument("--max-final-s", type=float, default=1.0, help="capacity: worst final latency allowed")
    ap.add_argument("--max-lag-s", type=float, default=0.5,
                    help="capacity: how far behind its real-time schedule a stream's last packet may go out")
    ap.add_argument("--write", action="store_true", help="update the bench:asr section of bench/README.md")
    ap.add_argument("--readme", default=str(REPO / "bench" / "README.md"))
    args = ap.parse_args()
    args.realtime_levels = [int(x) for x in args.realtime_levels.split(",") if x.strip()]
    args.fast_levels = [int(x) for x in args.fast_levels.split(",") if x.strip()]

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
        cmd = "/usr/bin/python3 bench/asr_bench.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        section = "\n".join([
            f"Measured {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} on {machine()}, "
            "loopback, pocketsphinx en-us (Debian), archive on.",
            f"Command: `{cmd.strip()}`; the load generator runs on the same machine and competes "
            "with the server for the CPUs.",
            "",
            tab,
        ])
        write_readme(args.readme, section)
        print(f"updated {args.readme}", file=sys.stderr)


if __name__ == "__main__":
    main()
