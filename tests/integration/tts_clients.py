"""TTS protocol clients for the integration tests: PaddleSpeech streaming and offline HTTP, the session API.

The streaming client deliberately behaves like the upstream PaddleSpeech client (spec §1.9):
``requests.post(url, data=json.dumps(body), stream=True)`` with no Content-Type header,
``iter_content(chunk_size=None)`` and one independent ``base64.b64decode`` per HTTP chunk.
The Volcengine binary WebSocket client is volc_client.py.
"""
import base64
import binascii
import json
import time

import requests

from audio_checks import assert_plausible_speech, read_wav_bytes

ZH_TWO = "您好，欢迎使用语音合成服务。今天天气很好。"
ZH_ONE = "今天天气很好。"
EN_TEXT = "Hello, and welcome to the speech synthesis service."
MIXED_TEXT = "我们使用 voxgate 来合成语音。This is a test."
HEX32 = set("0123456789abcdef")


def recv_until_close(sock):
    """Every byte a raw (or TLS-wrapped) socket receives until the server closes it."""
    data = bytearray()
    while True:
        piece = sock.recv(65536)
        if not piece:
            return bytes(data)
        data += piece


async def tts_websocket_session(url, text=ZH_ONE):
    """One PaddleSpeech TTS WebSocket session: start, one text, end, the server's close.

    Returns (pcm, close code)."""
    import asyncio
    import websockets
    async with websockets.connect(url, open_timeout=30, close_timeout=5, ping_interval=None) as ws:
        await ws.send(json.dumps({"task": "tts", "signal": "start"}))
        ready = json.loads(await asyncio.wait_for(ws.recv(), 30))
        assert ready["signal"] == "server ready", ready
        await ws.send(json.dumps({"text": text, "spk_id": 0}))
        pcm = bytearray()
        while True:
            m = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if m["status"] != 1:
                assert m["status"] == 2, m
                break
            pcm += base64.b64decode(m["audio"])
        await ws.send(json.dumps({"task": "tts", "signal": "end", "session": ready["session"]}))
        await asyncio.wait_for(ws.recv(), 10)  # "connection will be closed"
        await asyncio.wait_for(ws.wait_closed(), 10)
        return bytes(pcm), ws.close_code


def long_zh_text(n):
    """n short sentences with no internal punctuation (one clause each)."""
    base = ["今天天气很好", "我们去公园散步", "欢迎使用语音合成服务", "这是一个很长的测试文本",
            "请稍等片刻", "谢谢您的耐心"]
    return "".join(base[i % len(base)] + "。" for i in range(n))


# ---------------------------------------------------------------- PaddleSpeech streaming HTTP

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


def assert_still_serving(server, text=ZH_ONE):
    """A normal request after a bad one must still work."""
    r = requests.get(server.base + "/api/healthz", timeout=5)
    assert r.status_code == 200, r.text
    res = stream_tts(server.stream_url, {"text": text, "spk_id": 0})
    assert res.status == 200, (res.status, res.body)
    assert_plausible_speech(res.pcm)


# ---------------------------------------------------------------- PaddleSpeech offline HTTP

def rest_tts(srv, body):
    r = requests.post(srv.base + "/paddlespeech/tts", data=json.dumps(body, ensure_ascii=False).encode(),
                      timeout=60)
    assert r.status_code == 200, r.text[:300]
    j = r.json()
    assert j.get("success") is True and j.get("code") == 200, j
    return j["result"]


def rest_pcm(srv, text, rate=0, **body):
    """PCM of `text` from POST /paddlespeech/tts; returns (pcm, rate)."""
    res = rest_tts(srv, {"text": text, "sample_rate": rate, **body})
    w = read_wav_bytes(base64.b64decode(res["audio"], validate=True))
    assert (w["channels"], w["sampwidth"]) == (1, 2), w
    return w["pcm"], w["rate"]


# ---------------------------------------------------------------- chunked answers, session API (spec §3)

class HttpStream:
    """A finished streamed HTTP answer: status, headers, body, the HTTP chunks, parsed JSON."""

    def __init__(self, status, headers, chunks, complete=True, error=None):
        self.status = status
        self.headers = headers
        self.chunks = chunks
        self.body = b"".join(chunks)
        self.complete = complete  # terminating chunk seen (no transfer error)
        self.error = error
        self.json = None
        if status != 200:
            try:
                self.json = json.loads(self.body)
            except ValueError:
                pass

    def __repr__(self):
        return (f"<HttpStream {self.status} {len(self.body)} bytes complete={self.complete} "
                f"json={self.json!r} error={self.error!r}>")


def post_stream(url, body=None, headers=None, timeout=60, raw=None, total_timeout=60):
    """POST JSON and read the whole (chunked) answer, one list entry per HTTP chunk.

    A transfer that breaks off (no terminating chunk) is returned with complete=False.
    """
    kw = {"data": raw} if raw is not None else {"json": body}
    resp = requests.post(url, headers=headers or {}, stream=True, timeout=timeout, **kw)
    chunks, complete, error = [], True, None
    deadline = time.monotonic() + total_timeout
    try:
        for chunk in resp.iter_content(chunk_size=None):
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise AssertionError(f"{url}: body still streaming after {total_timeout}s")
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as e:
        complete, error = False, e
    finally:
        resp.close()
    return HttpStream(resp.status_code, resp.headers, chunks, complete, error)


def session_stream(srv, body, token=None, **kw):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return post_stream(srv.base + "/api/tts/stream", body, headers=headers, **kw)


def session_pcm(srv, text, voice_type=None, rate=24000, token=None, **extra):
    """Reference PCM of `text` from the session API (format pcm)."""
    body = {"text": text, "format": "pcm", "sample_rate": rate}
    if voice_type is not None:
        body["voice_type"] = voice_type
    body.update(extra)
    res = session_stream(srv, body, token=token)
    assert res.status == 200, (res.status, res.json, res.body[:200])
    assert res.complete, res.error
    return res.body
