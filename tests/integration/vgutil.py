"""Shared helpers for the voxgate integration tests (no pytest fixtures here).

The clients below deliberately behave like the upstream PaddleSpeech clients
(spec §1.9): ``requests.post(url, data=json.dumps(body), stream=True)`` with no
Content-Type header, ``iter_content(chunk_size=None)`` and one independent
``base64.b64decode`` per HTTP chunk.
"""
import array
import base64
import binascii
import io
import json
import math
import os
import signal
import socket
import subprocess
import time
import wave
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]

ZH_TWO = "您好，欢迎使用语音合成服务。今天天气很好。"
ZH_ONE = "今天天气很好。"
EN_TEXT = "Hello, and welcome to the speech synthesis service."
MIXED_TEXT = "我们使用 voxgate 来合成语音。This is a test."
HEX32 = set("0123456789abcdef")


def voxgate_bin():
    return Path(os.environ.get("VOXGATE_BIN", str(REPO_ROOT / "build" / "voxgate")))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _yaml_scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if v is None:
        return "null"
    return json.dumps(str(v))  # JSON strings are valid YAML double-quoted scalars


def to_yaml(obj, indent=0):
    """Tiny YAML emitter for nested dicts / lists of scalars (enough for configs)."""
    pad = "  " * indent
    lines = []
    for k, v in obj.items():
        if isinstance(v, dict):
            lines.append(f"{pad}{k}:")
            lines.append(to_yaml(v, indent + 1))
        elif isinstance(v, list):
            lines.append(f"{pad}{k}: [{', '.join(_yaml_scalar(x) for x in v)}]")
        else:
            lines.append(f"{pad}{k}: {_yaml_scalar(v)}")
    return "\n".join(l for l in lines if l != "")


def base_config(save_dir, **limit_overrides):
    limits = {
        "max_text_chars": 500,
        "max_body_bytes": 65536,
        "max_ws_message_bytes": 65536,
        "max_sessions": 64,
        "idle_timeout_s": 30,
    }
    limits.update(limit_overrides)
    return {
        "host": "127.0.0.1",
        "port": 8092,
        "protocol": "http",
        "engine_list": ["tts_online"],
        "tts_online": {"engine": "espeak", "lang": "zh", "sample_rate": 24000},
        "voxgate": {
            "io_threads": 2,
            "limits": limits,
            "rest": {"save_dir": str(save_dir)},
        },
    }


class ServerProcess:
    """One voxgate process on a free loopback port."""

    def __init__(self, workdir, config, name="server"):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config = config
        self.name = name
        self.host = "127.0.0.1"
        self.port = free_port()
        self.conf_path = self.workdir / f"{name}.yaml"
        self.log_path = self.workdir / f"{name}.log"
        self.proc = None
        self._log = None

    @property
    def base(self):
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self):
        return f"ws://{self.host}:{self.port}/paddlespeech/tts/streaming"

    @property
    def stream_url(self):
        return self.base + "/paddlespeech/tts/streaming"

    def log_tail(self, n=4000):
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return "<no log>"

    def start(self, timeout=20.0):
        if isinstance(self.config, dict):
            self.conf_path.write_text(to_yaml(self.config) + "\n")
        else:
            self.conf_path.write_text(self.config)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(voxgate_bin()), "serve", "--config_file", str(self.conf_path),
             "--host", self.host, "--port", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=str(self.workdir),
        )
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"voxgate exited with {self.proc.returncode} during start-up; log:\n{self.log_tail()}")
            try:
                r = requests.get(self.base + "/api/healthz", timeout=2)
                last = r.status_code
                if r.status_code == 200:
                    return self
            except requests.RequestException as e:
                last = repr(e)
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"voxgate not healthy after {timeout}s (last: {last}); log:\n{self.log_tail()}")

    def stop(self, timeout=10.0):
        """SIGTERM and wait; returns the exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
        if self._log:
            self._log.close()
            self._log = None
        return self.proc.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)
        if self._log:
            self._log.close()
            self._log = None

    def stats(self):
        r = requests.get(self.base + "/api/stats", timeout=5)
        r.raise_for_status()
        return r.json()

    def wait_stats(self, pred, timeout=15.0):
        """Poll /api/stats until pred(stats) is true; return the last stats."""
        deadline = time.monotonic() + timeout
        st = self.stats()
        while not pred(st):
            if time.monotonic() > deadline:
                raise AssertionError(f"stats condition not reached within {timeout}s: {st}")
            time.sleep(0.05)
            st = self.stats()
        return st

    def wait_idle(self, timeout=15.0):
        return self.wait_stats(lambda s: s["synth_active"] == 0 and s["active_sessions"] == 0, timeout)


# ---------------------------------------------------------------- HTTP streaming

class StreamResult:
    def __init__(self, status, chunks, pcm, headers, body=None):
        self.status = status
        self.chunks = chunks      # raw base64 chunks as received
        self.pcm = pcm            # concatenated decoded bytes
        self.headers = headers
        self.body = body          # parsed JSON body for non-200 answers

    def duration(self, rate=24000):
        return len(self.pcm) / 2 / rate


def decode_chunk(chunk):
    """Decode one HTTP chunk exactly as the stock client would, but strictly."""
    assert len(chunk) > 0, "empty HTTP chunk before the terminating chunk"
    assert len(chunk) % 4 == 0, f"chunk length {len(chunk)} is not a multiple of 4 (not one padded base64 string)"
    try:
        pcm = base64.b64decode(chunk, validate=True)
    except binascii.Error as e:
        raise AssertionError(f"chunk does not decode on its own: {e}; head={chunk[:40]!r} tail={chunk[-40:]!r}")
    assert len(pcm) % 2 == 0, "odd number of PCM bytes in a chunk (not s16le)"
    return pcm


def stream_tts(url, body, raw_body=None, timeout=60, ensure_ascii=True):
    """POST like the stock client; decode each chunk independently."""
    data = raw_body if raw_body is not None else json.dumps(body, ensure_ascii=ensure_ascii)
    if isinstance(data, str) and not ensure_ascii:
        data = data.encode("utf-8")
    resp = requests.post(url, data=data, stream=True, timeout=timeout)
    try:
        if resp.status_code != 200:
            text = resp.content
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            return StreamResult(resp.status_code, [], b"", resp.headers, parsed if parsed is not None else text)
        chunks, pcm = [], bytearray()
        for chunk in resp.iter_content(chunk_size=None):
            chunks.append(chunk)
            pcm += decode_chunk(chunk)
        return StreamResult(200, chunks, bytes(pcm), resp.headers)
    finally:
        resp.close()


def pcm_stats(pcm):
    a = array.array("h")
    a.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    if len(a) == 0:
        return 0, 0.0
    peak = max(abs(x) for x in a)
    rms = math.sqrt(sum(x * x for x in a) / len(a))
    return peak, rms


def read_wav_bytes(data):
    with wave.open(io.BytesIO(data), "rb") as w:
        return {
            "channels": w.getnchannels(),
            "sampwidth": w.getsampwidth(),
            "rate": w.getframerate(),
            "frames": w.getnframes(),
            "pcm": w.readframes(w.getnframes()),
        }


def assert_plausible_speech(pcm, rate=24000, lo=0.3, hi=20.0):
    dur = len(pcm) / 2 / rate
    assert lo <= dur <= hi, f"implausible audio duration {dur:.3f}s"
    peak, _ = pcm_stats(pcm)
    assert peak > 500, f"audio looks silent (peak {peak})"
    return dur


def assert_still_serving(server, text=ZH_ONE):
    """A normal request after a bad one must still work."""
    r = requests.get(server.base + "/api/healthz", timeout=5)
    assert r.status_code == 200, r.text
    res = stream_tts(server.stream_url, {"text": text, "spk_id": 0})
    assert res.status == 200, (res.status, res.body)
    assert_plausible_speech(res.pcm)


def long_zh_text(n):
    """n short sentences with no internal punctuation (one clause each)."""
    base = ["今天天气很好", "我们去公园散步", "欢迎使用语音合成服务", "这是一个很长的测试文本",
            "请稍等片刻", "谢谢您的耐心"]
    return "".join(base[i % len(base)] + "。" for i in range(n))
