"""Cluster (issue 15): what a barge-in costs when it lands on another instance, and what nginx adds.

Starts a real redis-server, two voxgate instances (eSpeak NG, the session API, the same
`voxgate.cluster` section) and nginx running deploy/nginx/voxgate.conf, all on free loopback ports
(tests/integration/cluster_procs.py starts Redis and nginx). For each case, one after another:

- **interrupt**: a long session stream runs on instance A. The interrupt goes to A itself (local) or
  to B (through Redis to A and back). Figures: the interrupt's answer time, and the time from
  sending the interrupt to the stream's last byte;
- **first audio**: a short session stream sent to A directly, or through nginx; from the request
  to the first body bytes, and to the end of the body.
"""
import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from common import REPO, Server, add_report_args, add_server_args, log, pct, publish, require_binary

sys.path.insert(0, str(REPO / "tests" / "integration"))
from cluster_procs import NginxProcess, RedisProcess  # noqa: E402

LONG = "这是一段很长的测试文本，用来让语音流持续一段时间。" * 400
SHORT = "您好，欢迎使用语音合成服务。今天天气很好。"


def config(redis_url, instance):
    return (f"engine_list: ['tts_online']\n"
            f"tts_online: {{engine: espeak, lang: zh, sample_rate: 24000}}\n"
            f"voxgate:\n"
            f"  limits: {{max_text_chars: 20000, max_body_bytes: 262144}}\n"
            f"  session_api: {{tokens: []}}\n"
            f"  cluster: {{redis: '{redis_url}', instance_id: {instance}}}\n")


def interrupt_case(owner, target, n):
    answer, to_end = [], []
    for _ in range(n):
        s = f"bench-{uuid.uuid4().hex[:8]}"
        r = requests.post(owner.base + "/api/tts/stream", json={"text": LONG, "session_id": s, "format": "pcm"},
                          stream=True, timeout=30)
        it = r.iter_content(chunk_size=None)
        next(it)
        t0 = time.perf_counter()
        a = requests.post(target.base + "/api/tts/interrupt", json={"session_id": s}, timeout=10)
        t1 = time.perf_counter()
        if a.status_code != 200:
            sys.exit(f"interrupt answered {a.status_code}: {a.text}")
        for _ in it:
            pass
        answer.append((t1 - t0) * 1000)
        to_end.append((time.perf_counter() - t0) * 1000)
    return answer, to_end


def first_audio_case(base, n):
    first, total = [], []
    for _ in range(n):
        s = f"bench-{uuid.uuid4().hex[:8]}"
        t0 = time.perf_counter()
        r = requests.post(base + "/api/tts/stream", json={"text": SHORT, "format": "pcm"},
                          headers={"X-Session-Id": s}, stream=True, timeout=30)
        it = r.iter_content(chunk_size=None)
        next(it)
        first.append((time.perf_counter() - t0) * 1000)
        for _ in it:
            pass
        total.append((time.perf_counter() - t0) * 1000)
    return first, total


def row(name, a, b):
    return f"| {name} | {len(a)} | {pct(a, .5):.1f} | {pct(a, .95):.1f} | {pct(b, .5):.1f} | {pct(b, .95):.1f} |"


def run(args):
    binary = require_binary(args.bin)
    with tempfile.TemporaryDirectory(prefix="voxgate-cluster-bench-") as tmp:
        tmp = Path(tmp)
        redis = RedisProcess(tmp / "redis").start()
        servers = []
        nginx = None
        try:
            for name in ("vox-a", "vox-b"):
                conf = tmp / f"{name}.yaml"
                conf.write_text(config(redis.url, name))
                servers.append(Server(binary, conf, tmp, name=name).start())
            a, b = servers
            time.sleep(0.5)  # the Redis links come up after healthz does
            nginx = NginxProcess(tmp / "nginx", [(a.host, a.port), (b.host, b.port)]).start()
            interrupt_case(a, b, 3)  # warm-up
            local = interrupt_case(a, a, args.requests)
            remote = interrupt_case(a, b, args.requests)
            first_audio_case(a.base, 3)
            direct = first_audio_case(a.base, args.requests)
            proxied = first_audio_case(nginx.base, args.requests)
            for s in servers:
                s.check_alive()
        finally:
            if nginx:
                nginx.stop()
            for s in servers:
                s.stop()
            redis.stop()
    log("done")
    return "\n".join([
        "| interrupt | n | answer p50 (ms) | answer p95 (ms) | interrupt -> end of body p50 (ms) | p95 (ms) |",
        "|---|---:|---:|---:|---:|---:|",
        row("to the instance holding the stream", *local),
        row("to the other instance (Redis)", *remote),
        "",
        f"| first audio (`{SHORT}`) | n | first bytes p50 (ms) | p95 (ms) | end of body p50 (ms) | p95 (ms) |",
        "|---|---:|---:|---:|---:|---:|",
        row("voxgate directly", *direct),
        row("through nginx", *proxied),
    ])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_server_args(ap, host=False)
    add_report_args(ap, "cluster")
    ap.add_argument("--requests", type=int, default=30)
    args = ap.parse_args()
    publish(args, "cluster_bench.py", "cluster", "Cluster: interrupts across instances, nginx (`cluster_bench.py`)",
            "loopback: redis-server, two voxgate instances (eSpeak NG), nginx with deploy/nginx/voxgate.conf.",
            "requests one after another; the client runs on the same machine.", run(args))


if __name__ == "__main__":
    main()
