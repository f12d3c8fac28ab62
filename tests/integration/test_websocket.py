"""WebSocket streaming TTS (spec §1.5) with the `websockets` client, three generations."""
import asyncio
import base64
import json

import pytest
import websockets

from audio_checks import assert_plausible_speech, pcm_stats
from tts_clients import HEX32, ZH_ONE, ZH_TWO, assert_still_serving, long_zh_text, stream_tts

TIMEOUT = 30


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, timeout=90))


def close_code(exc):
    return exc.rcvd.code if exc.rcvd is not None else 1006


async def recv_json(ws):
    msg = await asyncio.wait_for(ws.recv(), TIMEOUT)
    assert isinstance(msg, str), f"server sent a binary frame: {msg[:50]!r}"
    return json.loads(msg)


async def start(ws):
    await ws.send(json.dumps({"task": "tts", "signal": "start"}))
    m = await recv_json(ws)
    assert m["status"] == 0 and m["signal"] == "server ready", m
    sid = m["session"]
    assert isinstance(sid, str) and len(sid) == 32 and set(sid) <= HEX32, sid
    return sid


async def collect_audio(ws):
    """Read status-1 frames until status 2; return (pcm, number of pieces)."""
    pcm, n = bytearray(), 0
    while True:
        m = await recv_json(ws)
        if m["status"] == 1:
            piece = base64.b64decode(m["audio"], validate=True)
            assert len(piece) > 0 and len(piece) % 2 == 0
            pcm += piece
            n += 1
        elif m["status"] == 2:
            assert m["audio"] == ""
            return bytes(pcm), n
        else:
            raise AssertionError(f"unexpected message while waiting for audio: {m}")


async def end(ws, sid):
    await ws.send(json.dumps({"task": "tts", "signal": "end", "session": sid}))
    m = await recv_json(ws)
    assert m.get("status") == 0 and m.get("signal") == "connection will be closed", m
    assert m.get("session") == sid, m
    await expect_close(ws, 1000)


async def expect_close(ws, code, allow_messages=False):
    """Wait for the server to close with `code`; return messages seen before the close."""
    seen = []
    try:
        while True:
            msg = await asyncio.wait_for(ws.recv(), TIMEOUT)
            if not allow_messages:
                raise AssertionError(f"expected close {code}, got message {msg[:200]!r}")
            seen.append(msg)
    except websockets.ConnectionClosed as e:
        assert close_code(e) == code, f"expected close code {code}, got {e}"
    return seen


def connect(server, **kw):
    return websockets.connect(server.ws_url, open_timeout=TIMEOUT, close_timeout=5, **kw)


# ------------------------------------------------------------------ generations

def test_generation_c_plain_text(server):
    async def go():
        async with connect(server) as ws:
            sid = await start(ws)
            await ws.send(json.dumps({"text": ZH_TWO, "spk_id": 0}))
            pcm, n = await collect_audio(ws)
            assert n >= 2
            assert_plausible_speech(pcm, lo=0.5, hi=15.0)
            await end(ws, sid)
            return pcm
    pcm = run(go())
    # same audio as over HTTP for the same request
    http = stream_tts(server.stream_url, {"text": ZH_TWO, "spk_id": 0})
    assert abs(len(http.pcm) - len(pcm)) <= 0.05 * len(pcm)


def test_generation_b_base64_text(server):
    b64 = base64.b64encode(ZH_TWO.encode()).decode()

    async def go():
        async with connect(server) as ws:
            sid = await start(ws)
            await ws.send(json.dumps({"text": b64}))  # no spk_id: seed-000 style
            b_pcm, _ = await collect_audio(ws)
            await ws.send(json.dumps({"text": ZH_TWO, "spk_id": 0}))
            c_pcm, _ = await collect_audio(ws)
            await end(ws, sid)
            return b_pcm, c_pcm
    b_pcm, c_pcm = run(go())
    assert_plausible_speech(b_pcm, lo=0.5, hi=15.0)
    # if the base64 were spoken as latin letters the length would be very different
    assert abs(len(b_pcm) - len(c_pcm)) <= 0.05 * len(c_pcm), (len(b_pcm), len(c_pcm))


def test_generation_a_no_start(server):
    b64 = base64.b64encode(ZH_ONE.encode()).decode()

    async def go():
        async with connect(server) as ws:
            await ws.send(json.dumps({"text": b64}))
            pcm, _ = await collect_audio(ws)
            await expect_close(ws, 1000)
            return pcm
    assert_plausible_speech(run(go()))


def test_several_texts_in_order(server):
    texts = ["今天天气很好。", "Hello, world.", "欢迎使用语音合成服务。我们去公园散步吧。"]

    async def one(text):
        async with connect(server) as ws:
            sid = await start(ws)
            await ws.send(json.dumps({"text": text, "spk_id": 0}))
            pcm, _ = await collect_audio(ws)
            await end(ws, sid)
            return pcm

    async def go():
        singles = [await one(t) for t in texts]
        async with connect(server) as ws:
            sid = await start(ws)
            # send all texts at once: the server must answer them in order
            for t in texts:
                await ws.send(json.dumps({"text": t, "spk_id": 0}))
            seq = [(await collect_audio(ws))[0] for _ in texts]
            await end(ws, sid)
        return singles, seq
    singles, seq = run(go())
    for i, (a, b) in enumerate(zip(singles, seq)):
        assert abs(len(a) - len(b)) <= 0.05 * len(a), f"text {i}: answer out of order or wrong"


def test_ws_options_speed_and_rate(server):
    async def synth(**fields):
        async with connect(server) as ws:
            sid = await start(ws)
            await ws.send(json.dumps({"text": ZH_TWO, "spk_id": 0, **fields}))
            pcm, _ = await collect_audio(ws)
            await end(ws, sid)
            return pcm

    async def go():
        return await synth(), await synth(speed=2.0), await synth(sample_rate=16000), \
            await synth(volume=0.5)
    ref, fast, low, soft = run(go())
    assert len(fast) / len(ref) < 0.8
    assert 0.6 <= len(low) / len(ref) <= 0.73
    assert pcm_stats(soft)[1] < 0.8 * pcm_stats(ref)[1]


# ------------------------------------------------------------------ bad input

def test_unknown_signal(server):
    async def go():
        async with connect(server) as ws:
            sid = await start(ws)
            await ws.send(json.dumps({"task": "tts", "signal": "dance"}))
            m = await recv_json(ws)
            assert m["status"] == 0 and m["signal"] == "no valid json data", m
            await ws.send(json.dumps({"text": ZH_ONE, "spk_id": 0}))
            pcm, _ = await collect_audio(ws)
            assert_plausible_speech(pcm)
            await end(ws, sid)
    run(go())
    assert_still_serving(server)


@pytest.mark.parametrize("frame", ['{"text": "今天",', "not json", "[1, 2, 3]"],
                         ids=["truncated", "garbage", "json-array"])
def test_invalid_json_frame(server, frame):
    async def go():
        async with connect(server) as ws:
            sid = await start(ws)
            await ws.send(frame)
            m = await recv_json(ws)
            assert m["status"] == -1 and m["audio"] == "" and "message" in m, m
            # connection still usable
            await ws.send(json.dumps({"text": ZH_ONE, "spk_id": 0}))
            pcm, _ = await collect_audio(ws)
            assert_plausible_speech(pcm)
            await end(ws, sid)
    run(go())
    assert_still_serving(server)


def test_binary_frame_closes_1003(server):
    async def go():
        async with connect(server) as ws:
            await start(ws)
            await ws.send(b"\x00\x01binary audio?")
            seen = await expect_close(ws, 1003, allow_messages=True)
            assert len(seen) >= 1, "expected a JSON error message before the close"
            err = json.loads(seen[0])
            assert isinstance(err, dict), err
    run(go())
    assert_still_serving(server)


def test_text_over_limit_closes_1009(server):
    async def go():
        async with connect(server) as ws:
            await start(ws)
            await ws.send(json.dumps({"text": "好" * 600, "spk_id": 0}))
            await expect_close(ws, 1009, allow_messages=True)
    run(go())
    assert_still_serving(server)


def test_message_over_limit_closes_1009(server):
    async def go():
        async with connect(server) as ws:
            await start(ws)
            await ws.send(json.dumps({"text": ZH_ONE, "spk_id": 0, "pad": "x" * 70000}))
            await expect_close(ws, 1009, allow_messages=True)
    run(go())
    assert_still_serving(server)


def test_end_during_synthesis_stops_it(big_server):
    srv = big_server
    n_sentences = 150
    before = srv.wait_idle()

    async def go():
        async with connect(srv) as ws:
            sid = await start(ws)
            await ws.send(json.dumps({"text": long_zh_text(n_sentences), "spk_id": 0}))
            m = await recv_json(ws)
            assert m["status"] == 1, m
            await ws.send(json.dumps({"task": "tts", "signal": "end", "session": sid}))
            # status 1 frames already in flight and possibly a status 2 may come first
            while True:
                m = await recv_json(ws)
                if m.get("status") in (1, 2):
                    continue
                assert m.get("status") == 0 and m.get("signal") == "connection will be closed", m
                assert m.get("session") == sid
                break
            await expect_close(ws, 1000)
    run(go())
    after = srv.wait_stats(lambda s: s["synth_active"] == 0, timeout=20)
    assert after["synth_cancelled"] >= before["synth_cancelled"] + 1, (before, after)
    grown = after["clauses_synthesized"] - before["clauses_synthesized"]
    assert grown < n_sentences, f"{grown} of {n_sentences} clauses synthesized after end"
    assert_still_serving(srv)


def test_ws_close_during_synthesis_stops_it(big_server):
    srv = big_server
    n_sentences = 150
    before = srv.wait_idle()

    async def go():
        ws = await connect(srv)
        await start(ws)
        await ws.send(json.dumps({"text": long_zh_text(n_sentences), "spk_id": 0}))
        m = await recv_json(ws)
        assert m["status"] == 1, m
        ws.transport.abort()  # the client vanishes without a close handshake
    run(go())
    after = srv.wait_stats(lambda s: s["synth_active"] == 0, timeout=20)
    assert after["synth_cancelled"] >= before["synth_cancelled"] + 1, (before, after)
    assert after["clauses_synthesized"] - before["clauses_synthesized"] < n_sentences
    srv.wait_idle()
    assert_still_serving(srv)
