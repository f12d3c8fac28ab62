"""Volcengine / BytePlus OpenSpeech binary WebSocket TTS (spec §2) and POST /api/v1/tts.

The client (volc_client.py) frames requests exactly like the official python demo.
"""
import asyncio
import base64
import gzip
import http.client
import json
import os
import uuid

import pytest
import websockets

import volc_client as vc
from audio_checks import (assert_decodes, assert_other_voice, assert_same_voice, median_f0, parse_wav_header,
                          pcm_stats)
from configs import VOLC_TOKEN, agent_config
from tts_clients import ZH_ONE, ZH_TWO, long_zh_text, session_pcm


def dur(pcm, rate=24000):
    return len(pcm) / 2 / rate


def assert_submit_ok(res, what="submit"):
    """ACK (optional, first) · audio flags 1 with seq 1,2,3… · one final flags 3, seq < 0, audio."""
    assert res.error is None, f"{what}: error frame {res.error!r}"
    frames = res.frames
    assert frames, f"{what}: no frames"
    for f in frames:
        assert (f.version, f.header_size, f.reserved) == (1, 1, 0), f"{what}: header {f.raw[:4].hex()}"
        assert f.mtype == vc.MSG_AUDIO_ONLY, f"{what}: message type {f.mtype:#x}"
    body = frames[1:] if frames[0].is_ack else frames
    assert body, f"{what}: only an ACK"
    for i, f in enumerate(body):
        assert not f.is_ack, f"{what}: ACK frame at position {i + 1}, only allowed first"
        assert f.serialization == 0 and f.compression == 0, f"{what}: audio header {f.raw[:4].hex()}"
        assert f.declared_size == len(f.audio), \
            f"{what}: frame {i} declares {f.declared_size} bytes, carries {len(f.audio)}"
        assert len(f.audio) > 0, f"{what}: empty audio in frame {i} ({f!r})"
    assert all(f.flags == 1 for f in body[:-1]), f"{what}: flags {[f.flags for f in body]}"
    assert [f.sequence for f in body[:-1]] == list(range(1, len(body))), \
        f"{what}: sequences {[f.sequence for f in body]}"
    last = body[-1]
    assert last.flags == 3 and last.sequence < 0, f"{what}: final frame {last!r}"
    return res.audio


def assert_error(res, code, what="request"):
    assert res.error is not None, f"{what}: expected error {code}, got {res!r}"
    f = res.error
    assert f.code == code, f"{what}: error code {f.code} ({f.message}), expected {code}"
    assert f.serialization == 1 and f.compression == 0, f"{what}: error header {f.raw[:4].hex()}"
    assert f.declared_size == len(f.raw) - 12, f"{what}: declared {f.declared_size}, frame {len(f.raw)}"
    j = f.error_json()
    assert j.get("code") == code and isinstance(j.get("message"), str) and j["message"], j
    return j


@pytest.fixture(scope="module")
def url(agent_server):
    return vc.ws_url(agent_server)


@pytest.fixture(scope="module")
def ref_pcm(agent_server):
    return session_pcm(agent_server, ZH_TWO)


# ---------------------------------------------------------------- submit / query

def test_submit_pcm_default_rate(url, ref_pcm):
    res = vc.run(vc.synthesize(url, ZH_TWO))
    pcm = assert_submit_ok(res)
    assert len(pcm) % 2 == 0
    assert abs(dur(pcm) - dur(ref_pcm)) <= 0.05 * dur(ref_pcm), (dur(pcm), dur(ref_pcm))
    assert pcm_stats(pcm)[0] > 500
    assert len([f for f in res.frames if not f.is_ack]) >= 2, "a two-sentence text in one frame"


def test_query_is_one_frame(url, ref_pcm):
    async def go():
        async with vc.connect(url) as ws:
            await ws.send(vc.encode_request(vc.make_request(ZH_TWO, operation="query")))
            f = vc.Frame(await asyncio.wait_for(ws.recv(), 30))  # the demo calls recv() once
            try:
                extra = await asyncio.wait_for(ws.recv(), 0.5)
            except asyncio.TimeoutError:
                extra = None
            return f, extra
    f, extra = vc.run(go())
    assert f.mtype == vc.MSG_AUDIO_ONLY and f.flags == 3 and f.sequence < 0, f
    assert f.declared_size == len(f.audio)
    assert extra is None, f"query answered with more than one frame: {vc.Frame(extra)!r}"
    assert abs(dur(f.audio) - dur(ref_pcm)) <= 0.05 * dur(ref_pcm), (dur(f.audio), dur(ref_pcm))


@pytest.mark.parametrize("encoding,rate,operation", [
    ("pcm", 8000, "submit"), ("pcm", 16000, "submit"),
    ("wav", None, "submit"), ("wav", 16000, "query"),
    ("mp3", None, "submit"), ("mp3", 16000, "submit"), ("mp3", 8000, "query"),
    ("ogg_opus", None, "submit"), ("ogg_opus", 16000, "query"),
])
def test_encodings(url, ref_pcm, encoding, rate, operation):
    res = vc.run(vc.synthesize(url, ZH_TWO, encoding=encoding, rate=rate, operation=operation))
    if operation == "submit":
        audio = assert_submit_ok(res, what=encoding)
    else:
        assert res.error is None and len(res.frames) == 1, res
        audio = res.audio
    r = rate or 24000
    ref = dur(ref_pcm)
    what = f"{encoding}@{r} {operation}"
    if encoding == "pcm":
        assert len(audio) % 2 == 0
        assert abs(len(audio) / 2 / r - ref) <= 0.05 * ref, (len(audio) / 2 / r, ref)
    elif encoding == "wav":
        h = parse_wav_header(audio)
        assert (h["format_tag"], h["channels"], h["rate"], h["bits"]) == (1, 1, r, 16), h
        assert_decodes(audio, ".wav", "pcm_s16le", rate=r, ref_duration=ref, what=what)
    elif encoding == "mp3":
        assert_decodes(audio, ".mp3", "mp3", rate=r, ref_duration=ref, what=what)
    else:
        assert audio[:4] == b"OggS", audio[:16]
        assert_decodes(audio, ".ogg", "opus", ref_duration=ref, what=what)


def test_uncompressed_request(url):
    async def go():
        async with vc.connect(url) as ws:
            return await vc.request(ws, vc.make_request(ZH_ONE), header=vc.PLAIN_HEADER, compress=False)
    assert_submit_ok(vc.run(go()), what="uncompressed JSON request")


def test_several_requests_on_one_connection(url):
    async def go():
        out = []
        async with vc.connect(url) as ws:
            out.append(await vc.request(ws, vc.make_request(ZH_ONE)))
            await asyncio.sleep(0.3)
            assert ws.open, "socket closed after the final frame"
            out.append(await vc.request(ws, vc.make_request(ZH_TWO, operation="query", encoding="mp3")))
            out.append(await vc.request(ws, vc.make_request(ZH_TWO, voice_type="BV002_streaming")))
            out.append(await vc.request(ws, vc.make_request(ZH_ONE, encoding="ogg_opus")))
            await asyncio.sleep(0.3)
            assert ws.open, "socket closed after the final frame"
            await asyncio.wait_for(await ws.ping(), 5)
            # clients send the next request as soon as they have the final frame
            for i in range(10):
                r = await vc.request(ws, vc.make_request(ZH_ONE, operation=("submit", "query")[i % 2]))
                assert r.error is None, \
                    f"back-to-back request {i + 1} right after the previous final frame: {r.error!r}"
        return out
    a, b, c, d = vc.run(go())
    assert_submit_ok(a, "1st submit")
    assert b.error is None and len(b.frames) == 1 and b.frames[0].sequence < 0, b
    assert_decodes(b.audio, ".mp3", "mp3", what="2nd (query mp3)")
    assert_submit_ok(c, "3rd submit")
    assert_decodes(assert_submit_ok(d, "4th submit"), ".ogg", "opus", what="4th (ogg_opus)")


def test_back_to_back_requests(url):
    """8 connections, each sending its next request the moment the final frame arrived."""
    async def one(errors):
        async with vc.connect(url, token="demo-token") as ws:
            for i in range(25):
                r = await vc.request(ws, vc.make_request("你好。", operation=("submit", "query")[i % 2]))
                if r.error is not None:
                    errors.append((i, r.error.code, r.error.message))
                else:
                    assert r.audio, r

    async def go():
        errors = []
        await asyncio.gather(*[one(errors) for _ in range(8)])
        return errors
    errors = vc.run(go())
    assert not errors, f"{len(errors)} of 200 back-to-back requests refused, e.g. {errors[:2]}"


def test_logid_header(url):
    async def go():
        ids = []
        for _ in range(2):
            async with vc.connect(url) as ws:
                ids.append(ws.response_headers.get("X-Tt-Logid"))
        return ids
    ids = vc.run(go())
    assert all(ids), f"no X-Tt-Logid on the handshake: {ids}"
    assert ids[0] != ids[1], f"X-Tt-Logid repeats: {ids}"


def test_voice_mapping_and_fallback(url):
    async def go():  # one connection each: reuse is tested on its own
        return {v: await vc.synthesize(url, ZH_ONE, voice_type=v)
                for v in ("BV001_streaming", "BV002_streaming", "female", "nope")}
    r = vc.run(go())
    a = {v: assert_submit_ok(res, v) for v, res in r.items()}
    assert_same_voice(a["BV002_streaming"], a["female"], what="BV002_streaming vs female")
    assert_other_voice(a["BV002_streaming"], a["BV001_streaming"], what="BV002_streaming vs BV001_streaming")
    assert_same_voice(a["nope"], a["BV001_streaming"], what="unknown voice (fallback) vs default")


def test_speed_volume_pitch_ratios(url):
    async def go():
        return [assert_submit_ok(await vc.synthesize(url, ZH_TWO, **kw), str(kw))
                for kw in ({}, {"speed_ratio": 2.0}, {"volume_ratio": 0.3}, {"pitch_ratio": 1.5})]
    base, fast, soft, high = vc.run(go())
    assert dur(fast) <= 0.75 * dur(base), (dur(fast), dur(base))
    assert pcm_stats(soft)[1] < 0.6 * pcm_stats(base)[1]
    assert abs(dur(high) - dur(base)) <= 0.15 * dur(base), (dur(high), dur(base))
    f_base, f_high = median_f0(base, 24000), median_f0(high, 24000)
    assert 1.3 <= f_high / f_base <= 1.7, f"pitch_ratio 1.5: {f_high:.0f} Hz vs {f_base:.0f} Hz"


# ---------------------------------------------------------------- request errors

def _drop_reqid(req):
    del req["request"]["reqid"]
    return req


def _set(section, key, value):
    def f(req):
        req[section][key] = value
        return req
    return f


LONG_1024 = "今天天气很好。" * 49        # 1029 UTF-8 bytes
FIT_1024 = "今天天气很好。" * 48         # 1008 bytes


@pytest.mark.parametrize("mutate,code", [
    (_set("request", "operation", "foo"), 3001),
    (_drop_reqid, 3001),
    (_set("request", "text", ""), 3011),
    (_set("request", "text", "。！"), 3011),
    (_set("request", "text", LONG_1024), 3010),
    (_set("audio", "encoding", "flac"), 3001),
    (_set("audio", "speed_ratio", 5), 3001),
], ids=["operation-foo", "no-reqid", "empty-text", "punctuation-only", "text-1029-bytes",
        "encoding-flac", "speed-5"])
def test_request_errors(agent_server, url, mutate, code):
    req = mutate(vc.make_request(ZH_ONE))

    async def go():
        async with vc.connect(url) as ws:
            res = await vc.request(ws, req)
            # the connection still serves a good request afterwards, or closes cleanly
            try:
                nxt = await vc.request(ws, vc.make_request(ZH_ONE))
            except websockets.ConnectionClosed as e:
                assert e.rcvd is not None, f"connection torn down without a close frame: {e!r}"
                nxt = None
            return res, nxt
    res, nxt = vc.run(go())
    assert_error(res, code)
    if nxt is not None:
        assert_submit_ok(nxt, "request after an error on the same connection")

    # the HTTP sibling answers the same code with a non-200 status
    hreq = mutate(vc.make_request(ZH_ONE, operation="query"))
    r = vc.http_query(agent_server, hreq)
    assert r.status_code == 400, (r.status_code, r.text[:300])
    j = r.json()
    assert j.get("code") == code and j.get("message"), j


def test_text_at_limit_is_accepted(url):
    assert len(FIT_1024.encode()) <= 1024 < len(LONG_1024.encode())
    res = vc.run(vc.synthesize(url, FIT_1024, timeout=60))
    assert_submit_ok(res, "1008-byte text")


def test_unknown_voice_rejected_when_configured(agent_auth_server):
    url = vc.ws_url(agent_auth_server)
    res = vc.run(vc.synthesize(url, ZH_ONE, token=VOLC_TOKEN, voice_type="nope"))
    assert_error(res, 3050)
    ok = vc.run(vc.synthesize(url, ZH_ONE, token=VOLC_TOKEN, voice_type="BV002_streaming"))
    assert_submit_ok(ok, "mapped voice on the reject server")
    r = vc.http_query(agent_auth_server, vc.make_request(ZH_ONE, voice_type="nope", operation="query"),
                      token=VOLC_TOKEN)
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert r.json().get("code") == 3050, r.text


# ---------------------------------------------------------------- malformed frames

def _frame(header, payload, size=None):
    return bytes(header) + (len(payload) if size is None else size).to_bytes(4, "big") + payload


_GOOD_JSON = json.dumps(vc.make_request(ZH_ONE)).encode()
_GOOD_GZ = gzip.compress(_GOOD_JSON)

MALFORMED = {
    "version-2": _frame([0x21, 0x10, 0x11, 0x00], _GOOD_GZ),
    "header-size-0": _frame([0x10, 0x10, 0x11, 0x00], _GOOD_GZ),
    "message-type-2": _frame([0x11, 0x20, 0x11, 0x00], _GOOD_GZ),
    "size-beyond-frame": _frame([0x11, 0x10, 0x11, 0x00], _GOOD_GZ, size=len(_GOOD_GZ) + 100),
    "truncated-3-bytes": bytes([0x11, 0x10, 0x11]),
    "header-only": bytes([0x11, 0x10, 0x11, 0x00]),
    "invalid-gzip": _frame([0x11, 0x10, 0x11, 0x00], b"this is not gzip data at all"),
    "invalid-json": _frame([0x11, 0x10, 0x11, 0x00], gzip.compress(b'{"app": {"appid": ')),
    "json-not-object": _frame([0x11, 0x10, 0x11, 0x00], gzip.compress(b"[1, 2, 3]")),
    "text-message": _GOOD_JSON.decode(),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_frames(url, name):
    msg = MALFORMED[name]

    async def go():
        async with vc.connect(url) as ws:
            await ws.send(msg)
            try:
                reply = await asyncio.wait_for(ws.recv(), 10)
            except websockets.ConnectionClosed as e:
                return None, e
            return reply, None
    reply, closed = vc.run(go())
    assert closed is None, f"{name}: connection closed ({closed!r}) without an error frame"
    assert isinstance(reply, bytes), f"{name}: text reply {reply!r}"
    f = vc.Frame(reply)
    assert f.mtype == vc.MSG_ERROR, f"{name}: expected an error frame, got {f!r}"
    res = vc.Result()
    res.error = f
    assert_error(res, 3001, what=name)
    # the server keeps serving
    assert_submit_ok(vc.run(vc.synthesize(url, ZH_ONE)), f"new connection after {name}")


# ---------------------------------------------------------------- auth

@pytest.mark.parametrize("authorization", [None, "Bearer; wrong", f"Bearer; {VOLC_TOKEN}x", "Bearer;",
                                           f"Basic {VOLC_TOKEN}"],
                         ids=["missing", "wrong", "longer", "empty", "basic"])
def test_auth_rejected_at_upgrade(agent_auth_server, authorization):
    url = vc.ws_url(agent_auth_server)

    async def go():
        try:
            async with vc.connect(url, authorization=authorization):
                return "upgraded"
        except websockets.InvalidStatusCode as e:
            return e.status_code
    got = vc.run(go())
    assert got == 401, f"Authorization {authorization!r}: expected HTTP 401 at the upgrade, got {got}"
    # the refusal carries a JSON body
    c = http.client.HTTPConnection(agent_auth_server.host, agent_auth_server.port, timeout=10)
    headers = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode()}
    if authorization is not None:
        headers["Authorization"] = authorization
    try:
        c.request("GET", vc.WS_PATH, headers=headers)
        r = c.getresponse()
        status, body = r.status, r.read()
    finally:
        c.close()
    assert status == 401, status
    assert isinstance(json.loads(body), dict), body[:200]


@pytest.mark.parametrize("authorization", [f"Bearer; {VOLC_TOKEN}", f"Bearer;{VOLC_TOKEN}",
                                           f"Bearer {VOLC_TOKEN}"],
                         ids=["semicolon-space", "semicolon", "space"])
def test_auth_accepted(agent_auth_server, authorization):
    url = vc.ws_url(agent_auth_server)

    async def go():
        async with vc.connect(url, authorization=authorization) as ws:
            return await vc.request(ws, vc.make_request(ZH_ONE))
    assert_submit_ok(vc.run(go()), authorization)


def test_http_auth(agent_auth_server):
    srv = agent_auth_server
    req = vc.make_request(ZH_ONE, operation="query")
    for auth in (None, "Bearer;wrong"):
        r = vc.http_query(srv, req, authorization=auth)
        assert r.status_code == 401, (auth, r.status_code, r.text[:200])
        assert isinstance(r.json(), dict) and r.json().get("code"), r.text
    r = vc.http_query(srv, req, token=VOLC_TOKEN)
    assert r.status_code == 200, (r.status_code, r.text[:200])
    assert r.json()["code"] == 3000


# ---------------------------------------------------------------- HTTP sibling

def test_http_query(agent_server, ref_pcm):
    reqid = str(uuid.uuid4())
    r = vc.http_query(agent_server, vc.make_request(ZH_TWO, operation="query", reqid=reqid))
    assert r.status_code == 200, (r.status_code, r.text[:300])
    j = r.json()
    assert j["reqid"] == reqid and j["code"] == 3000 and j["operation"] == "query", {k: j[k] for k in j if k != "data"}
    assert j["message"] == "Success" and j["sequence"] == -1, {k: j[k] for k in j if k != "data"}
    pcm = base64.b64decode(j["data"], validate=True)
    assert len(pcm) % 2 == 0 and pcm_stats(pcm)[0] > 500
    assert abs(dur(pcm) - dur(ref_pcm)) <= 0.05 * dur(ref_pcm)
    d = j["addition"]["duration"]
    assert isinstance(d, str), f"addition.duration must be a string, got {d!r}"
    assert abs(int(d) - dur(pcm) * 1000) <= max(50, 0.02 * dur(pcm) * 1000), (d, dur(pcm))
    # mp3 at 16000 in base64
    r = vc.http_query(agent_server, vc.make_request(ZH_TWO, operation="query", encoding="mp3", rate=16000))
    assert r.status_code == 200, r.text[:300]
    assert_decodes(base64.b64decode(r.json()["data"]), ".mp3", "mp3", rate=16000,
                   ref_duration=dur(ref_pcm), what="HTTP mp3")


# ---------------------------------------------------------------- limits and drops

def test_concurrency_limit(start_server, tmp_path):
    srv = start_server(agent_config(tmp_path / "saved", max_sessions=1, max_text_bytes=20000), name="volc1")
    url = vc.ws_url(srv)
    long_text = long_zh_text(300)

    async def go():
        async with vc.connect(url) as held:
            await held.send(vc.encode_request(vc.make_request(long_text, rate=48000)))
            while True:  # wait for the first audio, then stop reading
                f = vc.Frame(await asyncio.wait_for(held.recv(), 30))
                assert f.mtype == vc.MSG_AUDIO_ONLY, f
                if not f.is_ack:
                    break
            async with vc.connect(url) as ws2:
                second = await vc.request(ws2, vc.make_request(ZH_ONE))
            http = await asyncio.get_running_loop().run_in_executor(
                None, vc.http_query, srv, vc.make_request(ZH_ONE, operation="query"))
            held.transport.abort()
        return second, http
    second, http = vc.run(go())
    assert_error(second, 3003, "second session beyond max_sessions 1")
    assert http.status_code == 503, (http.status_code, http.text[:200])
    assert http.json().get("code") == 3003, http.text
    srv.wait_stats(lambda s: s["active_sessions"] == 0 and s["synth_active"] == 0, timeout=20)
    assert_submit_ok(vc.run(vc.synthesize(url, ZH_ONE)), "after the held session left")


def test_client_drop_mid_submit(start_server, tmp_path):
    srv = start_server(agent_config(tmp_path / "saved", max_text_bytes=20000), name="volcdrop")
    url = vc.ws_url(srv)
    before = srv.wait_idle()

    async def go():
        ws = await vc.connect(url)
        await ws.send(vc.encode_request(vc.make_request(long_zh_text(300), rate=48000)))
        while True:
            f = vc.Frame(await asyncio.wait_for(ws.recv(), 30))
            if not f.is_ack:
                break
        ws.transport.abort()  # vanish without a close handshake
    vc.run(go())
    after = srv.wait_stats(lambda s: s["synth_active"] == 0, timeout=20)
    assert after["synth_cancelled"] >= before["synth_cancelled"] + 1, (before, after)
    assert after["clauses_synthesized"] - before["clauses_synthesized"] < 300, (before, after)
    srv.wait_idle()
    assert_submit_ok(vc.run(vc.synthesize(url, ZH_ONE)), "after a dropped client")
