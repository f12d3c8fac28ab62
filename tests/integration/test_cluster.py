"""Several instances behind nginx with a Redis interrupt bus (issue 15, deploy/README.md).

Real processes on free loopback ports: redis-server, two voxgate instances with the same
`voxgate.cluster` section, and nginx running deploy/nginx/voxgate.conf. Clients: `requests` for the
session API (spec §3), `websockets` for a PaddleSpeech TTS session through nginx.
"""
import asyncio
import json
import signal
import time
import uuid
from pathlib import Path

import pytest
import requests
import websockets

from cluster_procs import NginxProcess, RedisProcess
from configs import agent_config
from server_process import ServerProcess, stop_server
from tts_clients import ZH_ONE, long_zh_text

LONG = long_zh_text(1500)  # ~20 min of speech: the stream lasts while the test acts on it
FULL_S = 600  # far less than LONG's audio, far more than an interrupted stream carries


def sid(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def cluster_config(save_dir, redis_url, instance_id, confirm_ms=500):
    cfg = agent_config(save_dir)
    cfg["voxgate"]["cluster"] = {"redis": redis_url, "instance_id": instance_id, "key_prefix": "vgtest:",
                                 "owner_ttl_s": 6, "confirm_ms": confirm_ms}
    return cfg


def start_instance(root, name, redis):
    srv = ServerProcess(root / name, cluster_config(root / name / "saved", redis.url, name), name=name)
    srv.start()
    return srv


def wait_for(pred, what, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        last = pred()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout} s")
        time.sleep(0.05)


def all_threads_stopped(pid):
    """SIGSTOP is delivered asynchronously: true once every thread is in state T (/proc)."""
    states = []
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            states.append(stat.read_text().rsplit(")", 1)[1].split()[0])
        except (OSError, IndexError):
            return False
    return bool(states) and all(st in ("T", "t") for st in states)


def status_of(url):
    try:
        return requests.get(url, timeout=5).status_code
    except requests.RequestException:
        return None


def health(base):
    return requests.get(base + "/api/healthz", timeout=5).json()


def cluster_up(srv):
    h = health(srv.base)
    return h.get("status") == "ok" and h["cluster"]["redis"] == "up"


def owned(srv):
    return health(srv.base)["cluster"]["owned_sessions"]


class Stream:
    """A session stream read only as far as asked: an unread stream waits for its reader."""

    def __init__(self, base, session_id, header=False, text=LONG):
        body = {"text": text, "format": "pcm"}
        headers = {"X-Session-Id": session_id} if header else {}
        if not header:
            body["session_id"] = session_id
        self.resp = requests.post(base + "/api/tts/stream", json=body, headers=headers, stream=True, timeout=30)
        assert self.resp.status_code == 200, (self.resp.status_code, self.resp.text[:300])
        assert self.resp.headers["X-Session-Id"] == session_id
        self.it = self.resp.iter_content(chunk_size=None)
        self.got = len(next(self.it))

    def finish(self, limit_s=20.0):
        """Reads to the end; returns the audio seconds. It must end with the terminating chunk."""
        t0 = time.monotonic()
        try:
            for chunk in self.it:
                self.got += len(chunk)
                assert time.monotonic() - t0 < limit_s, f"still streaming {limit_s} s later ({self.got} bytes)"
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as e:
            raise AssertionError(f"the stream did not end cleanly: {e!r}")
        finally:
            self.resp.close()
        return self.got / 2 / 24000


def interrupt(base, session_id, header=False):
    if header:
        return requests.post(base + "/api/tts/interrupt", json={}, headers={"X-Session-Id": session_id}, timeout=10)
    return requests.post(base + "/api/tts/interrupt", json={"session_id": session_id}, timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    root = tmp_path_factory.mktemp("cluster")
    redis = RedisProcess(root / "redis").start()
    a = start_instance(root, "vox-a", redis)
    b = start_instance(root, "vox-b", redis)
    nginx = NginxProcess(root / "nginx", [(a.host, a.port), (b.host, b.port)]).start()
    for srv in (a, b):
        wait_for(lambda: cluster_up(srv), f"{srv.name} did not reach Redis")
    yield redis, a, b, nginx
    nginx.stop()
    for srv in (a, b):
        stop_server(srv)
    redis.stop()


# ---------------------------------------------------------------- across instances

def test_interrupt_reaches_the_instance_that_holds_the_stream(cluster):
    redis, a, b, _ = cluster
    s = sid("cross")
    st = Stream(a.base, s)
    assert redis.cli("GET", f"vgtest:session:{s}") == "vox-a"  # the claim is made before the first audio
    r = interrupt(b.base, s)
    assert r.status_code == 200, r.text
    assert r.json() == {"ok": True, "owner": "vox-a"}
    assert st.finish() < FULL_S
    # Released once the stream ended: no instance holds it now.
    wait_for(lambda: redis.cli("EXISTS", f"vgtest:session:{s}") == "0", "the owner key was not released")
    r = interrupt(b.base, s)
    assert r.status_code == 404 and r.json()["ok"] is False, r.text


def test_local_interrupt_names_this_instance(cluster):
    _, a, _, _ = cluster
    s = sid("local")
    st = Stream(a.base, s)
    r = interrupt(a.base, s, header=True)  # the id in the header alone
    assert r.status_code == 200 and r.json() == {"ok": True, "owner": "vox-a"}, r.text
    assert st.finish() < FULL_S


def test_superseding_stream_on_another_instance_stops_the_old_one(cluster):
    redis, a, b, _ = cluster
    s = sid("super")
    old = Stream(a.base, s)
    new = Stream(b.base, s)  # starts at once; the old owner is told to stop
    assert old.finish() < FULL_S
    assert redis.cli("GET", f"vgtest:session:{s}") == "vox-b"
    assert owned(b) >= 1
    r = interrupt(a.base, s)  # asked at the old owner: it goes to the new one
    assert r.status_code == 200 and r.json()["owner"] == "vox-b", r.text
    assert new.finish() < FULL_S


def test_an_owner_that_does_not_confirm_gives_504(cluster):
    redis, a, b, _ = cluster
    # A key naming an instance that is not listening: PUBLISH reaches nobody.
    ghost = sid("ghost")
    redis.cli("SET", f"vgtest:session:{ghost}", "vox-gone", "PX", 5000)
    r = interrupt(b.base, ghost)
    assert r.status_code == 504, r.text
    assert r.json()["ok"] is False and r.json()["owner"] == "vox-gone" and "not listening" in r.json()["error"]
    # A listening owner that cannot answer (stopped by SIGSTOP) within confirm_ms.
    s = sid("frozen")
    st = Stream(a.base, s)
    a.proc.send_signal(signal.SIGSTOP)
    try:
        wait_for(lambda: all_threads_stopped(a.proc.pid), "SIGSTOP did not stop every thread")
        r = interrupt(b.base, s)
    finally:
        a.proc.send_signal(signal.SIGCONT)
    assert r.status_code == 504, r.text
    assert "did not confirm within 500 ms" in r.json()["error"], r.text
    # The message was queued for it: once running again, it carries the interrupt out.
    assert st.finish() < FULL_S


def test_bad_session_ids_are_refused_before_redis(cluster):
    _, _, b, _ = cluster
    r = requests.post(b.base + "/api/tts/interrupt", json={}, headers={"X-Session-Id": "a b\x7f"}, timeout=5)
    assert r.status_code == 400, r.text
    r = requests.post(b.base + "/api/tts/interrupt", json={"session_id": "x"}, headers={"X-Session-Id": "y"}, timeout=5)
    assert r.status_code == 400 and "differ" in r.json()["detail"], r.text


# ---------------------------------------------------------------- Redis away

def test_without_redis_local_sessions_work_and_remote_interrupts_say_503(cluster):
    redis, a, b, _ = cluster
    redis.stop()
    try:
        for srv in (a, b):
            h = wait_for(lambda: (lambda j: j if j["status"] == "degraded" else None)(health(srv.base)),
                         f"{srv.name}'s healthz did not say degraded")
            assert h["cluster"]["redis"] == "down" and "cross-instance interrupts are unavailable" in h["cluster"]["detail"]
            assert str(redis.port) not in json.dumps(h), h  # Redis' address is not told to clients
        metrics = requests.get(a.base + "/metrics", timeout=5).text
        assert "voxgate_cluster_redis_up 0" in metrics, metrics
        # A stream started while Redis is away; the local interrupt of another one still works.
        kept = sid("kept")
        kept_stream = Stream(a.base, kept)
        s = sid("offline")
        st = Stream(a.base, s)
        r = interrupt(a.base, s)
        assert r.status_code == 200 and r.json()["owner"] == "vox-a", r.text
        assert st.finish() < FULL_S
        r = interrupt(b.base, kept)
        assert r.status_code == 503, r.text
        assert r.json()["ok"] is False and "Redis is unreachable" in r.json()["error"], r.text
        assert requests.get(b.base + "/api/tts/stream", timeout=5).status_code != 500  # still serving
    finally:
        redis.start()  # the same port: the instances reconnect with their backoff
    for srv in (a, b):
        wait_for(lambda: cluster_up(srv), f"{srv.name} did not reconnect to Redis", timeout=15)
    # The stream started while Redis was away is recorded once it is back, and reachable again.
    wait_for(lambda: redis.cli("GET", f"vgtest:session:{kept}") == "vox-a", "the offline claim was not made")
    r = interrupt(b.base, kept)
    assert r.status_code == 200 and r.json()["owner"] == "vox-a", r.text
    assert kept_stream.finish() < FULL_S
    assert "voxgate_cluster_redis_up 1" in requests.get(a.base + "/metrics", timeout=5).text


# ---------------------------------------------------------------- through nginx

def test_nginx_keeps_a_session_on_one_instance_and_streams_unbuffered(cluster):
    _, a, b, nginx = cluster
    s = sid("nginx")
    st = Stream(nginx.base, s, header=True)
    # A long stream's first audio came through while the rest is still being made: nginx did not
    # wait for the body (proxy_buffering off). The interrupt with the same header meets it locally.
    r = interrupt(nginx.base, s, header=True)
    assert r.status_code == 200, r.text
    owner = r.json()["owner"]
    assert owner in ("vox-a", "vox-b")
    assert st.finish() < FULL_S
    # The same header always hashes to the same instance.
    for _ in range(3):
        st = Stream(nginx.base, s, header=True)
        assert interrupt(nginx.base, s, header=True).json()["owner"] == owner
        st.finish()


def test_websocket_through_nginx(cluster):
    _, _, _, nginx = cluster

    async def go():
        url = nginx.base.replace("http://", "ws://") + "/paddlespeech/tts/streaming"
        async with websockets.connect(url, ping_interval=None) as ws:
            await ws.send(json.dumps({"task": "tts", "signal": "start"}))
            start = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert start["status"] == 0, start
            await ws.send(json.dumps({"text": ZH_ONE}))
            audio = 0
            while True:
                m = json.loads(await asyncio.wait_for(ws.recv(), 20))
                if m.get("status") == 2:
                    break
                assert m.get("status") == 1, m
                audio += len(m["audio"])
            await ws.send(json.dumps({"task": "tts", "signal": "end", "session": start["session"]}))
            return audio

    assert asyncio.run(go()) > 1000


def test_a_draining_instance_hands_new_requests_to_the_other(tmp_path):
    redis = RedisProcess(tmp_path / "redis").start()
    a = start_instance(tmp_path, "vox-a", redis)
    b = start_instance(tmp_path, "vox-b", redis)
    nginx = NginxProcess(tmp_path / "nginx", [(a.host, a.port), (b.host, b.port)]).start()
    try:
        # A stream through nginx; whichever instance holds it is then stopped.
        # Unread, it waits for its reader: more audio than the socket buffers and nginx hold.
        st = Stream(nginx.base, sid("drain"), header=True, text=long_zh_text(600))
        holder = wait_for(lambda: next((srv for srv in (a, b) if owned(srv) == 1), None), "no instance holds it")
        other = b if holder is a else a
        holder.proc.send_signal(signal.SIGTERM)
        wait_for(lambda: status_of(holder.base + "/api/healthz") == 503, "the draining instance's healthz did not turn 503")
        # New sessions, whatever their hash, are served: the draining one's 503 moves them on.
        for i in range(6):
            r = requests.post(nginx.base + "/api/tts/stream", json={"text": ZH_ONE, "format": "pcm"},
                              headers={"X-Session-Id": sid(f"after{i}")}, timeout=30)
            assert r.status_code == 200, (r.status_code, r.text[:200], nginx.error_log())
            assert len(r.content) > 1000
        assert owned(other) == 0 and health(other.base)["status"] == "ok"
        # The running stream went on to its end, then the instance exited cleanly.
        assert st.finish(limit_s=60) > 60
        assert holder.proc.wait(timeout=15) == 0
    finally:
        nginx.stop()
        for srv in (a, b):
            srv.stop()
        redis.stop()
