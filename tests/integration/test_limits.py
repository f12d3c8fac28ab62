"""Concurrent-session limit: HTTP 503 with a JSON body, WebSocket close 1013."""
import asyncio
import json

import requests
import websockets

from configs import base_config
from tts_clients import ZH_ONE, assert_still_serving, decode_chunk, long_zh_text, stream_tts


def test_max_sessions(start_server, tmp_path):
    cfg = base_config(tmp_path / "saved", max_sessions=2, max_text_chars=20000,
                      max_body_bytes=262144, max_ws_message_bytes=262144)
    srv = start_server(cfg, name="limit2")
    body = json.dumps({"text": long_zh_text(150), "spk_id": 0})

    held = []
    try:
        for _ in range(2):
            r = requests.post(srv.stream_url, data=body, stream=True, timeout=60)
            assert r.status_code == 200
            # keep the iterator referenced: a collected iter_content generator closes the socket
            it = r.iter_content(chunk_size=None)
            held.append((r, it))
            decode_chunk(next(it))  # it is really streaming
        assert srv.stats()["active_sessions"] == 2

        third = stream_tts(srv.stream_url, {"text": ZH_ONE, "spk_id": 0})
        assert third.status == 503, (third.status, third.body)
        assert isinstance(third.body, dict), third.body

        async def ws_try():
            try:
                async with websockets.connect(srv.ws_url, open_timeout=10, close_timeout=5) as ws:
                    try:
                        await ws.send(json.dumps({"task": "tts", "signal": "start"}))
                        while True:
                            msg = await asyncio.wait_for(ws.recv(), 10)
                            m = json.loads(msg)
                            assert m.get("signal") != "server ready", \
                                f"session granted beyond max_sessions: {m}"
                    except websockets.ConnectionClosed as e:
                        return e.rcvd.code if e.rcvd else 1006
            except websockets.InvalidStatusCode as e:
                return f"handshake refused with HTTP {e.status_code}"
        code = asyncio.run(asyncio.wait_for(ws_try(), 30))
        assert code == 1013, f"expected WebSocket close 1013, got {code}"
    finally:
        for r, _ in held:
            r.close()

    srv.wait_stats(lambda s: s["active_sessions"] == 0 and s["synth_active"] == 0, timeout=20)
    assert_still_serving(srv)
    # and the WebSocket path works again
    async def ws_ok():
        async with websockets.connect(srv.ws_url, open_timeout=10) as ws:
            await ws.send(json.dumps({"task": "tts", "signal": "start"}))
            m = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert m["signal"] == "server ready"
    asyncio.run(ws_ok())
