"""A WebSocket client that sends many tiny messages and never reads (issue 11, defect 2).

Every message the server queues on a connection, control replies included, counts against
that connection's bound; past it the server stops reading the socket, so the flood backs up
into the client's own send buffer instead of the server's memory. Meanwhile other clients are
served. Checked on the PaddleSpeech TTS WebSocket (spec §1.5: `{}` gets a "no valid json
data" reply) and the Volcengine one (spec §2.5: every bad message gets an error frame).
"""
import asyncio
import base64
import os
import socket

import pytest

import volc_client as vc
from audio_checks import assert_plausible_speech
from configs import agent_config
from tts_clients import ZH_ONE, assert_still_serving, tts_websocket_session

FLOOD_BYTES = 24 << 20
MAX_GROWTH_KIB = 64 << 10
STALL_S = 5  # a send blocked this long: the server has stopped reading (not asserted on)

# Client frames must be masked; an all-zero mask leaves the payload as it is.
EMPTY_OBJECT = b"\x81\x82\x00\x00\x00\x00{}"      # text `{}`
ONE_BYTE_BINARY = b"\x82\x81\x00\x00\x00\x00\x00"  # binary, one zero byte


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS in /proc/{pid}/status")


def raw_websocket(srv, path):
    """A handshaken WebSocket on a plain socket, so nothing is ever read behind our back."""
    s = socket.create_connection((srv.host, srv.port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: {srv.host}:{srv.port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
              .encode())
    head = b""
    while b"\r\n\r\n" not in head:
        byte = s.recv(1)  # one at a time: the server sends nothing past the 101 unasked
        assert byte, f"connection closed during the handshake: {head!r}"
        head += byte
    assert head.split(b"\r\n", 1)[0].split()[1] == b"101", head
    return s


def flood(sock, frame, total):
    """Send `frame` over and over until `total` bytes went out or the socket stops taking them."""
    chunk = frame * (65536 // len(frame))
    sent = 0
    sock.settimeout(STALL_S)
    try:
        while sent < total:
            sock.sendall(chunk)
            sent += len(chunk)
    except socket.timeout:
        pass
    return sent


def assert_served(srv):
    """A TTS WebSocket session, a Volcengine submit and an HTTP stream all complete."""
    pcm, _ = asyncio.run(asyncio.wait_for(tts_websocket_session(srv.ws_url), 60))
    assert_plausible_speech(pcm)
    res = vc.run(vc.synthesize(vc.ws_url(srv), ZH_ONE))
    assert res.ok, res
    assert_plausible_speech(res.audio)
    assert_still_serving(srv)


@pytest.mark.parametrize("path,frame", [
    ("/paddlespeech/tts/streaming", EMPTY_OBJECT),
    (vc.WS_PATH, ONE_BYTE_BINARY),
    (vc.WS_PATH, EMPTY_OBJECT),
], ids=["paddlespeech-tts-empty-objects", "volcengine-one-byte-frames", "volcengine-text-messages"])
def test_client_that_never_reads_is_bounded(start_server, tmp_path, path, frame):
    srv = start_server(agent_config(tmp_path / "saved"), name="flood")
    assert_served(srv)  # first-use allocations happen before the baseline
    before = vm_rss_kib(srv.proc.pid)

    flooder = raw_websocket(srv, path)
    try:
        flood(flooder, frame, FLOOD_BYTES)
        assert_served(srv)  # while the flooder's replies sit unread
        grown = vm_rss_kib(srv.proc.pid) - before
        assert grown < MAX_GROWTH_KIB, \
            f"server grew by {grown >> 10} MiB while one client sent tiny messages and never read"
    finally:
        flooder.close()
    srv.wait_stats(lambda s: s["active_sessions"] == 0, timeout=30)
    assert_still_serving(srv)
