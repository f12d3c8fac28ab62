"""Session API (spec §3): POST /api/tts/stream, POST /api/tts/interrupt, GET /api/healthz.

Clients: `requests` (JSON bodies); outputs are checked with ffprobe/ffmpeg.
"""
import time
import uuid

import pytest
import requests

from audio_checks import (assert_decodes, assert_other_voice, assert_same_voice, median_f0, parse_wav_header,
                          pcm_stats)
from configs import SESSION_TOKEN
from tts_clients import ZH_ONE, ZH_TWO, long_zh_text, session_pcm, session_stream

LONG_N = 1500
LONG = long_zh_text(LONG_N)  # ~20 min of speech: far more than socket buffers hold


def dur(pcm, rate=24000):
    return len(pcm) / 2 / rate


def ctype(headers):
    return headers.get("Content-Type", "").split(";")[0].strip().lower()


def sid(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def ref_pcm(agent_server):
    """ZH_TWO in the default voice as PCM at 24000 Hz."""
    pcm = session_pcm(agent_server, ZH_TWO)
    assert len(pcm) % 2 == 0
    assert 1.0 < dur(pcm) < 15.0, f"implausible reference duration {dur(pcm):.2f}s"
    return pcm


@pytest.fixture(scope="module")
def long_full_estimate(agent_server):
    """Lower estimate of the full duration of LONG (it repeats a 6-sentence cycle)."""
    cycle = session_pcm(agent_server, long_zh_text(6))
    return dur(cycle) * (LONG_N / 6) * 0.9


def open_stream(srv, body, headers=None):
    """Start a streamed request and read its first piece; returns (response, iterator, bytes)."""
    resp = requests.post(srv.base + "/api/tts/stream", json=body, headers=headers or {},
                         stream=True, timeout=30)
    assert resp.status_code == 200, (resp.status_code, resp.content[:300])
    it = resp.iter_content(chunk_size=None)
    first = next(it)
    assert first, "empty first piece"
    return resp, it, bytearray(first)


def drain(resp, it, got, limit_s=10.0, what="stream"):
    """Read to the end; the body must end with the terminating chunk within limit_s."""
    t0 = time.monotonic()
    try:
        for chunk in it:
            got += chunk
            if time.monotonic() - t0 > limit_s:
                raise AssertionError(f"{what} still streaming {limit_s}s later ({len(got)} bytes so far)")
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as e:
        raise AssertionError(f"{what} did not end cleanly (no terminating chunk): {e!r}")
    finally:
        resp.close()
    return bytes(got)


def interrupt(srv, session_id, headers=None):
    return requests.post(srv.base + "/api/tts/interrupt", json={"session_id": session_id},
                         headers=headers or {}, timeout=10)


# ---------------------------------------------------------------- basics

def test_healthz(agent_server):
    r = requests.get(agent_server.base + "/api/healthz", timeout=5)
    assert r.status_code == 200, r.text
    assert r.json().get("status") == "ok", r.text


def test_mp3_default_stream(agent_server, ref_pcm):
    s = sid("mp3")
    res = session_stream(agent_server, {"text": ZH_TWO, "session_id": s})
    assert res.status == 200, res
    assert res.complete, res.error
    assert ctype(res.headers) == "audio/mpeg", res.headers
    assert res.headers.get("Transfer-Encoding", "").lower() == "chunked", res.headers
    assert res.headers.get("X-Session-Id") == s, res.headers
    assert res.headers.get("X-Sample-Rate") == "24000", res.headers
    assert_decodes(res.body, ".mp3", "mp3", rate=24000, ref_duration=dur(ref_pcm), what="mp3 stream")


def test_session_id_generated_when_absent(agent_server):
    ids = []
    for _ in range(2):
        res = session_stream(agent_server, {"text": ZH_ONE})
        assert res.status == 200, res
        ids.append(res.headers.get("X-Session-Id", "").strip())
    assert all(ids), f"no X-Session-Id generated: {ids}"
    assert ids[0] != ids[1], f"the same generated id twice: {ids}"


@pytest.mark.parametrize("fmt,rate", [
    ("mp3", 8000), ("mp3", 16000), ("mp3", 22050), ("mp3", 48000),
    ("opus", 24000), ("opus", 16000),
    ("wav", 24000), ("wav", 11025),
    ("pcm", 16000), ("pcm", 44100),
])
def test_formats_and_sample_rates(agent_server, ref_pcm, fmt, rate):
    res = session_stream(agent_server, {"text": ZH_TWO, "format": fmt, "sample_rate": rate})
    assert res.status == 200, res
    assert res.complete, res.error
    want = {"mp3": "audio/mpeg", "opus": "audio/ogg", "wav": "audio/wav",
            "pcm": "application/octet-stream"}[fmt]
    assert ctype(res.headers) == want, res.headers
    assert res.headers.get("X-Sample-Rate") == str(rate), res.headers
    ref = dur(ref_pcm)
    what = f"{fmt}@{rate}"
    if fmt == "mp3":
        assert_decodes(res.body, ".mp3", "mp3", rate=rate, ref_duration=ref, what=what)
    elif fmt == "opus":
        assert res.body[:4] == b"OggS", f"{what}: not an Ogg stream: {res.body[:16]!r}"
        assert_decodes(res.body, ".ogg", "opus", ref_duration=ref, what=what)
    elif fmt == "wav":
        h = parse_wav_header(res.body)
        assert (h["format_tag"], h["channels"], h["rate"], h["bits"]) == (1, 1, rate, 16), h
        pcm = res.body[h["data_offset"]:]
        if h["data_size_field"] not in (0, 0xFFFFFFFF, 0x7FFFFFFF):
            assert h["data_size_field"] == len(pcm), h
        assert len(pcm) % 2 == 0
        assert abs(len(pcm) / 2 / rate - ref) <= 0.05 * ref, (len(pcm) / 2 / rate, ref)
        assert_decodes(res.body, ".wav", "pcm_s16le", rate=rate, ref_duration=ref, what=what)
    else:
        assert len(res.body) % 2 == 0, f"{what}: odd PCM length {len(res.body)}"
        assert res.body[:4] != b"RIFF", "raw PCM must have no WAV header"
        d = len(res.body) / 2 / rate
        assert abs(d - ref) <= 0.05 * ref, f"{what}: {d:.3f}s vs {ref:.3f}s at 24000"
        assert pcm_stats(res.body)[0] > 500, "silent"


# ---------------------------------------------------------------- bad requests

@pytest.mark.parametrize("body,status", [
    ({}, 422),
    ({"session_id": "x"}, 422),
    ({"text": ""}, 400),
    ({"text": "   "}, 400),
    ({"text": ZH_ONE, "voice_type": "no-such-voice"}, 400),
    ({"text": ZH_ONE, "format": "flac"}, 400),
    ({"text": ZH_ONE, "sample_rate": 12345}, 400),
    ({"text": ZH_ONE, "sample_rate": 0}, 400),
    ({"text": ZH_ONE, "speed": 0}, 400),
    ({"text": ZH_ONE, "speed": 5}, 400),
    ({"text": ZH_ONE, "speed": -1}, 400),
    ({"text": ZH_ONE, "volume": 0}, 400),
    ({"text": ZH_ONE, "pitch": 3.5}, 400),
], ids=["no-fields", "no-text", "empty-text", "blank-text", "unknown-voice", "format-flac",
        "rate-12345", "rate-0", "speed-0", "speed-5", "speed-neg", "volume-0", "pitch-3.5"])
def test_bad_requests(agent_server, body, status):
    r = requests.post(agent_server.base + "/api/tts/stream", json=body, timeout=10)
    assert r.status_code == status, (r.status_code, r.text[:300])
    j = r.json()
    assert "detail" in j, j
    if status == 422:
        assert isinstance(j["detail"], list) and j["detail"], j
    else:
        assert j["detail"], j
        if body.get("text", "x").strip() == "":
            assert isinstance(j["detail"], str), j


def test_invalid_json_body(agent_server):
    r = requests.post(agent_server.base + "/api/tts/stream", data=b"{not json",
                      headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code in (400, 422), (r.status_code, r.text[:300])
    assert "detail" in r.json()


# ---------------------------------------------------------------- voices and effects

def test_voice_type_by_name_and_alias(agent_server):
    srv = agent_server
    by_name = session_pcm(srv, ZH_ONE, voice_type="female")
    by_alias = session_pcm(srv, ZH_ONE, voice_type="BV002_streaming")
    default = session_pcm(srv, ZH_ONE)
    default_alias = session_pcm(srv, ZH_ONE, voice_type="BV001_streaming")
    # eSpeak NG output is not byte-for-byte repeatable: voices are told apart by their pitch
    assert_same_voice(by_name, by_alias, what="'female' vs its alias 'BV002_streaming'")
    assert_same_voice(default, default_alias, what="default vs its alias 'BV001_streaming'")
    assert_other_voice(by_name, default, what="'female' vs default")


def test_pitch_speed_volume(agent_server, ref_pcm):
    srv = agent_server
    ref = dur(ref_pcm)
    high = session_pcm(srv, ZH_TWO, pitch=1.5)
    assert high != ref_pcm, "pitch 1.5 gives the same bytes as pitch 1.0"
    f_ref, f_high = median_f0(ref_pcm, 24000), median_f0(high, 24000)
    assert 1.3 <= f_high / f_ref <= 1.7, f"pitch 1.5: {f_high:.0f} Hz vs {f_ref:.0f} Hz at 1.0"
    assert abs(dur(high) - ref) <= 0.15 * ref, f"pitch 1.5 changed the duration: {dur(high):.2f}s vs {ref:.2f}s"
    fast = session_pcm(srv, ZH_TWO, speed=2.0)
    assert dur(fast) <= 0.75 * ref, f"speed 2.0: {dur(fast):.2f}s vs {ref:.2f}s at 1.0"
    assert pcm_stats(fast)[0] > 500
    soft = session_pcm(srv, ZH_TWO, volume=0.3)
    assert pcm_stats(soft)[1] < 0.6 * pcm_stats(ref_pcm)[1], "volume 0.3 is not quieter"
    # mp3 output with pitch applied still decodes at the same length
    res = session_stream(srv, {"text": ZH_TWO, "pitch": 1.5})
    assert res.status == 200, res
    assert_decodes(res.body, ".mp3", "mp3", rate=24000, ref_duration=ref, what="mp3 pitch 1.5")


# ---------------------------------------------------------------- sessions and interrupts

def test_same_session_cancels_previous_stream(agent_server, long_full_estimate):
    srv = agent_server
    s = sid("replace")
    resp, it, got = open_stream(srv, {"text": LONG, "session_id": s})
    new = session_stream(srv, {"text": ZH_ONE, "session_id": s}, total_timeout=30)
    assert new.status == 200 and new.complete, new
    assert new.headers.get("X-Session-Id") == s
    assert_decodes(new.body, ".mp3", "mp3", what="replacing stream")
    old = drain(resp, it, got, what="replaced stream")
    info = assert_decodes(old, ".mp3", "mp3", what="replaced stream")
    assert info["duration"] < 0.5 * long_full_estimate, \
        f"replaced stream carried {info['duration']:.1f}s of ~{long_full_estimate:.0f}s: not cancelled"


def test_interrupt_live_stream(agent_server, long_full_estimate):
    srv = agent_server
    before = srv.wait_idle()
    s = sid("intr")
    resp, it, got = open_stream(srv, {"text": LONG, "session_id": s})
    r = interrupt(srv, s)
    assert r.status_code == 200, (r.status_code, r.text)
    assert r.json() == {"ok": True}, r.text
    body = drain(resp, it, got, what="interrupted stream")
    info = assert_decodes(body, ".mp3", "mp3", what="interrupted stream")
    assert info["duration"] < 0.5 * long_full_estimate, \
        f"interrupted stream carried {info['duration']:.1f}s of ~{long_full_estimate:.0f}s"
    # the engine stopped working on it
    after = srv.wait_stats(lambda st: st["synth_active"] == 0, timeout=15)
    assert after["synth_cancelled"] >= before["synth_cancelled"] + 1, (before, after)
    assert after["clauses_synthesized"] - before["clauses_synthesized"] < LONG_N, (before, after)
    # the session is gone once its stream ended
    deadline = time.monotonic() + 5
    while True:
        r = interrupt(srv, s)
        if r.status_code == 404 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert r.status_code == 404, (r.status_code, r.text)
    assert r.json() == {"ok": False, "error": "session not found"}, r.text


def test_interrupt_stops_engine_while_client_not_reading(agent_server):
    """A paused (congested) stream must not wait for its reader to notice the interrupt."""
    srv = agent_server
    before = srv.wait_idle()
    s = sid("stalled")
    resp, it, got = open_stream(srv, {"text": LONG, "session_id": s})
    try:
        time.sleep(0.5)  # let the stream fill the socket buffers and pause
        r = interrupt(srv, s)
        assert r.status_code == 200 and r.json() == {"ok": True}, (r.status_code, r.text)
        after = srv.wait_stats(lambda st: st["synth_active"] == 0, timeout=10)
        assert after["synth_cancelled"] >= before["synth_cancelled"] + 1, (before, after)
        drain(resp, it, got, what="interrupted, unread stream")
    finally:
        resp.close()


def test_interrupt_unknown_session(agent_server):
    r = interrupt(agent_server, "never-seen-" + uuid.uuid4().hex)
    assert r.status_code == 404, (r.status_code, r.text)
    assert r.json() == {"ok": False, "error": "session not found"}, r.text


@pytest.mark.parametrize("body", [{}, {"text": "x"}], ids=["empty", "no-session_id"])
def test_interrupt_missing_session_id(agent_server, body):
    r = requests.post(agent_server.base + "/api/tts/interrupt", json=body, timeout=10)
    assert r.status_code == 422, (r.status_code, r.text)
    assert "detail" in r.json()


def test_interrupt_after_replaced_stream_ended(agent_server):
    """The reference wrapper's race: A's clean-up must not remove B's session entry."""
    srv = agent_server
    s = sid("race")
    ra, ita, gota = open_stream(srv, {"text": LONG, "session_id": s})
    rb, itb, gotb = open_stream(srv, {"text": LONG, "session_id": s})  # cancels A
    try:
        drain(ra, ita, gota, what="stream A (replaced)")
        time.sleep(0.3)  # let A's clean-up run on the server
        r = interrupt(srv, s)
        assert r.status_code == 200, \
            f"interrupt of live stream B answered {r.status_code} {r.text}: A's end removed B's session"
        assert r.json() == {"ok": True}, r.text
        body = drain(rb, itb, gotb, what="stream B (interrupted)")
        assert_decodes(body, ".mp3", "mp3", what="stream B")
    finally:
        ra.close()
        rb.close()


def test_client_drop_cancels_synthesis(agent_server):
    srv = agent_server
    before = srv.wait_idle()
    resp, it, got = open_stream(srv, {"text": LONG, "session_id": sid("drop")})
    resp.close()  # leave mid-stream
    after = srv.wait_stats(lambda st: st["synth_active"] == 0, timeout=20)
    assert after["synth_cancelled"] >= before["synth_cancelled"] + 1, (before, after)
    srv.wait_idle()
    res = session_stream(srv, {"text": ZH_ONE})
    assert res.status == 200 and res.complete, res
    assert_decodes(res.body, ".mp3", "mp3", what="after a dropped client")


# ---------------------------------------------------------------- auth

@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {SESSION_TOKEN}x"},
    {"Authorization": "Bearer"}, {"Authorization": "Basic czNjcmV0"},
], ids=["none", "wrong", "longer", "empty", "basic"])
def test_auth_rejected(agent_auth_server, headers):
    srv = agent_auth_server
    r = requests.post(srv.base + "/api/tts/stream", json={"text": ZH_ONE}, headers=headers, timeout=10)
    assert r.status_code == 401, (r.status_code, r.text[:200])
    assert isinstance(r.json(), dict), r.text
    r = requests.post(srv.base + "/api/tts/interrupt", json={"session_id": "x"}, headers=headers, timeout=10)
    assert r.status_code == 401, (r.status_code, r.text[:200])
    assert isinstance(r.json(), dict), r.text


def test_auth_accepted(agent_auth_server):
    srv = agent_auth_server
    res = session_stream(srv, {"text": ZH_ONE}, token=SESSION_TOKEN)
    assert res.status == 200 and res.complete, res
    assert_decodes(res.body, ".mp3", "mp3", what="authorized stream")
    r = interrupt(srv, "nope-" + uuid.uuid4().hex, headers={"Authorization": f"Bearer {SESSION_TOKEN}"})
    assert r.status_code == 404, (r.status_code, r.text)
    r = requests.get(srv.base + "/api/healthz", timeout=5)
    assert r.status_code == 200, "healthz must not need a token"
