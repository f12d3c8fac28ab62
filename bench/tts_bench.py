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
import datetime as dt
import json
import math
import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parents[1]
TEXT = "您好，欢迎使用语音合成服务。今天天气很好。"
BEGIN, END = "<!-- bench:tts:begin -->", "<!-- bench:tts:end -->"


# ---------------------------------------------------------------- server process

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


class Server:
    def __init__(self, binary, config, host, port, logdir):
        self.host, self.port = host, port or free_port()
        self.cmd = [str(binary), "serve", "--config_file", str(config),
                    "--host", self.host, "--port", str(self.port)]
        self.log_path = Path(logdir) / "voxgate-bench.log"
        self.proc = None

    @property
    def base(self):
        return f"http://{self.host}:{self.port}"

    def start(self, timeout=20.0):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=str(REPO))
        import urllib.request
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"server exited with {self.proc.returncode}; see {self.log_path}:\n"
                         + self.log_path.read_text(errors="replace")[-3000:])
            try:
                with urllib.request.urlopen(self.base + "/api/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        sys.exit(f"server not healthy within {timeout}s; see {self.log_path}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


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
    t0 = time.perf_counter()
    first = None
    nbytes = 0
    try:
        async with session.post(url, data=body) as resp:
            if resp.status != 200:
                return Sample(False, error=f"HTTP {resp.status}: {(await resp.text())[:120]}")
            buf = bytearray()
            async for data, end_of_chunk in resp.content.iter_chunks():
                if first is None and data:
                    first = time.perf_counter() - t0
                buf += data
                if end_of_chunk:
                    if len(buf) % 4:
                        return Sample(False, error="chunk is not one padded base64 string")
                    nbytes += len(base64.b64decode(bytes(buf), validate=True))
                    buf.clear()
            if buf:
                return Sample(False, error="trailing data outside a complete chunk")
    except (aiohttp.ClientError, asyncio.TimeoutError, binascii.Error, OSError) as e:
        return Sample(False, error=repr(e)[:160])
    total = time.perf_counter() - t0
    if first is None or nbytes == 0:
        return Sample(False, error="no audio")
    return Sample(True, first, total, nbytes / 2 / rate)


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


def pct(values, q):
    if not values:
        return float("nan")
    v = sorted(values)
    k = (len(v) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


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


def write_readme(path, section):
    path = Path(path)
    if not path.exists():
        path.write_text(README_TEMPLATE)
    text = path.read_text()
    if BEGIN not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    pre, rest = text.split(BEGIN, 1)
    _, post = rest.split(END, 1)
    path.write_text(f"{pre}{BEGIN}\n{section}\n{END}{post}")


README_TEMPLATE = f"""# voxgate benchmarks

`tts_bench.py` starts a voxgate server with `conf/application.yaml` on a free loopback port and
drives the streaming TTS endpoints with asyncio + aiohttp clients that behave like the PaddleSpeech
`tts_online` client. Run it with `/usr/bin/python3 bench/tts_bench.py` (`--write` updates this file).

{BEGIN}
(no figures yet)
{END}
"""


# ---------------------------------------------------------------- main

async def main_async(args):
    binary = Path(args.bin)
    if not binary.is_file():
        sys.exit(f"no server binary at {binary} (set VOXGATE_BIN or --bin)")
    with tempfile.TemporaryDirectory(prefix="voxgate-bench-") as tmp:
        srv = Server(binary, args.config, args.host, args.port, tmp)
        srv.start()
        try:
            import urllib.request
            with urllib.request.urlopen(srv.base + "/paddlespeech/tts/streaming/samplerate") as r:
                rate = json.loads(r.read())["sample_rate"]
            # warm-up (not measured)
            await run_level(srv, "http", 2, 2, rate, args.text)
            await asyncio.sleep(0.5)
            idle = rss_kib(srv.proc.pid)
            rows = []
            for c in args.levels:
                per = args.requests or max(4, math.ceil(64 / c))
                r = await run_level(srv, "http", c, per, rate, args.text)
                rows.append(r)
                print(f"http  clients={c:3d} done in {r['wall']:.1f}s, errors={r['errors']}"
                      + (f" e.g. {r['error_examples']}" if r["errors"] else ""), file=sys.stderr)
            if args.ws_clients:
                per = args.requests or 8
                r = await run_level(srv, "websocket", args.ws_clients, per, rate, args.text)
                rows.append(r)
                print(f"ws    clients={args.ws_clients:3d} done in {r['wall']:.1f}s, errors={r['errors']}"
                      + (f" e.g. {r['error_examples']}" if r["errors"] else ""), file=sys.stderr)
        finally:
            srv.stop()
    return rows, idle, rate


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.environ.get("VOXGATE_BIN", str(REPO / "build" / "voxgate")))
    ap.add_argument("--config", default=str(REPO / "conf" / "application.yaml"))
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 = a free port")
    ap.add_argument("--levels", default="1,4,16,64", help="HTTP concurrency levels")
    ap.add_argument("--requests", type=int, default=0,
                    help="requests per client (default: max(4, ceil(64/clients)); 8 for WebSocket)")
    ap.add_argument("--ws-clients", type=int, default=16, help="WebSocket concurrency (0 = skip)")
    ap.add_argument("--text", default=TEXT)
    ap.add_argument("--write", action="store_true", help="update the section in bench/README.md")
    ap.add_argument("--readme", default=str(REPO / "bench" / "README.md"))
    args = ap.parse_args()
    args.levels = [int(x) for x in args.levels.split(",") if x.strip()]

    rows, idle, rate = asyncio.run(main_async(args))
    tab = table(rows, idle)
    print(tab)
    if args.write:
        cmd = "/usr/bin/python3 bench/tts_bench.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        section = "\n".join([
            f"Measured {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} on "
            f"{machine()}, loopback, eSpeak NG, output {rate} Hz.",
            f"Command: `{cmd.strip()}`; text `{args.text}`; the load generator runs on the same "
            "machine and competes with the server for the CPUs.",
            "",
            tab,
        ])
        write_readme(args.readme, section)
        print(f"updated {args.readme}", file=sys.stderr)


if __name__ == "__main__":
    main()
