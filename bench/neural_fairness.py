#!/usr/bin/python3
"""Fairness across requests on the neural voices (issue 16, item 3): first audio under a mixed neural load.

Starts its own server (``$VOXGATE_BIN serve --config_file conf/application.yaml``) on a free loopback
port. For ``--duration`` seconds, background clients stream long texts without pause (``--busy`` streams each
on FastSpeech2 spk_id 0, Piper spk_id 4 and Kokoro spk_id 5: a 6-sentence paragraph, each request on a
new connection, the next sent when one ends). Meanwhile a probe client per voice sends a short text
every ``--every`` seconds and times its first audio (``POST /paddlespeech/tts/streaming``, like the stock
client). A request's first segment goes ahead of other requests' later segments in each engine's
queue, so a probe should wait for at most the segment that is running, never for another request's
whole text. Reports p50 / p95 / max first audio per voice, and how many probes waited more than 2 s
(the issue's goal). ``--write`` puts the table in bench/README.md. No assertions: it measures.
"""
import argparse
import asyncio
import json
import tempfile
import time

from common import (REPO, Server, add_report_args, add_server_args, client_session, log, pct, publish,
                    stream_request)

ENGLISH = ("Your order has shipped and should arrive on Thursday. If you are not home, the driver will leave it "
           "at the front desk. Reply to this message if you need to change the delivery address. Our support "
           "line is open every day from nine to six. You can also track the parcel online. Thank you for "
           "shopping with us.")
MANDARIN = ("您的订单已于十一月二十八日发货，共三件商品。快递预计两天内送达，请保持电话畅通。如有疑问，请拨打客服热线。"
            "服务时间为每天早上九点到晚上六点。感谢您的耐心等待。祝您生活愉快。")
VOICES = {  # name: (spk_id, probe text, background text)
    "fastspeech2": (0, "您好，欢迎致电客服中心。", MANDARIN),
    "piper": (4, "Thanks for calling.", ENGLISH),
    "kokoro": (5, "Thanks for calling.", ENGLISH),
}
WAIT_GOAL_S = 2.0


async def run(server, args):
    url = server.base + "/paddlespeech/tts/streaming"
    stop = time.monotonic() + args.duration
    probes = {name: [] for name in VOICES}
    errors = {name: 0 for name in VOICES}

    async def busy(session, spk, text):
        body = json.dumps({"text": text, "spk_id": spk}).encode()
        while time.monotonic() < stop:
            await stream_request(session, url, body, 24000)

    async def probe(session, name, spk, text, offset):
        await asyncio.sleep(offset)
        body = json.dumps({"text": text, "spk_id": spk}).encode()
        while time.monotonic() < stop:
            t0 = time.monotonic()
            s = await stream_request(session, url, body, 24000)
            if s.ok:
                probes[name].append(s.first)
            else:
                errors[name] += 1
            await asyncio.sleep(max(0.0, args.every - (time.monotonic() - t0)))

    async with client_session() as session:
        tasks = []
        for i, (name, (spk, short, long_text)) in enumerate(VOICES.items()):
            for _ in range(args.busy):
                tasks.append(busy(session, spk, long_text))
            tasks.append(probe(session, name, spk, short, 1.0 + i * args.every / len(VOICES)))
        await asyncio.gather(*tasks)
    return probes, errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_args(ap, config=True)
    ap.add_argument("--duration", type=float, default=120)
    ap.add_argument("--busy", type=int, default=1, help="background streams per voice")
    ap.add_argument("--every", type=float, default=3.0, help="seconds between one voice's probes")
    add_report_args(ap, "neural-fairness")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(args.bin, args.config, tmp, cwd=REPO).start(timeout=180)
        try:
            probes, errors = asyncio.run(run(server, args))
            server.check_alive()
        finally:
            server.stop()
    lines = ["| voice | probes | errors | first audio p50 (ms) | p95 (ms) | max (ms) | waited > 2 s |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, firsts in probes.items():
        over = sum(f > WAIT_GOAL_S for f in firsts)
        lines.append(f"| {name} (spk_id {VOICES[name][0]}) | {len(firsts)} | {errors[name]} | "
                     f"{pct(firsts, 0.5) * 1000:.0f} | {pct(firsts, 0.95) * 1000:.0f} | "
                     f"{max(firsts, default=float('nan')) * 1000:.0f} | {over} |")
    log("done")
    publish(args, "neural_fairness.py", "neural-fairness", "Fairness on the neural voices (`neural_fairness.py`)",
            f"loopback, `conf/application.yaml`; {args.busy} background streams per voice "
            f"(FastSpeech2, Piper, Kokoro: {3 * args.busy} in all) for {args.duration:.0f} s, one probe per voice "
            f"every {args.every:.0f} s.",
            "the load generator runs on the same machine and competes with the server for the CPUs.",
            "\n".join(lines))


if __name__ == "__main__":
    main()
