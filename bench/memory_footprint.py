#!/usr/bin/env python3
"""Resident memory of the embedded default config (issue 16, item 4): at start-up per engine, idle,
after one warm-up request per engine, and per open ASR session.

The server is started from the repository on its embedded default config, and its VmRSS is read
from /proc every 10 ms while it loads. Each engine's share is the growth between the log line that
says the engine before it was loaded and its own (engines load one after another on one thread, so
the growth between two lines is that engine's). Then one request per engine (Piper, Kokoro,
FastSpeech2, English and Mandarin recognition) is made, and 4 English streaming sessions are held
open at once to see what a session costs.

    /usr/bin/python3 bench/memory_footprint.py [--write]
"""
import argparse
import asyncio
import base64
import datetime as dt
import json
import re
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import websockets

from common import ASR_PATH, REPO, add_report_args, add_server_args, audio_dir, free_port, publish

STAGES = [  # (log line that ends the stage, what loaded in it)
    (r"eSpeak NG ready", "process, eSpeak NG, config"),
    (r"Piper voice .* loaded", "Piper (joe)"),
    (r"Chinese front end loaded", "Chinese front end (jieba, pinyin, OpenCC)"),
    (r"Kokoro loaded", "Kokoro (4 voices)"),
    (r"FastSpeech2 \+ MB-MelGAN loaded", "FastSpeech2 + MB-MelGAN"),
    (r"pocketsphinx: .* decoders built", "pocketsphinx (pool.initial decoders)"),
    (r"whisper: ", "Whisper base (weights + one decoder state)"),
    (r"text normalisation grammars loaded", "Silero VAD, TN/ITN grammars"),
    (r"warm-up done", "one warm-up call per neural voice, then malloc_trim"),
    (r"engines loaded; ready", "the rest of start-up"),
]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def post(base, path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.read()


async def hold_sessions(url, n, pcm):
    """n English sessions, each started and fed a second of speech, held open together."""
    sockets = [await websockets.connect(url, max_size=2 ** 22) for _ in range(n)]
    for ws in sockets:
        await ws.send(json.dumps({"name": "m.wav", "signal": "start", "nbest": 1, "lang": "en"}))
        await ws.recv()
    for ws in sockets:
        for off in range(0, 32000, 2720):
            await ws.send(pcm[off:off + 2720])
            await ws.recv()
    return sockets


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_args(ap, host=False)
    add_report_args(ap, "memory")
    args = ap.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "server.log"
        log = open(log_path, "wb")
        proc = subprocess.Popen([str(Path(args.bin).absolute()), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                stdout=log, stderr=subprocess.STDOUT, cwd=str(REPO))
        samples, stop = [], threading.Event()

        def sample():
            while not stop.is_set() and proc.poll() is None:
                samples.append((time.time(), rss_kib(proc.pid)))
                time.sleep(0.01)
        threading.Thread(target=sample, daemon=True).start()
        try:
            deadline = time.time() + 120
            while b"engines loaded; ready" not in log_path.read_bytes():
                if time.time() > deadline or proc.poll() is not None:
                    raise SystemExit("the server did not get ready:\n" + log_path.read_text()[-2000:])
                time.sleep(0.1)
            time.sleep(1.0)
            idle = rss_kib(proc.pid)
            lines = log_path.read_text().splitlines()

            def at(pattern):
                for line in lines:
                    if re.search(pattern, line):
                        t = dt.datetime.strptime(line[1:24], "%Y-%m-%d %H:%M:%S.%f").timestamp()
                        before = [r for s, r in samples if s <= t]
                        return before[-1] if before else 0
                return None
            stages, previous = [], 0
            for pattern, what in STAGES:
                r = at(pattern)
                if r is None:
                    continue
                stages.append((what, r - previous))
                previous = r

            warm = []
            for label, voice, text in [("Piper", "echo", "The meeting moved to Friday afternoon."),
                                       ("Kokoro", "nova", "The meeting moved to Friday afternoon."),
                                       ("FastSpeech2", "alloy", "会议改到星期五下午。")]:
                post(base, "/v1/audio/speech", {"model": "tts-1", "voice": voice, "input": text, "response_format": "wav"})
                warm.append((f"{label} request", rss_kib(proc.pid)))
            data = audio_dir()
            for label, name, lang in [("English recognition", "en_librispeech_1995-1837-0001.wav", "en"),
                                      ("Mandarin recognition", "zh_aishell_BAC009S0764W0122.wav", "zh")]:
                audio = base64.b64encode((data / name).read_bytes()).decode()
                post(base, "/paddlespeech/asr", {"audio": audio, "audio_format": "wav", "sample_rate": 16000, "lang": lang})
                warm.append((f"{label} request", rss_kib(proc.pid)))
            warmed = rss_kib(proc.pid)
            wav = (data / "en_librispeech_1995-1837-0001.wav").read_bytes()[44:]

            async def sessions():
                socks = await hold_sessions(f"ws://127.0.0.1:{port}{ASR_PATH}", 4, wav)
                held = rss_kib(proc.pid)
                for ws in socks:
                    await ws.close()
                return held
            held = asyncio.run(sessions())
        finally:
            stop.set()
            proc.terminate()
            proc.wait(timeout=30)
            log.close()
    mib = lambda k: f"{k / 1024:.0f}"
    out = ["| stage | resident memory it added (MiB) |", "|---|---:|"]
    out += [f"| {what} | {mib(k)} |" for what, k in stages]
    out += [f"| **idle, ready** | **{mib(idle)}** |", "", "| after | resident (MiB) |", "|---|---:|"]
    out += [f"| {label} | {mib(k)} |" for label, k in warm]
    out += [f"| 4 English streaming sessions held open | {mib(held)} (+{mib((held - warmed) / 4)} each) |"]
    publish(args, "memory_footprint.py", "memory", "Resident memory (`memory_footprint.py`)",
            "loopback, the embedded default config.", "VmRSS of `voxgate serve`.", "\n".join(out))


if __name__ == "__main__":
    main()
