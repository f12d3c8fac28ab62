#!/usr/bin/python3
"""Pool churn: does resident memory come back when the pocketsphinx decoder pool grows and shrinks?

Starts its own server (``$VOXGATE_BIN serve``, pocketsphinx ASR only, pool ``initial: 1``,
``idle_s`` = ``--idle-s``) on a free loopback port. Each round opens ``--sessions`` PaddleSpeech
ASR WebSocket sessions at once (so the pool builds that many decoders), streams the English
digits recording in each as fast as the server answers, waits until the reaper has freed every
decoder beyond ``initial`` (``/api/healthz``), and reads the server's resident memory. A pool
that gives its memory back shows the same resident memory after every round; heap fragmentation
or a leak shows as a staircase. ``--env K=V`` runs the server with an extra environment variable
(``MALLOC_ARENA_MAX=2``, say) to compare. ``--write`` puts the report into bench/README.md
between the ``bench:asr_pool_churn`` markers. No assertions: it measures.
"""
import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

import websockets

from common import (ASR_PATH, PACKET_S, Server, add_report_args, add_server_args, audio_dir, log, read_wav,
                    publish, require_binary)

CONFIG = """\
host: 127.0.0.1
port: 8092
protocol: http
engine_list: [asr_online]
asr_online: {{engine: pocketsphinx, lang: en}}
voxgate:
  asr: {{archive: false, pocketsphinx: {{pool: {{initial: 1, idle_s: {idle_s}}}}}}}
"""


def rss_mib(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")) / 1024


def pool(server):
    """(decoders, freed_idle) of the pocketsphinx engine in /api/healthz."""
    def find(node):
        if isinstance(node, dict):
            if node.get("engine") == "pocketsphinx" and "decoders" in node:
                return node["decoders"], node.get("freed_idle", 0)
            node = list(node.values())
        if isinstance(node, list):
            return next((f for f in map(find, node) if f is not None), None)
        return None
    return find(server.get_json("/api/healthz"))


async def session(url, packets, barrier):
    async with websockets.connect(url, ping_interval=None, max_size=None) as ws:
        await ws.send(json.dumps({"name": "churn.wav", "nbest": 1, "signal": "start"}))
        assert json.loads(await ws.recv()).get("signal") == "server_ready"
        await barrier.wait()  # every session holds its decoder before any gives one back
        for p in packets:
            await ws.send(p)
            await ws.recv()
        await ws.send(json.dumps({"name": "churn.wav", "nbest": 1, "signal": "end"}))
        final = json.loads(await ws.recv())
        assert isinstance(final.get("result"), str), final
        await ws.wait_closed()


async def rounds(server, args, packets):
    rows = []
    for r in range(1, args.rounds + 1):
        barrier = asyncio.Barrier(args.sessions)
        await asyncio.gather(*(session(server.ws_url(ASR_PATH), packets, barrier) for _ in range(args.sessions)))
        server.check_alive()
        peak_rss, (peak, _) = rss_mib(server.proc.pid), pool(server)
        deadline = time.monotonic() + args.idle_s * 3 + 30
        while pool(server)[0] > 1 and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        await asyncio.sleep(1)
        live, freed = pool(server)
        rows.append((r, peak, peak_rss, live, freed, rss_mib(server.proc.pid)))
        log(f"  round {r}: {peak} decoders, {peak_rss:.0f} MiB; reaped to {live} ({freed} freed), "
            f"{rows[-1][-1]:.0f} MiB")
    return rows


def report(rows, base_rss, args):
    lines = [f"Idle after start-up: {base_rss:.0f} MiB resident; each round {args.sessions} sessions at once, "
             f"then the reaper (`idle_s` {args.idle_s}).", "",
             "| round | decoders at peak | RSS at peak MiB | decoders after reap | freed so far | RSS after reap MiB |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r} | {p} | {pr:.0f} | {lv} | {fr} | {ar:.0f} |" for r, p, pr, lv, fr, ar in rows]
    after = [row[-1] for row in rows]
    lines += ["", f"RSS after reap, last round minus first: {after[-1] - after[0]:+.0f} MiB "
              f"(min {min(after):.0f}, max {max(after):.0f})."]
    return "\n".join(lines)


async def main_async(args):
    binary = require_binary(args.bin)
    _, pcm = read_wav(audio_dir() / "en_digits.wav")
    step = int(16000 * PACKET_S) * 2
    packets = [pcm[i:i + step] for i in range(0, len(pcm), step)]
    for kv in args.env:
        k, v = kv.split("=", 1)
        os.environ[k] = v  # inherited by the server
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "churn.yaml"
        cfg.write_text(CONFIG.format(idle_s=args.idle_s))
        server = Server(binary, cfg, tmp, host=args.host, port=args.port, name="voxgate-churn").start()
        try:
            await asyncio.sleep(1)
            base_rss = rss_mib(server.proc.pid)
            rows = await rounds(server, args, packets)
        finally:
            server.stop()
    return report(rows, base_rss, args)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_server_args(ap)
    add_report_args(ap, "asr_pool_churn")
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--sessions", type=int, default=6)
    ap.add_argument("--idle-s", type=int, default=2)
    ap.add_argument("--env", action="append", default=[], help="K=V for the server's environment")
    args = ap.parse_args()
    publish(args, "asr_pool_churn.py", "asr_pool_churn", "ASR decoder pool churn",
            "loopback, pocketsphinx ASR (en) only.", "the clients run on the same machine.",
            asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
