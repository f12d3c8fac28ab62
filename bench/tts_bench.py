#!/usr/bin/python3
"""Load driver for voxgate's streaming TTS (HTTP chunked + WebSocket).

Starts its own server (``$VOXGATE_BIN serve --config_file conf/application.yaml
--host H --port P``), drives it over loopback with asyncio + aiohttp and prints a
markdown table: time to first audio chunk (p50/p95), RTF, throughput, errors and
server RSS (idle, and peak under load).  ``--write`` puts the table into
bench/README.md between the ``bench:tts`` markers.  No assertions: it measures.

Clients behave like the PaddleSpeech ``tts_online`` client (spec §1.9): JSON body
without Content-Type, one new connection per request, every HTTP chunk decoded as
one base64 string; "first chunk" runs from just before the request is sent.
"""
import argparse
import asyncio
import base64
import binascii
import json
import math
import os
import statistics
import tempfile
import time

import aiohttp

from common import (Server, add_report_args, add_server_args, http_audio, int_list, log, pct, require_binary,
                    section, write_readme)

TEXT = "您好，欢迎使用语音合成服务。今天天气很好。"


# ---------------------------------------------------------------- server memory

def rss_kib(pid):
    """VmRSS of pid plus all its descendants (in case engines run in worker processes)."""
    total, stack, seen = 0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


class RssSampler:
    def __init__(self, pid, period=0.02):
        self.pid, self.period, self.peak, self._task = pid, period, 0, None

    async def _run(self):
        while True:
            self.peak = max(self.peak, rss_kib(self.pid))
            await asyncio.sleep(self.period)

    def __enter__(self):
        self.peak = rss_kib(self.pid)
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc):
        self._task.cancel()


# ---------------------------------------------------------------- clients

class Sample:
    __slots__ = ("ok", "first", "total", "audio", "error")

    def __init__(self, ok, first=0.0, total=0.0, audio=0.0, error=""):
        self.ok, self.first, self.total, self.audio, self.error = ok, first, total, audio, error


async def http_request(session, url, body, rate):
    r = await http_audio(session, url, body)
    if not r.ok:
        return Sample(False, error=r.error)
    return Sample(True, r.first, r.total, sum(n for _, n in r.chunks) / 2 / rate)


async def http_client(session, url, body, rate, n, out):
    for _ in range(n):
        out.append(await http_request(session, url, body, rate))


async def ws_client(session, url, text, rate, n, out):
    try:
        async with session.ws_connect(url, max_msg_size=0) as ws:
            await ws.send_str(json.dumps({"task": "tts", "signal": "start"}))
            ready = json.loads((await ws.receive(timeout=30)).data)
            if ready.get("signal") != "server ready":
                out.append(Sample(False, error=f"no server ready: {ready}"))
                return
            for _ in range(n):
                t0 = time.perf_counter()
                first, nbytes, err = None, 0, ""
                await ws.send_str(json.dumps({"text": text, "spk_id": 0}))
                while True:
                    msg = await ws.receive(timeout=60)
                    if msg.type != aiohttp.WSMsgType.TEXT:
                        err = f"unexpected frame {msg.type}"
                        break
                    m = json.loads(msg.data)
                    if m.get("status") == 1:
                        if first is None:
                            first = time.perf_counter() - t0
                        nbytes += len(base64.b64decode(m["audio"], validate=True))
                    elif m.get("status") == 2:
                        break
                    else:
                        err = f"status {m.get('status')}: {str(m)[:120]}"
                        break
                total = time.perf_counter() - t0
                if err or first is None:
                    out.append(Sample(False, error=err or "no audio"))
                    if err:
                        return
                else:
                    out.append(Sample(True, first, total, nbytes / 2 / rate))
            await ws.send_str(json.dumps({"task": "tts", "signal": "end", "session": ready["session"]}))
            await ws.receive(timeout=10)
    except (aiohttp.ClientError, asyncio.TimeoutError, binascii.Error, OSError, ValueError) as e:
        out.append(Sample(False, error=repr(e)[:160]))


async def run_level(server, mode, clients, per_client, rate, text):
    url = server.base + "/paddlespeech/tts/streaming"
    body = json.dumps({"text": text, "spk_id": 0})
    conn = aiohttp.TCPConnector(limit=0, force_close=(mode == "http"))
    timeout = aiohttp.ClientTimeout(total=300)
    samples = []
    async with aiohttp.ClientSession(connector=conn, timeout=timeout,
                                     skip_auto_headers=("Content-Type",)) as session:
        with RssSampler(server.proc.pid) as rss:
            t0 = time.perf_counter()
            if mode == "http":
                coros = [http_client(session, url, body, rate, per_client, samples)
                         for _ in range(clients)]
            else:
                ws_url = url.replace("http://", "ws://", 1)
                coros = [ws_client(session, ws_url, text, rate, per_client, samples)
                         for _ in range(clients)]
            await asyncio.gather(*coros)
            wall = time.perf_counter() - t0
    ok = [s for s in samples if s.ok]
    errors = [s.error for s in samples if not s.ok] + \
        ["missing"] * max(0, clients * per_client - len(samples))
    audio = sum(s.audio for s in ok)
    return {
        "mode": mode, "clients": clients, "requests": clients * per_client,
        "errors": len(errors), "error_examples": sorted(set(errors))[:3],
        "p50": pct([s.first for s in ok], 0.50) * 1000,
        "p95": pct([s.first for s in ok], 0.95) * 1000,
        "total_p50": pct([s.total for s in ok], 0.50) * 1000,
        "rtf": statistics.fmean(s.total / s.audio for s in ok) if ok else float("nan"),
        "audio_per_s": audio / wall, "req_per_s": len(ok) / wall,
        "mean_audio": audio / len(ok) if ok else 0.0,
        "peak_rss_mib": rss.peak / 1024, "wall": wall,
    }


# ---------------------------------------------------------------- report

def table(rows, idle_rss):
    out = ["| mode | clients | requests | errors | first chunk p50 (ms) | first chunk p95 (ms) "
           "| total p50 (ms) | mean RTF | audio s per wall s | req/s | peak RSS (MiB) |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['mode']} | {r['clients']} | {r['requests']} | {r['errors']} "
                   f"| {r['p50']:.1f} | {r['p95']:.1f} | {r['total_p50']:.1f} | {r['rtf']:.4f} "
                   f"| {r['audio_per_s']:.1f} | {r['req_per_s']:.1f} | {r['peak_rss_mib']:.1f} |")
    out.append("")
    out.append(f"Server RSS idle (after start-up and warm-up): {idle_rss / 1024:.1f} MiB. "
               f"Audio per request: {rows[0]['mean_audio']:.2f} s." if rows else "")
    return "\n".join(out)


# ---------------------------------------------------------------- main

async def main_async(args):
    binary = require_binary(args.bin)
    with tempfile.TemporaryDirectory(prefix="voxgate-bench-") as tmp:
        srv = Server(binary, args.config, tmp, args.host, args.port)
        srv.start()
        try:
            rate = srv.get_json("/paddlespeech/tts/streaming/samplerate")["sample_rate"]
            # warm-up (not measured)
            await run_level(srv, "http", 2, 2, rate, args.text)
            await asyncio.sleep(0.5)
            idle = rss_kib(srv.proc.pid)
            rows = []
            for c in args.levels:
                per = args.requests or max(4, math.ceil(64 / c))
                r = await run_level(srv, "http", c, per, rate, args.text)
                rows.append(r)
                log(f"http  clients={c:3d} done in {r['wall']:.1f}s, errors={r['errors']}"
                    + (f" e.g. {r['error_examples']}" if r["errors"] else ""))
            if args.ws_clients:
                per = args.requests or 8
                r = await run_level(srv, "websocket", args.ws_clients, per, rate, args.text)
                rows.append(r)
                log(f"ws    clients={args.ws_clients:3d} done in {r['wall']:.1f}s, errors={r['errors']}"
                    + (f" e.g. {r['error_examples']}" if r["errors"] else ""))
        finally:
            srv.stop()
    return rows, idle, rate


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_args(ap, config=True)
    ap.add_argument("--levels", default="1,4,16,64", help="HTTP concurrency levels")
    ap.add_argument("--requests", type=int, default=0,
                    help="requests per client (default: max(4, ceil(64/clients)); 8 for WebSocket)")
    ap.add_argument("--ws-clients", type=int, default=16, help="WebSocket concurrency (0 = skip)")
    ap.add_argument("--text", default=TEXT)
    add_report_args(ap, "tts")
    args = ap.parse_args()
    args.levels = int_list(args.levels)

    rows, idle, rate = asyncio.run(main_async(args))
    tab = table(rows, idle)
    print(tab)
    if args.write:
        write_readme(args.readme, "tts", section(
            "tts_bench.py", f"loopback, eSpeak NG, output {rate} Hz.",
            f"text `{args.text}`; the load generator runs on the same machine and competes with the server "
            "for the CPUs.", tab), heading="Streaming TTS (`tts_bench.py`)")


if __name__ == "__main__":
    main()
