"""OpenAI API latency: first audio byte of /v1/audio/speech against the whole file, and realtime transcription.

Starts its own server (`$VOXGATE_BIN`, default build/voxgate) with conf/application.yaml on a free loopback
port. Speech: each of N clients sends requests one after another (aiohttp, as the SDK's httpx would:
a JSON body, the answer read as it streams); the first byte is when the first body bytes arrive, the
whole file when the body ends, which is what a server that does not stream would answer at best.
Realtime: N WebSocket sessions (/v1/realtime?intent=transcription, server VAD) each send en_digits.wav
at 24 kHz in 100 ms appends paced in real time, then silence; "append -> delta" is, for every delta,
the time since the last append sent before it, and "stopped -> completed" the time from
input_audio_buffer.speech_stopped to the item's completed event.

    /usr/bin/python3 bench/openai_bench.py            # print the tables
    /usr/bin/python3 bench/openai_bench.py --write    # and put them in bench/README.md
"""
import argparse
import asyncio
import base64
import json
import subprocess
import tempfile
import time
from pathlib import Path

import aiohttp
import websockets

from common import Server, add_report_args, add_server_args, audio_dir, int_list, pct, publish, require_binary

TEXT = ("Thank you for calling. Your order has shipped and should arrive on Thursday. "
        "Is there anything else I can help you with today?")
CHUNK_S = 0.1


async def speech_client(session, base, fmt, requests, out):
    body = {"model": "tts-1", "voice": "alloy", "input": TEXT, "response_format": fmt}
    for _ in range(requests):
        t0 = time.monotonic()
        first = None
        size = 0
        async with session.post(base + "/v1/audio/speech", json=body) as r:
            if r.status != 200:
                out.append(("error", r.status))
                await r.read()
                continue
            async for chunk in r.content.iter_any():
                if first is None:
                    first = time.monotonic() - t0
                size += len(chunk)
        out.append((first, time.monotonic() - t0, size))


async def speech_level(base, fmt, clients, requests):
    out = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        await asyncio.gather(*(speech_client(session, base, fmt, requests, out) for _ in range(clients)))
    ok = [o for o in out if o[0] != "error"]
    firsts = [o[0] * 1000 for o in ok]
    totals = [o[1] * 1000 for o in ok]
    return (f"| {fmt} | {clients} | {len(out)} | {len(out) - len(ok)} | {pct(firsts, 0.5):.0f} | {pct(firsts, 0.95):.0f} "
            f"| {pct(totals, 0.5):.0f} | {pct(totals, 0.95):.0f} |")


async def realtime_session(url, pcm, lags, completions, errors):
    step = int(24000 * CHUNK_S) * 2
    sent_at = [0.0]
    stopped = {}
    done = asyncio.Event()

    async def reader(ws):
        async for raw in ws:
            e = json.loads(raw)
            now = time.monotonic()
            if e["type"].endswith("transcription.delta"):
                lags.append((now - sent_at[0]) * 1000)
            elif e["type"] == "input_audio_buffer.speech_stopped":
                stopped[e["item_id"]] = now
            elif e["type"].endswith("transcription.completed"):
                if e["item_id"] in stopped:
                    completions.append((now - stopped[e["item_id"]]) * 1000)
                if not e["transcript"] and e["item_id"] not in stopped:
                    done.set()
            elif e["type"] == "error":
                errors.append(e["error"]["message"])
    async with websockets.connect(url, max_size=None) as ws:
        task = asyncio.create_task(reader(ws))
        await ws.send(json.dumps({"type": "session.update", "session": {
            "type": "transcription", "audio": {"input": {"turn_detection": {"type": "server_vad",
                                                                            "silence_duration_ms": 800}}}}}))
        audio = pcm + b"\0" * (step * 15)
        start = time.monotonic()
        for n, i in enumerate(range(0, len(audio), step)):
            await asyncio.sleep(max(0.0, start + n * CHUNK_S - time.monotonic()))
            await ws.send(json.dumps({"type": "input_audio_buffer.append",
                                      "audio": base64.b64encode(audio[i:i + step]).decode()}))
            sent_at[0] = time.monotonic()
        await ws.send(json.dumps({"type": "input_audio_buffer.commit"}))
        await asyncio.wait_for(done.wait(), 120)
        task.cancel()


async def realtime_level(server, pcm, sessions):
    url = f"ws://{server.host}:{server.port}/v1/realtime?intent=transcription"
    lags, completions, errors = [], [], []
    await asyncio.gather(*(realtime_session(url, pcm, lags, completions, errors) for _ in range(sessions)))
    return (f"| {sessions} | {len(lags)} | {pct(lags, 0.5):.0f} | {pct(lags, 0.95):.0f} | {len(completions)} "
            f"| {pct(completions, 0.5):.0f} | {pct(completions, 0.95):.0f} | {len(errors)} |")


async def main_async(args):
    binary = require_binary(args.bin)
    pcm = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(audio_dir() / "en_digits.wav"), "-f", "s16le",
                          "-ac", "1", "-ar", "24000", "-"], capture_output=True, check=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(binary, Path(args.config), tmp, host=args.host, port=args.port, name="voxgate-openai").start()
        try:
            await speech_level(server.base, "pcm", 1, 2)  # warm-up
            speech = ["| format | clients | requests | errors | first byte p50 (ms) | first byte p95 (ms) "
                      "| whole file p50 (ms) | whole file p95 (ms) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
            for fmt in ("mp3", "pcm"):
                for clients in args.clients:
                    speech.append(await speech_level(server.base, fmt, clients, args.requests))
            realtime = ["| sessions | deltas | append -> delta p50 (ms) | p95 (ms) | items | stopped -> completed "
                        "p50 (ms) | p95 (ms) | errors |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
            for sessions in args.sessions:
                realtime.append(await realtime_level(server, pcm, sessions))
        finally:
            server.stop()
    return "\n".join([f"Speech: voice `alloy` (Piper `joe`), text of {len(TEXT)} characters; {args.requests} "
                      "requests per client.", "", *speech, "",
                      "Realtime transcription: en_digits.wav (8.3 s) paced in real time, server VAD with "
                      "`silence_duration_ms` 800; recognizer pocketsphinx partials + Whisper base finals.", "",
                      *realtime])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_server_args(ap, config=True)
    add_report_args(ap, "openai")
    ap.add_argument("--clients", type=int_list, default=[1, 16])
    ap.add_argument("--requests", type=int, default=4)
    ap.add_argument("--sessions", type=int_list, default=[1, 4])
    args = ap.parse_args()
    publish(args, "openai_bench.py", "openai", "OpenAI API (`openai_bench.py`)", "loopback, conf/application.yaml.",
            "the clients run on the same machine and compete with the server for the CPUs.",
            asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
