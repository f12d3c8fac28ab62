#!/usr/bin/python3
"""Latency benchmark for voxgate's voice-agent surfaces (session API and Volcengine WebSocket).

Starts its own server (``$VOXGATE_BIN serve``) with a generated config on a free loopback port
and measures, with asyncio + aiohttp / websockets clients on the same machine:

1. interrupt latency: while 16 background ``/api/tts/stream`` MP3 streams of a long text are read
   continuously, N trials each start a stream (session ``t<i>``), wait for its first bytes, send
   ``POST /api/tts/interrupt`` and time from sending the interrupt to the end of the interrupted body;
2. time to the first MP3 byte of ``/api/tts/stream`` at 1 and 16 concurrent clients;
3. Volcengine ``/api/v1/tts/ws_binary``: time from sending a ``submit`` to the first audio frame
   (the flags-0 ACK excluded) at 1, 16 and 64 concurrent connections.

Prints a markdown table; ``--write`` puts it into bench/README.md between the ``bench:agent``
markers.  No assertions: it measures.
"""
import argparse
import asyncio
import gzip
import json
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import websockets

from common import Server, add_report_args, add_server_args, log, pct, require_binary, section, write_readme

TEXT = "您好，欢迎使用语音合成服务。今天天气很好。"
_SENTENCES = ["今天天气很好", "我们去公园散步", "欢迎使用语音合成服务", "这是一个很长的测试文本",
              "请稍等片刻", "谢谢您的耐心"]
LONG_TEXT = "".join(_SENTENCES[i % 6] + "。" for i in range(1500))

CONFIG = """\
host: 127.0.0.1
port: 8092
protocol: http
engine_list: [tts_online]
tts_online: {engine: espeak, lang: zh, sample_rate: 24000}
voxgate:
  io_threads: 2
  limits: {max_text_chars: 20000, max_body_bytes: 1048576, max_ws_message_bytes: 1048576,
           max_sessions: 512, idle_timeout_s: 60}
  voices:
    - {spk_id: 0, name: default, variant: '', aliases: [BV001_streaming, zh_female_1]}
    - {spk_id: 1, name: female, variant: f3, aliases: [BV002_streaming]}
    - {spk_id: 2, name: male, variant: m3}
    - {spk_id: 3, name: female2, variant: f5}
  session_api: {tokens: []}
  alibaba: {path: /stream-audio, tokens: [], content_type: audio/mpeg}
  volcengine: {tokens: [], unknown_voice: fallback, max_text_bytes: 1024}
"""


# ---------------------------------------------------------------- session API

async def background_stream(session, url, stop, stats):
    """Keep one long MP3 stream running (restart it when it ends) and read it continuously."""
    while not stop.is_set():
        try:
            async with session.post(url, json={"text": LONG_TEXT, "format": "mp3"}) as resp:
                if resp.status != 200:
                    stats["errors"] += 1
                    await asyncio.sleep(0.1)
                    continue
                async for data in resp.content.iter_any():
                    stats["bytes"] += len(data)
                    if stop.is_set():
                        break
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
            if not stop.is_set():
                stats["errors"] += 1


async def interrupt_trial(session, base, i):
    """Returns ((latency_s, answer_s, bytes_after) or None, error)."""
    sid = f"t{i}-{uuid.uuid4().hex[:6]}"
    try:
        async with session.post(base + "/api/tts/stream",
                                json={"text": LONG_TEXT, "session_id": sid, "format": "mp3"}) as resp:
            if resp.status != 200:
                return None, f"stream HTTP {resp.status}"
            first = await resp.content.readany()
            if not first:
                return None, "no first bytes"

            after = 0

            async def drain():
                nonlocal after
                async for data in resp.content.iter_any():
                    after += len(data)
                return time.perf_counter()

            t_send = time.perf_counter()
            reader = asyncio.ensure_future(drain())
            async with session.post(base + "/api/tts/interrupt", json={"session_id": sid}) as r:
                status = r.status
                await r.read()
                t_answer = time.perf_counter()
            t_end = await asyncio.wait_for(reader, 30)
            if status != 200:
                return None, f"interrupt HTTP {status}"
            return (t_end - t_send, t_answer - t_send, after), ""
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
        return None, repr(e)[:120]


async def bench_interrupt(base, trials, background):
    stop = asyncio.Event()
    bg_stats = {"bytes": 0, "errors": 0}
    conn = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=600)) as session:
        bg = [asyncio.ensure_future(background_stream(session, base + "/api/tts/stream", stop, bg_stats))
              for _ in range(background)]
        await asyncio.sleep(1.0)  # let the background load settle
        lat, answer, after, errors = [], [], [], []
        for i in range(trials):
            v, err = await interrupt_trial(session, base, i)
            if v is None:
                errors.append(err)
            else:
                lat.append(v[0])
                answer.append(v[1])
                after.append(v[2])
        stop.set()
        for t in bg:
            t.cancel()
        await asyncio.gather(*bg, return_exceptions=True)
    return {"lat": lat, "answer": answer, "after": after, "errors": errors,
            "bg_errors": bg_stats["errors"], "bg_bytes": bg_stats["bytes"]}


async def ttfb_client(session, url, n, out, errors):
    for _ in range(n):
        t0 = time.perf_counter()
        try:
            async with session.post(url, json={"text": TEXT, "format": "mp3"}) as resp:
                if resp.status != 200:
                    errors.append(f"HTTP {resp.status}")
                    await resp.read()
                    continue
                first = await resp.content.readany()
                t1 = time.perf_counter()
                total = len(first)
                async for data in resp.content.iter_any():
                    total += len(data)
                if not first:
                    errors.append("empty body")
                else:
                    out.append(t1 - t0)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
            errors.append(repr(e)[:120])


async def bench_ttfb(base, clients, per_client):
    out, errors = [], []
    conn = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=300)) as session:
        await asyncio.gather(*[ttfb_client(session, base + "/api/tts/stream", per_client, out, errors)
                               for _ in range(clients)])
    return {"lat": out, "errors": errors, "requests": clients * per_client}


# ---------------------------------------------------------------- Volcengine

def volc_frame(text):
    req = {"app": {"appid": "bench", "token": "any", "cluster": "volcano_tts"},
           "user": {"uid": "bench"},
           "audio": {"voice_type": "BV001_streaming", "encoding": "pcm", "speed_ratio": 1.0,
                     "volume_ratio": 1.0, "pitch_ratio": 1.0},
           "request": {"reqid": str(uuid.uuid4()), "text": text, "text_type": "plain",
                       "operation": "submit"}}
    payload = gzip.compress(json.dumps(req).encode())
    return bytes([0x11, 0x10, 0x11, 0x00]) + len(payload).to_bytes(4, "big") + payload


async def volc_client(url, n, out, errors, start):
    try:
        async with websockets.connect(url, extra_headers={"Authorization": "Bearer; bench"},
                                      ping_interval=None, open_timeout=30, max_size=None) as ws:
            await start.wait()
            for _ in range(n):
                t0 = time.perf_counter()
                await ws.send(volc_frame(TEXT))
                first = None
                while True:
                    msg = await asyncio.wait_for(ws.recv(), 60)
                    mtype, flags = msg[1] >> 4, msg[1] & 0x0F
                    hs = (msg[0] & 0x0F) * 4
                    if mtype == 0xB:
                        if flags == 0:
                            continue  # ACK
                        if first is None:
                            first = time.perf_counter() - t0
                        if int.from_bytes(msg[hs:hs + 4], "big", signed=True) < 0:
                            break
                    elif mtype == 0xF:
                        text = msg[hs + 8:]
                        if msg[2] & 0x0F == 1:
                            text = gzip.decompress(text)
                        try:
                            text = json.loads(text).get("message", "")
                        except ValueError:
                            text = text[:80]
                        errors.append(f"error frame {int.from_bytes(msg[hs:hs + 4], 'big')} ({text})")
                        first = None
                        break
                if first is not None:
                    out.append(first)
    except (websockets.WebSocketException, asyncio.TimeoutError, OSError) as e:
        errors.append(repr(e)[:120])


async def bench_volc(url, conns, per_conn):
    out, errors = [], []
    start = asyncio.Event()
    tasks = [asyncio.ensure_future(volc_client(url, per_conn, out, errors, start)) for _ in range(conns)]
    await asyncio.sleep(0.5 + conns * 0.01)  # connections open before timing starts
    start.set()
    await asyncio.gather(*tasks)
    return {"lat": out, "errors": errors, "requests": conns * per_conn}


# ---------------------------------------------------------------- report

def ms(v):
    return f"{v * 1000:.1f}"


def row(name, conc, res, n):
    lat = res["lat"]
    return (f"| {name} | {conc} | {n} | {len(res['errors'])} | {ms(pct(lat, 0.5))} | {ms(pct(lat, 0.95))} "
            f"| {ms(max(lat)) if lat else 'nan'} |")


async def main_async(args):
    binary = require_binary(args.bin)
    rows, notes = [], []
    with tempfile.TemporaryDirectory(prefix="voxgate-agent-bench-") as tmp:
        conf = Path(tmp) / "agent.yaml"
        conf.write_text(CONFIG)
        srv = Server(binary, conf, tmp, args.host, args.port)
        srv.start()
        try:
            base = srv.base
            # warm-up (not measured)
            await bench_ttfb(base, 2, 2)
            url = srv.ws_url("/api/v1/tts/ws_binary")
            await bench_volc(url, 2, 2)

            r = await bench_interrupt(base, args.trials, args.background)
            rows.append(row(f"interrupt → end of interrupted body ({args.background} background streams)",
                            1, r, args.trials))
            notes.append(f"Interrupt trials: the interrupt request itself was answered in p50 "
                         f"{ms(pct(r['answer'], 0.5))} ms; the interrupted body carried p50 "
                         f"{pct(r['after'], 0.5) / 1024:.1f} KiB after the interrupt was sent. "
                         f"Background streams: {r['bg_bytes'] / 1e6:.1f} MB of MP3 read during the trials, "
                         f"{r['bg_errors']} errors.")
            log(f"interrupt: {len(r['lat'])} ok, errors {r['errors'][:3]}")

            for c, per in ((1, 30), (16, 4)):
                r = await bench_ttfb(base, c, per)
                rows.append(row("/api/tts/stream first MP3 byte", c, r, r["requests"]))
                log(f"ttfb c={c}: errors {r['errors'][:3]}")

            for c, per in ((1, 30), (16, 4), (64, 2)):
                r = await bench_volc(url, c, per)
                rows.append(row("Volcengine submit → first audio frame", c, r, r["requests"]))
                if r["errors"]:
                    notes.append(f"Volcengine errors at {c} connections: "
                                 + "; ".join(f"{e} ×{r['errors'].count(e)}" for e in sorted(set(r["errors"]))) + ".")
                log(f"volc c={c}: errors {r['errors'][:3]}")
        finally:
            died = srv.proc.poll()
            if died is not None:
                log(f"SERVER EXITED with {died} during the run; log tail:\n{srv.log_tail()}")
                notes.append(f"**The server exited with code {died} during this run.**")
            srv.stop()
    head = ["| measurement | concurrency | samples | errors | p50 (ms) | p95 (ms) | max (ms) |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    return "\n".join(head + rows) + "\n\n" + "\n\n".join(notes)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_args(ap)
    ap.add_argument("--trials", type=int, default=30, help="interrupt trials")
    ap.add_argument("--background", type=int, default=16, help="background streams during the trials")
    add_report_args(ap, "agent")
    args = ap.parse_args()
    t0 = time.monotonic()
    tab = asyncio.run(main_async(args))
    print(tab)
    log(f"total {time.monotonic() - t0:.0f}s")
    if args.write:
        write_readme(args.readme, "agent", section(
            "agent_bench.py",
            "loopback, eSpeak NG, MP3 at 24000 Hz (session API), PCM at 24000 Hz (Volcengine).",
            f"short text `{TEXT}`; long text 1500 sentences ({len(LONG_TEXT):,} characters) for the interrupted "
            "and background streams; the load generator runs on the same machine and competes with the server "
            "for the CPUs.", tab), heading="Voice-agent latency (`agent_bench.py`)")


if __name__ == "__main__":
    main()
