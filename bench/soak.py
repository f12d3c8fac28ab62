#!/usr/bin/python3
"""Soak: many mixed clients for a long time, with the server's memory, descriptors and CPU sampled.

Starts its own server (``$VOXGATE_BIN serve``) with a generated config (eSpeak NG TTS, pocketsphinx
streaming and offline ASR) on a free loopback port, then runs for ``--duration`` seconds (default
1800) 32 clients that each loop over one kind of work, with a short random pause between requests:

- ``http``: PaddleSpeech streaming TTS over a pooled keep-alive aiohttp session; every HTTP chunk
  must decode as one base64 string of whole samples;
- ``ws_tts``: the PaddleSpeech TTS WebSocket: start, three texts, end, the close 1000;
- ``interrupt``: ``/api/tts/stream`` of a long text, a few kilobytes read, ``/api/tts/interrupt``;
  the stream must end cleanly (its terminating chunk) within the timeout;
- ``asr``: the PaddleSpeech streaming ASR WebSocket with a recording sent at real time (85 ms
  packets, as the stock client), every frame answered, the final result, the close 1000;
- ``volc``: Volcengine binary WebSocket, one connection, submit frames one after another, audio
  frames up to the negative sequence number;
- ``alibaba``: the Alibaba custom-TTS POST over pooled keep-alive, raw PCM of whole samples;
- ``rest``: the offline REST APIs: TTS fifteen times, then ASR of the recording (about 2.4 s of CPU);
- ``scrape``: ``/metrics`` and ``/api/stats`` on keep-alive, as a monitoring system would.

An error is a non-2xx answer, an unexpected close code, broken framing (a chunk that does not
decode, a missing end frame, an error frame) or no answer within ``--timeout`` (30 s). The
server's resident memory, open descriptors and CPU time are read from /proc every ``--sample``
seconds. Prints a report; ``--write`` puts it into bench/README.md between the ``bench:soak``
markers. No assertions: it measures.
"""
import argparse
import asyncio
import base64
import binascii
import gzip
import json
import os
import random
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import websockets

from common import (ASR_PATH, PACKET_S, Server, add_report_args, add_server_args, audio_dir, log, pct, read_wav,
                    require_binary, section, write_readme)

TEXTS = ["您好，欢迎使用语音合成服务。今天天气很好。", "请稍等片刻，我们马上为您查询。", "Hello, this is a streaming speech test.",
         "订单号是一二三四五六，金额是九十九元。"]
LONG_TEXT = "".join(f"这是第{i}句很长的测试文本，用来测试打断。" for i in range(300))
# Sized to 2 cores, from each kind run alone (`--mix`, 40 s): one real-time pocketsphinx stream
# costs about 0.5 core (two: 1.02 cores; asr_bench.py's real-time capacity is 4 streams with
# nothing else running), an offline ASR of the 8.3 s recording about 2.4 CPU s, and the TTS,
# Volcengine, Alibaba and scrape clients together 0.31 core with 0.5-2 s pauses. So one ASR
# stream and ASR in one REST request of 16: about 1.1 server cores, leaving the load generator
# (0.1 core) and the kernel room.
MIX = {"http": 10, "ws_tts": 5, "interrupt": 4, "asr": 1, "volc": 4, "alibaba": 4, "rest": 2, "scrape": 2}

CONFIG = """\
host: 127.0.0.1
port: 8092
protocol: http
engine_list: [tts_online, asr_online]
tts_online: {engine: espeak, lang: zh, sample_rate: 24000}
asr_online: {engine: pocketsphinx, lang: en, continuous_decoding: true}
voxgate:
  limits: {max_text_chars: 20000, max_sessions: 512, idle_timeout_s: 60}
  # Two decoders built at start-up and kept: one for the stream, one for a REST request that
  # overlaps it. A third still comes (and goes after idle_s) when the stream's next session
  # opens before the last one's decoder is back; each is tens of MB, so the report compares
  # memory at equal decoder counts.
  asr: {archive: false, pocketsphinx: {pool: {initial: 2}}}
  voices:
    - {spk_id: 0, name: default, variant: '', aliases: [BV001_streaming, zh_female_1]}
  session_api: {tokens: []}
  alibaba: {path: /stream-audio, tokens: [], content_type: audio/pcm}
  volcengine: {tokens: [], unknown_voice: fallback, max_text_bytes: 1024}
"""


class Stats:
    def __init__(self):
        self.done = {k: 0 for k in MIX}
        self.first = {k: [] for k in MIX}  # seconds to the first audio (or the first ASR reply)
        self.errors = {k: 0 for k in MIX}
        self.samples = []  # (t, rss MiB, fds, cpu s, pocketsphinx decoders)
        self.error_log = []
        self.t0 = time.monotonic()

    def error(self, kind, what):
        self.errors[kind] += 1
        if len(self.error_log) < 30:
            self.error_log.append(f"{time.monotonic() - self.t0:7.1f} s {kind}: {what}")


class Failure(Exception):
    pass


def whole_samples(pcm, what):
    if not pcm or len(pcm) % 2:
        raise Failure(f"{what}: {len(pcm)} bytes of audio")


# ---------------------------------------------------------------- the clients

async def http_stream(session, base, rng):
    t0 = time.perf_counter()
    first, pcm = None, bytearray()
    async with session.post(base + "/paddlespeech/tts/streaming", data=json.dumps({"text": rng.choice(TEXTS)})) as r:
        if r.status != 200:
            raise Failure(f"HTTP {r.status}")
        piece = bytearray()
        async for data, end_of_chunk in r.content.iter_chunks():
            piece += data
            if end_of_chunk:
                try:
                    pcm += base64.b64decode(bytes(piece), validate=True)
                except binascii.Error:
                    raise Failure(f"a chunk of {len(piece)} bytes is not base64")
                piece.clear()
                first = first or time.perf_counter() - t0
    whole_samples(pcm, "stream")
    return first


async def ws_tts(base, rng):
    firsts = []
    async with websockets.connect(base.replace("http", "ws") + "/paddlespeech/tts/streaming", ping_interval=None,
                                  max_size=None) as ws:
        await ws.send(json.dumps({"task": "tts", "signal": "start"}))
        sid = json.loads(await ws.recv())["session"]
        for _ in range(3):
            t0 = time.perf_counter()
            await ws.send(json.dumps({"text": rng.choice(TEXTS), "spk_id": 0}))
            pcm = bytearray()
            while True:
                m = json.loads(await ws.recv())
                if m.get("status") == 2:
                    break
                if m.get("status") != 1:
                    raise Failure(f"unexpected message {str(m)[:80]}")
                if not pcm:
                    firsts.append(time.perf_counter() - t0)
                pcm += base64.b64decode(m["audio"], validate=True)
            whole_samples(pcm, "ws generation")
        await ws.send(json.dumps({"task": "tts", "signal": "end", "session": sid}))
        await ws.recv()
        await ws.wait_closed()
        if ws.close_code != 1000:
            raise Failure(f"close {ws.close_code}")
    return firsts[0]


async def interrupt(session, base, timeout):
    sid = "soak-" + uuid.uuid4().hex[:12]
    t0 = time.perf_counter()
    async with session.post(base + "/api/tts/stream", json={"text": LONG_TEXT, "session_id": sid, "format": "pcm"}) as r:
        if r.status != 200:
            raise Failure(f"stream HTTP {r.status}")
        got = await r.content.readany()
        first = time.perf_counter() - t0
        while len(got) < 4096:
            more = await r.content.readany()
            if not more:
                raise Failure("the long stream ended before the interrupt")
            got += more
        async with session.post(base + "/api/tts/interrupt", json={"session_id": sid}) as i:
            if i.status != 200:
                raise Failure(f"interrupt HTTP {i.status}")
            await i.read()
        await asyncio.wait_for(r.read(), timeout)  # aiohttp raises on a body without its terminating chunk
    return first


async def asr(base, pkts, timeout):
    start = json.dumps({"name": "soak.wav", "nbest": 1, "signal": "start"})
    async with websockets.connect(base.replace("http", "ws") + ASR_PATH, ping_interval=None) as ws:
        await ws.send(start)
        ready = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if ready.get("signal") != "server_ready":
            raise Failure(f"start answered {ready}")
        t_start, first = time.perf_counter(), None
        for i, p in enumerate(pkts):
            delay = t_start + i * PACKET_S - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            ts = time.perf_counter()
            await ws.send(p)
            m = json.loads(await asyncio.wait_for(ws.recv(), timeout))
            if "result" not in m:
                raise Failure(f"frame {i} answered {str(m)[:80]}")
            first = first or time.perf_counter() - ts
        await ws.send(json.dumps({"name": "soak.wav", "nbest": 1, "signal": "end"}))
        final = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if not isinstance(final.get("result"), str):
            raise Failure(f"final {str(final)[:80]}")
        await asyncio.wait_for(ws.wait_closed(), timeout)
        if ws.close_code != 1000:
            raise Failure(f"close {ws.close_code}")
    return first


def volc_frame(text):
    req = {"app": {"appid": "soak", "token": "any", "cluster": "volcano_tts"}, "user": {"uid": "soak"},
           "audio": {"voice_type": "BV001_streaming", "encoding": "pcm"},
           "request": {"reqid": str(uuid.uuid4()), "text": text, "text_type": "plain", "operation": "submit"}}
    payload = gzip.compress(json.dumps(req).encode())
    return bytes([0x11, 0x10, 0x11, 0x00]) + len(payload).to_bytes(4, "big") + payload


async def volc(ws, rng, timeout):
    t0, first = time.perf_counter(), None
    await ws.send(volc_frame(rng.choice(TEXTS)))
    pcm = bytearray()
    while True:
        msg = await asyncio.wait_for(ws.recv(), timeout)
        mtype, flags, hs = msg[1] >> 4, msg[1] & 0x0F, (msg[0] & 0x0F) * 4
        if mtype == 0xF:
            raise Failure(f"error frame {int.from_bytes(msg[hs:hs + 4], 'big')}")
        if mtype != 0xB:
            raise Failure(f"message type {mtype:#x}")
        if flags == 0:
            continue  # the ACK
        pcm += msg[hs + 8:]
        first = first or time.perf_counter() - t0
        if int.from_bytes(msg[hs:hs + 4], "big", signed=True) < 0:
            break
    whole_samples(pcm, "volcengine")
    return first


async def alibaba(session, base, rng):
    t0, first, pcm = time.perf_counter(), None, bytearray()
    body = {"Text": rng.choice(TEXTS), "VoiceId": "zh_female_1", "SampleRate": 16000, "ExtendData": "{}"}
    async with session.post(base + "/stream-audio", json=body) as r:
        if r.status != 200:
            raise Failure(f"HTTP {r.status}")
        async for data in r.content.iter_any():
            pcm += data
            first = first or time.perf_counter() - t0
    whole_samples(pcm, "alibaba")
    return first


async def rest(session, base, n, wav_b64):
    t0 = time.perf_counter()
    if n % 16 != 15:
        async with session.post(base + "/paddlespeech/tts", json={"text": TEXTS[n % len(TEXTS)], "spk_id": 0}) as r:
            answer = await r.json(content_type=None)
            if r.status != 200 or not answer.get("success") or not answer["result"].get("audio"):
                raise Failure(f"TTS HTTP {r.status} {str(answer)[:80]}")
    else:
        body = {"audio": wav_b64, "audio_format": "wav", "sample_rate": 16000, "lang": "en"}
        async with session.post(base + "/paddlespeech/asr", json=body) as r:
            answer = await r.json(content_type=None)
            if r.status != 200 or not answer.get("success"):
                raise Failure(f"ASR HTTP {r.status} {str(answer)[:80]}")
    return time.perf_counter() - t0


async def scrape(session, base):
    t0 = time.perf_counter()
    for path in ("/metrics", "/api/stats"):
        async with session.get(base + path) as r:
            if r.status != 200:
                raise Failure(f"{path}: HTTP {r.status}")
            await r.read()
    return time.perf_counter() - t0


async def client(kind, idx, base, stop, stats, args, data):
    rng = random.Random(f"{kind}{idx}")
    await asyncio.sleep(rng.uniform(0, 3))  # not all at once
    # Pooled keep-alive connections: one per client, two for `interrupt` (the stream holds one).
    conn = aiohttp.TCPConnector(limit=2 if kind == "interrupt" else 1)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=None)) as session:
        ws, n = None, 0
        while not stop.is_set():
            try:
                if kind == "http":
                    coro = http_stream(session, base, rng)
                elif kind == "ws_tts":
                    coro = ws_tts(base, rng)
                elif kind == "interrupt":
                    coro = interrupt(session, base, args.timeout)
                elif kind == "asr":
                    coro = asr(base, data["packets"], args.timeout)
                elif kind == "alibaba":
                    coro = alibaba(session, base, rng)
                elif kind == "scrape":
                    coro = scrape(session, base)
                elif kind == "rest":
                    coro = rest(session, base, n, data["wav_b64"])
                else:  # volc: one connection kept across requests
                    if ws is None:
                        ws = await websockets.connect(base.replace("http", "ws") + "/api/v1/tts/ws_binary",
                                                      ping_interval=None, max_size=None)
                    coro = volc(ws, rng, args.timeout)
                # The whole exchange is bounded; ASR's is its audio plus the timeout.
                limit = args.timeout + (data["audio_s"] if kind == "asr" else 0)
                stats.first[kind].append(await asyncio.wait_for(coro, limit))
                stats.done[kind] += 1
            except asyncio.TimeoutError:
                stats.error(kind, f"no answer within {args.timeout} s")
                ws = None
            except (Failure, aiohttp.ClientError, websockets.WebSocketException, OSError, ValueError, KeyError) as e:
                stats.error(kind, repr(e)[:160])
                ws = None
            n += 1
            if kind != "asr":
                await asyncio.sleep(rng.uniform(0.5, 2.0))
        if ws is not None:
            await ws.close()


# ---------------------------------------------------------------- sampling and report

def proc_sample(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")) / 1024
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return rss, fds, cpu


def decoders(health):
    """The pocketsphinx pool's live decoders, as /api/healthz describes the engine."""
    if isinstance(health, dict):
        if health.get("engine") == "pocketsphinx" and "decoders" in health:
            return health["decoders"]
        health = list(health.values())
    if isinstance(health, list):
        return next((d for d in map(decoders, health) if d is not None), None)
    return None


async def sampler(server, stop, stats, every):
    while not stop.is_set():
        server.check_alive()
        live = await asyncio.get_running_loop().run_in_executor(None, lambda: decoders(server.get_json("/api/healthz")))
        stats.samples.append((time.monotonic() - stats.t0, *proc_sample(server.proc.pid), live))
        try:
            await asyncio.wait_for(stop.wait(), every)
        except asyncio.TimeoutError:
            pass


def slope_per_hour(points):
    if len(points) < 3:
        return float("nan")
    n = len(points)
    mx, my = sum(p[0] for p in points) / n, sum(p[1] for p in points) / n
    var = sum((p[0] - mx) ** 2 for p in points)
    return sum((p[0] - mx) * (p[1] - my) for p in points) / var * 3600 if var else float("nan")


def report(stats, args, after, loadgen_cpu):
    s = stats.samples
    warm = [x for x in s if x[0] >= args.warmup]
    dur = s[-1][0] if s else 0
    cores = (s[-1][3] - s[0][3]) / (s[-1][0] - s[0][0]) if len(s) > 1 else float("nan")
    lines = ["| client | clients | done | errors | first audio / reply p50 (ms) | p95 (ms) | max (ms) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for k, c in MIX.items():
        f = stats.first[k]
        lines.append(f"| {k} | {c} | {stats.done[k]} | {stats.errors[k]} | {pct(f, 0.5) * 1000:.1f} | "
                     f"{pct(f, 0.95) * 1000:.1f} | {max(f) * 1000 if f else float('nan'):.1f} |")
    total_err = sum(stats.errors.values())
    lines += ["", f"**{sum(stats.done.values())} exchanges, {total_err} errors** over {dur / 60:.1f} min. "
              f"Server CPU {cores:.2f} cores on average (the load generator {loadgen_cpu:.2f}), out of 2.", ""]
    if warm:
        rss = [x[1] for x in warm]
        fds = [x[2] for x in warm]
        counts = sorted({x[4] for x in warm if x[4] is not None})
        lines += [f"Resident memory after the {args.warmup / 60:g}-minute warm-up: {warm[0][1]:.1f} MiB at its end, "
                  f"{min(rss):.1f}–{max(rss):.1f} MiB during the rest, {warm[-1][1]:.1f} MiB at the end of the load, "
                  f"trend {slope_per_hour([(x[0], x[1]) for x in warm]):+.1f} MiB/hour (least squares over "
                  f"{len(warm)} samples); {after[0]:.1f} MiB and {after[1]} descriptors 5 s after the clients stopped. "
                  f"Open descriptors during the load: {min(fds)}–{max(fds)}; pocketsphinx decoders: "
                  f"{', '.join(map(str, counts)) or 'not reported'}.", ""]
        # A pocketsphinx decoder is tens of MB: RSS is compared at the same decoder count.
        for n in counts:
            same = [(x[0], x[1]) for x in warm if x[4] == n]
            lines += [f"- with {n} decoder(s) alive: {len(same)} samples, RSS {min(p[1] for p in same):.1f}–"
                      f"{max(p[1] for p in same):.1f} MiB, trend {slope_per_hour(same):+.1f} MiB/hour"]
        lines.append("")
    step = max(1, len(s) // 12)
    lines += ["| minute | RSS (MiB) | descriptors | server CPU (s) | pocketsphinx decoders |", "|---:|---:|---:|---:|---:|"]
    lines += [f"| {x[0] / 60:.1f} | {x[1]:.1f} | {x[2]} | {x[3]:.0f} | {x[4]} |" for x in s[::step] + ([s[-1]] if s else [])]
    if stats.error_log:
        lines += ["", "First errors:", "", "```", *stats.error_log, "```"]
    return "\n".join(lines)


async def main_async(args):
    binary = require_binary(args.bin)
    fmt, pcm = read_wav(audio_dir() / "en_digits.wav")
    step = int(16000 * PACKET_S) * 2
    data = {"packets": [pcm[i:i + step] for i in range(0, len(pcm), step)], "audio_s": len(pcm) / 32000,
            "wav_b64": base64.b64encode((audio_dir() / "en_digits.wav").read_bytes()).decode()}
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "soak.yaml"
        cfg.write_text(CONFIG)
        server = Server(binary, cfg, tmp, host=args.host, port=args.port, name="voxgate-soak").start()
        try:
            stats, stop = Stats(), asyncio.Event()
            load0 = time.process_time()
            tasks = [asyncio.ensure_future(client(k, i, server.base, stop, stats, args, data))
                     for k, c in MIX.items() for i in range(c)]
            tasks.append(asyncio.ensure_future(sampler(server, stop, stats, args.sample)))
            log(f"soak: {sum(MIX.values())} clients for {args.duration} s against {server.base}")
            t_end = time.monotonic() + args.duration
            while time.monotonic() < t_end:
                await asyncio.sleep(min(60, max(0.1, t_end - time.monotonic())))
                server.check_alive()
                log(f"  {(time.monotonic() - stats.t0) / 60:5.1f} min: {sum(stats.done.values())} done, "
                    f"{sum(stats.errors.values())} errors, RSS {stats.samples[-1][1]:.1f} MiB, "
                    f"{stats.samples[-1][2]} fds")
            stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks), args.timeout + 30)
            loadgen_cpu = (time.process_time() - load0) / (time.monotonic() - stats.t0)
            await asyncio.sleep(5)
            rss, fds, _ = proc_sample(server.proc.pid)
            return report(stats, args, (rss, fds), loadgen_cpu)
        finally:
            server.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_server_args(ap)
    add_report_args(ap, "soak")
    ap.add_argument("--duration", type=float, default=1800)
    ap.add_argument("--warmup", type=float, default=300, help="seconds left out of the memory trend")
    ap.add_argument("--sample", type=float, default=5)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--mix", default="", help="kind=count,... instead of the default mix (kinds left out: none)")
    args = ap.parse_args()
    if args.mix:
        chosen = dict((k, int(v)) for k, v in (item.split("=") for item in args.mix.split(",")))
        for k in MIX:
            MIX[k] = chosen.get(k, 0)
    body = asyncio.run(main_async(args))
    print(body)
    if args.write:
        text = section("soak.py", "loopback, eSpeak NG TTS and pocketsphinx ASR (en), 32 clients as listed in "
                       "the script's docstring.", "the load generator runs on the same machine.", body)
        write_readme(args.readme, "soak", text, heading="Soak")


if __name__ == "__main__":
    main()
