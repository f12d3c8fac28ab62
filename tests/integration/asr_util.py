"""Streaming-ASR helpers for the integration tests (no pytest fixtures here).

The WebSocket client behaves like the stock PaddleSpeech `asr_online` client (spec §1.6, §1.9):
JSON control messages serialised with ``sort_keys=True, indent=4``, 85 ms binary packets with the
last one zero-padded, and lock-step: after each binary frame it waits for exactly one text reply.
Also: audio as sent (format and packets), sox conversions, archive WAV checks, and the offline
REST ASR client. The recordings themselves are found through recorded_audio.py.
"""
import asyncio
import base64
import json
import struct
import subprocess
import time
from pathlib import Path

import requests

from audio_checks import parse_wav_header, to_wav
from recorded_audio import recording

ASR_PATH = "/paddlespeech/asr/streaming"
SAVE_PATH = "/paddlespeech/streaming/save"
PACKET_S = 0.085  # the stock client's packet: 1360 samples at 16 kHz


# ---------------------------------------------------------------- audio

class Audio:
    """Raw interleaved sample frames plus their format (the variant's start fields)."""

    def __init__(self, data, rate, bits, channels, label=""):
        self.data = bytes(data)
        self.rate = rate
        self.bits = bits
        self.channels = channels
        self.label = label

    @property
    def frame_bytes(self):
        return self.bits // 8 * self.channels

    @property
    def duration(self):
        return len(self.data) / self.frame_bytes / self.rate

    @property
    def format_tag(self):
        return 3 if self.bits == 32 else 1

    def start_fields(self):
        return {"sampleRate": self.rate, "bitsPerSample": self.bits, "channels": self.channels}

    def head(self, seconds):
        n = int(seconds * self.rate) * self.frame_bytes
        return Audio(self.data[:n], self.rate, self.bits, self.channels, self.label + f"[:{seconds}s]")

    def packets(self, packet_s=PACKET_S):
        """Packets of packet_s seconds, the last one padded with silence (like the stock client)."""
        size = int(round(packet_s * self.rate)) * self.frame_bytes
        silence = b"\x80" if self.bits == 8 else b"\x00"  # 8-bit WAV samples are unsigned
        out = []
        for off in range(0, len(self.data), size):
            p = self.data[off:off + size]
            if len(p) < size:
                p += silence * (size - len(p))
            out.append(p)
        return out


def read_wav(path):
    """A PCM / float WAV file as Audio (data chunk only)."""
    data = recording(path).read_bytes()
    h = parse_wav_header(data)
    body = data[h["data_offset"]:h["data_offset"] + h["data_size_field"]]
    return Audio(body, h["rate"], h["bits"], h["channels"], Path(path).name)


def sox_convert(src, dst, rate, bits, channels, raw=True):
    """Convert with sox to s16/s24 (signed), u8 (unsigned) or float32, raw or WAV."""
    enc = {8: "unsigned-integer", 16: "signed-integer", 24: "signed-integer", 32: "floating-point"}[bits]
    out_type = ["-t", "raw"] if raw else ["-t", "wav"]
    cmd = ["sox", "-V1", str(recording(src)), "-r", str(rate), "-c", str(channels), "-b", str(bits), "-e", enc,
           "-L"] + out_type + [str(dst)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    if raw:
        return Audio(Path(dst).read_bytes(), rate, bits, channels, Path(dst).name)
    return read_wav(dst)


def wav_file_info(path):
    """Header fields of an archive WAV plus the sizes needed to check it is consistent."""
    data = Path(path).read_bytes()
    h = parse_wav_header(data)
    riff_size = struct.unpack("<I", data[4:8])[0]
    h["riff_size_field"] = riff_size
    h["file_size"] = len(data)
    h["data_bytes"] = len(data) - h["data_offset"]
    h["data"] = data[h["data_offset"]:]
    return h


def assert_archive_wav(path, audio, sent_bytes):
    """The archive WAV's header says what was sent and its data is exactly the bytes sent."""
    h = wav_file_info(path)
    want = (audio.channels, audio.rate, audio.bits, audio.format_tag)
    got = (h["channels"], h["rate"], h["bits"], h["format_tag"])
    assert got == want or (h["format_tag"] == 0xFFFE and got[:3] == want[:3]), \
        f"{path.name}: header (channels, rate, bits, format tag) {got}, sent {want}"
    assert h["data_size_field"] == sent_bytes, \
        f"{path.name}: data chunk size field {h['data_size_field']}, bytes sent {sent_bytes}"
    assert h["data_bytes"] == sent_bytes, f"{path.name}: {h['data_bytes']} data bytes on disk, sent {sent_bytes}"
    assert h["riff_size_field"] == h["file_size"] - 8, \
        f"{path.name}: RIFF size field {h['riff_size_field']}, file size {h['file_size']}"
    return h


def wav_files(d):
    d = Path(d)
    return set(p.name for p in d.glob("*.wav")) if d.is_dir() else set()


def wait_stable_size(path, settle=0.3, timeout=10.0):
    """Wait until a file's size has not changed for `settle` seconds; return the size."""
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        size = Path(path).stat().st_size if Path(path).exists() else -1
        if size != last:
            last, since = size, time.monotonic()
        elif time.monotonic() - since >= settle:
            return size
        time.sleep(0.05)
    return last


def new_archive_file(archive_dir, before, stem=None, timeout=10.0):
    """The single .wav that appeared in archive_dir since `before` (a set of names).

    With `stem`, only new files whose name contains it count (sessions that ran concurrently).
    """
    deadline = time.monotonic() + timeout
    while True:
        new = sorted(n for n in wav_files(archive_dir) - before if stem is None or stem in n)
        if new or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    what = f" containing {stem!r}" if stem else ""
    assert len(new) == 1, f"expected exactly one new archive WAV{what} in {archive_dir}, got {new}"
    return Path(archive_dir) / new[0]


# ---------------------------------------------------------------- the stock-like WS client

def stock_json(obj):
    return json.dumps(obj, sort_keys=True, indent=4)


def start_msg(name="test.wav", audio=None, **extra):
    m = {"name": name, "nbest": 1, "signal": "start"}
    if audio is not None:
        m.update(audio.start_fields())
    m.update(extra)
    return stock_json(m)


def end_msg(name="test.wav"):
    return stock_json({"name": name, "nbest": 1, "signal": "end"})


def close_code(ws):
    """The close code the server sent (1006 when the connection broke without a close frame)."""
    return ws.close_code if ws.close_code is not None else 1006


async def recv_json(ws, timeout=30):
    msg = await asyncio.wait_for(ws.recv(), timeout)
    assert isinstance(msg, str), f"server sent a binary frame: {msg[:50]!r}"
    return json.loads(msg)


async def wait_closed(ws, timeout=10):
    """Wait for the close handshake; return the server's close code (1006 if none)."""
    try:
        await asyncio.wait_for(ws.wait_closed(), timeout)
    except asyncio.TimeoutError:
        raise AssertionError(f"server did not close the WebSocket within {timeout}s")
    return close_code(ws)


async def expect_failure(ws, code, what=""):
    """Next message is {"status":"failed","message":...}, then the server closes with `code`."""
    import websockets
    try:
        m = await recv_json(ws)
    except websockets.ConnectionClosed:
        raise AssertionError(f"{what}: connection closed with {close_code(ws)} before any "
                             f"{{'status':'failed'}} message (expected one, then close {code})")
    assert m.get("status") == "failed" and isinstance(m.get("message"), str) and m["message"], \
        f"{what}: expected {{'status':'failed','message':...}}, got {m}"
    got = await wait_closed(ws)
    assert got == code, f"{what}: close code {got}, expected {code} (message was {m})"
    return m


class SessionResult:
    def __init__(self):
        self.ready = None
        self.partials = []          # the "result" of each per-frame reply
        self.reply_latency = []     # seconds from sending a frame to its reply
        self.final = None           # the finished message
        self.final_latency = None   # seconds from sending end to the finished message
        self.close_code = None
        self.sent_bytes = 0
        self.frames = 0
        self.elapsed = None         # connect -> finished message
        self.lag = 0.0              # (realtime) worst lateness of a send behind its schedule
        self.stream_duration = 0.0  # seconds of audio sent (padding included)

    @property
    def text(self):
        return self.final["result"] if self.final else None


async def stream_session(url, audio, name="test.wav", fields=True, realtime=False, extra_start=None,
                         packet_s=PACKET_S, timeout=60, max_size=2 ** 20, abort_after=None):
    """One lock-step session; returns SessionResult.

    fields: send sampleRate/bitsPerSample/channels in start (the variant); realtime: pace packets at
    their audio duration; abort_after: after that many frames (each answered) drop the TCP connection
    without a close frame and return.
    """
    import websockets
    res = SessionResult()
    t0 = time.perf_counter()
    async with websockets.connect(url, max_size=max_size, ping_interval=None, open_timeout=timeout,
                                  close_timeout=5) as ws:
        await ws.send(start_msg(name, audio if fields else None, **(extra_start or {})))
        res.ready = await recv_json(ws, timeout)
        assert res.ready == {"status": "ok", "signal": "server_ready"}, f"start answered {res.ready}"
        packets = audio.packets(packet_s)
        t_start = time.perf_counter()
        for i, p in enumerate(packets):
            if abort_after is not None and i >= abort_after:
                ws.transport.abort()
                res.close_code = 1006
                return res
            if realtime:
                due = t_start + i * packet_s
                now = time.perf_counter()
                if now < due:
                    await asyncio.sleep(due - now)
                else:
                    res.lag = max(res.lag, now - due)
            ts = time.perf_counter()
            await ws.send(p)
            m = await recv_json(ws, timeout)
            res.reply_latency.append(time.perf_counter() - ts)
            assert set(m) == {"result"} and isinstance(m["result"], str), \
                f"reply to binary frame {i} is not {{'result': str}}: {m}"
            res.partials.append(m["result"])
            res.sent_bytes += len(p)
            res.frames += 1
            res.stream_duration = res.sent_bytes / audio.frame_bytes / audio.rate
        ts = time.perf_counter()
        await ws.send(end_msg(name))
        res.final = await recv_json(ws, timeout)
        res.final_latency = time.perf_counter() - ts
        res.elapsed = time.perf_counter() - t0
        res.close_code = await wait_closed(ws)
    return res


def check_final(res, audio_duration=None):
    """The finished message has the upstream shape and the server closed with 1000.

    With audio_duration: word times are also increasing and within [0, audio_duration].
    """
    f = res.final
    assert f is not None
    assert f.get("status") == "ok" and f.get("signal") == "finished", f"end answered {f}"
    assert isinstance(f.get("result"), str), f
    times = f.get("times")
    assert isinstance(times, list), f"`times` missing or not a list: {f}"
    assert res.close_code == 1000, f"after finished the server closed with {res.close_code}, expected 1000"
    for t in times:
        assert isinstance(t, dict) and set(t) >= {"w", "bg", "ed"} and isinstance(t["w"], str), \
            f"bad times entry {t}"
    if f["result"].strip():
        assert times, f"non-empty result but no times: {f}"
    if audio_duration is not None:
        check_times(times, audio_duration)
    return f


def check_times(times, audio_duration):
    """Word times: seconds from the start of this stream, increasing, within the audio."""
    prev_bg = prev_ed = -1e-9
    for t in times:
        bg, ed = float(t["bg"]), float(t["ed"])
        assert 0 <= bg <= ed, f"times entry with bg > ed or negative: {t}"
        assert bg >= prev_bg and ed >= prev_ed, f"times not increasing at {t} (all: {times})"
        assert ed <= audio_duration + 0.1, \
            f"times entry past the end of this stream's audio ({audio_duration:.2f}s): {t} (all: {times})"
        prev_bg, prev_ed = bg, ed


def run(coro, timeout=120):
    return asyncio.run(asyncio.wait_for(coro, timeout=timeout))


# ---------------------------------------------------------------- offline REST ASR (spec §1.2)

def recognise(srv, pcm, rate, lang="en"):
    """Text of s16le mono `pcm` from POST /paddlespeech/asr."""
    body = {"audio": base64.b64encode(to_wav(pcm, rate)).decode("ascii"), "audio_format": "wav",
            "sample_rate": rate, "lang": lang}
    r = requests.post(srv.base + "/paddlespeech/asr", data=json.dumps(body), timeout=60)
    assert r.status_code == 200, r.text[:300]
    j = r.json()
    assert j.get("success") is True, j
    return j["result"]["transcription"]
