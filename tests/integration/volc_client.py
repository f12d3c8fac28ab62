"""Client for the Volcengine / BytePlus OpenSpeech TTS binary WebSocket (spec §2).

Framing follows the official python demo: every request is sent with the header bytes
``0x11 0x10 0x11 0x00`` (protocol v1, 4-byte header, full client request, JSON, gzip),
then the payload size as a big-endian uint32, then the gzip-compressed JSON.  Responses
are read the way the demo reads them (nibbles of bytes 0..2, payload after
``header_size * 4`` bytes; audio-only responses carry a signed int32 sequence number and
a uint32 size, error frames a uint32 code, a uint32 size and a possibly gzipped message).
The handshake carries ``Authorization: Bearer; <token>`` and no pings.

Also a helper for the HTTP sibling ``POST /api/v1/tts``.
"""
import asyncio
import gzip
import json
import uuid

import requests
import websockets

WS_PATH = "/api/v1/tts/ws_binary"
HTTP_PATH = "/api/v1/tts"
DEMO_HEADER = bytes([0x11, 0x10, 0x11, 0x00])   # full client request, JSON, gzip
PLAIN_HEADER = bytes([0x11, 0x10, 0x10, 0x00])  # full client request, JSON, no compression

MSG_FULL_CLIENT_REQUEST = 0x1
MSG_AUDIO_ONLY = 0xB
MSG_FRONTEND = 0xC
MSG_ERROR = 0xF


def ws_url(srv):
    return f"ws://{srv.host}:{srv.port}{WS_PATH}"


def make_request(text, voice_type="BV001_streaming", encoding="pcm", operation="submit",
                 rate=None, speed_ratio=1.0, volume_ratio=1.0, pitch_ratio=1.0, reqid=None,
                 appid="test-app", token="any", cluster="volcano_tts", uid="voxgate-tests"):
    audio = {"voice_type": voice_type, "encoding": encoding, "speed_ratio": speed_ratio,
             "volume_ratio": volume_ratio, "pitch_ratio": pitch_ratio}
    if rate is not None:
        audio["rate"] = rate
    return {
        "app": {"appid": appid, "token": token, "cluster": cluster},
        "user": {"uid": uid},
        "audio": audio,
        "request": {"reqid": reqid or str(uuid.uuid4()), "text": text, "text_type": "plain",
                    "operation": operation},
    }


def encode_request(req, header=DEMO_HEADER, compress=True):
    """One full-client-request frame: header, uint32 size, (gzipped) JSON."""
    payload = req if isinstance(req, (bytes, bytearray)) else json.dumps(req).encode("utf-8")
    if compress:
        payload = gzip.compress(payload)
    return bytes(header) + len(payload).to_bytes(4, "big") + payload


class Frame:
    """One server message, decoded like the demo does."""

    def __init__(self, data):
        self.raw = data
        self.version = data[0] >> 4
        self.header_size = data[0] & 0x0F
        self.mtype = data[1] >> 4
        self.flags = data[1] & 0x0F
        self.serialization = data[2] >> 4
        self.compression = data[2] & 0x0F
        self.reserved = data[3]
        payload = data[self.header_size * 4:]
        self.sequence = None
        self.declared_size = None
        self.audio = b""
        self.code = None
        self.message = None
        if self.mtype == MSG_AUDIO_ONLY:
            if self.flags != 0:
                self.sequence = int.from_bytes(payload[:4], "big", signed=True)
                self.declared_size = int.from_bytes(payload[4:8], "big", signed=False)
                self.audio = payload[8:]
        elif self.mtype == MSG_FRONTEND:
            self.declared_size = int.from_bytes(payload[:4], "big", signed=False)
            msg = payload[4:]
            if self.compression == 1:
                msg = gzip.decompress(msg)
            self.message = msg.decode("utf-8")
        elif self.mtype == MSG_ERROR:
            self.code = int.from_bytes(payload[:4], "big", signed=False)
            self.declared_size = int.from_bytes(payload[4:8], "big", signed=False)
            msg = payload[8:]
            if self.compression == 1:
                msg = gzip.decompress(msg)
            self.message = msg.decode("utf-8")

    @property
    def is_ack(self):
        return self.mtype == MSG_AUDIO_ONLY and self.flags == 0

    def error_json(self):
        return json.loads(self.message)

    def __repr__(self):
        if self.mtype == MSG_AUDIO_ONLY:
            return f"<audio flags={self.flags} seq={self.sequence} {len(self.audio)}B>"
        if self.mtype == MSG_ERROR:
            return f"<error {self.code} {self.message!r}>"
        return f"<frame type={self.mtype:#x} flags={self.flags} {len(self.raw)}B>"


class Result:
    def __init__(self):
        self.frames = []
        self.audio = bytearray()
        self.error = None  # the error Frame, if any

    @property
    def ok(self):
        return self.error is None and bool(self.frames) and self.frames[-1].mtype == MSG_AUDIO_ONLY

    def __repr__(self):
        return f"<Result {len(self.audio)}B error={self.error!r} frames={self.frames[:4]!r}...>"


async def receive_result(ws, timeout=30.0, max_frames=100000):
    """Read frames until the negative-sequence audio frame or an error frame (demo logic)."""
    res = Result()
    for _ in range(max_frames):
        msg = await asyncio.wait_for(ws.recv(), timeout)
        if isinstance(msg, str):
            raise AssertionError(f"server sent a text WebSocket message: {msg[:200]!r}")
        f = Frame(msg)
        res.frames.append(f)
        if f.mtype == MSG_AUDIO_ONLY:
            if f.flags == 0:
                continue  # ACK: no payload
            res.audio += f.audio
            if f.sequence < 0:
                break
        elif f.mtype == MSG_ERROR:
            res.error = f
            break
        elif f.mtype == MSG_FRONTEND:
            continue
        else:
            raise AssertionError(f"unexpected message type {f.mtype:#x} in {msg[:16]!r}")
    res.audio = bytes(res.audio)
    return res


def connect(url, token=None, authorization=None, **kw):
    """websockets.connect with the demo's handshake header (``Bearer; <token>``), no pings."""
    headers = {}
    if authorization is not None:
        headers["Authorization"] = authorization
    elif token is not None:
        headers["Authorization"] = f"Bearer; {token}"
    kw.setdefault("open_timeout", 10)
    kw.setdefault("close_timeout", 5)
    return websockets.connect(url, extra_headers=headers, ping_interval=None, **kw)


async def request(ws, req, timeout=30.0, header=DEMO_HEADER, compress=True):
    await ws.send(encode_request(req, header=header, compress=compress))
    return await receive_result(ws, timeout=timeout)


async def synthesize(url, text, token="demo-token", timeout=30.0, **req_kw):
    """One connection, one request (handshake header like the demo); returns the Result."""
    async with connect(url, token=token) as ws:
        return await request(ws, make_request(text, **req_kw), timeout=timeout)


def run(coro, timeout=120):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def http_query(srv, req, token=None, authorization=None, timeout=30):
    """POST /api/v1/tts with ``Authorization: Bearer;<token>`` (the HTTP doc's form)."""
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    elif token is not None:
        headers["Authorization"] = f"Bearer;{token}"
    return requests.post(srv.base + HTTP_PATH, data=json.dumps(req), headers=headers, timeout=timeout)
