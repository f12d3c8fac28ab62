"""HTTP streaming TTS (spec §1.4) driven like the stock PaddleSpeech client."""
import json
import socket

import pytest
import requests

from audio_checks import assert_plausible_speech, pcm_stats
from tts_clients import EN_TEXT, MIXED_TEXT, ZH_ONE, ZH_TWO, assert_still_serving, recv_until_close, stream_tts


# ------------------------------------------------------------------ basics

def test_healthz_ok(server):
    r = requests.get(server.base + "/api/healthz", timeout=5)
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_samplerate_endpoint(server):
    r = requests.get(server.base + "/paddlespeech/tts/streaming/samplerate", timeout=5)
    assert r.status_code == 200
    assert r.json() == {"sample_rate": 24000}


def test_stats_counters_are_integers(server):
    st = server.stats()
    for key in ("active_sessions", "tts_requests", "clauses_synthesized",
                "synth_cancelled", "synth_active"):
        assert key in st, f"/api/stats lacks {key}: {st}"
        assert isinstance(st[key], int) and not isinstance(st[key], bool), (key, st[key])


def test_stock_client_two_sentences(server):
    before = server.stats()
    res = stream_tts(server.stream_url, {"text": ZH_TWO, "spk_id": 0})
    assert res.status == 200, res.body
    assert len(res.chunks) >= 2, "a two-sentence text should stream in more than one chunk"
    dur = assert_plausible_speech(res.pcm, lo=0.5, hi=15.0)
    assert dur > 1.0
    after = server.wait_stats(lambda s: s["synth_active"] == 0)
    assert after["tts_requests"] >= before["tts_requests"] + 1
    assert after["clauses_synthesized"] >= before["clauses_synthesized"] + 2


def test_utf8_body_and_typo_alias(server):
    # Raw UTF-8 body (not \u escapes) and the seed's `stareaming` spelling.
    res = stream_tts(server.base + "/paddlespeech/tts/stareaming",
                     {"text": ZH_ONE, "spk_id": 0}, ensure_ascii=False)
    assert res.status == 200, res.body
    assert_plausible_speech(res.pcm)


def test_one_piece_per_chunk_on_the_wire(server):
    """Read the raw chunked body: every chunk is one padded base64 string."""
    body = json.dumps({"text": ZH_TWO, "spk_id": 0}).encode()
    req = (b"POST /paddlespeech/tts/streaming HTTP/1.1\r\nHost: x\r\n"
           b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
    with socket.create_connection((server.host, server.port), timeout=30) as s:
        s.sendall(req)
        data = recv_until_close(s)
    head, _, rest = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head[:200]
    assert b"transfer-encoding: chunked" in head.lower()
    import base64
    n_chunks = 0
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        chunk, rest = rest[:size], rest[size:]
        assert rest[:2] == b"\r\n"
        rest = rest[2:]
        assert size % 4 == 0
        base64.b64decode(chunk, validate=True)
        n_chunks += 1
    assert n_chunks >= 2


@pytest.mark.parametrize("text", [EN_TEXT, MIXED_TEXT], ids=["english", "mixed"])
def test_english_and_mixed(server, text):
    res = stream_tts(server.stream_url, {"text": text, "spk_id": 0})
    assert res.status == 200, res.body
    assert_plausible_speech(res.pcm, lo=0.5, hi=15.0)


# ------------------------------------------------------------------ options

def test_speed_changes_duration(server):
    normal = stream_tts(server.stream_url, {"text": ZH_TWO, "spk_id": 0, "speed": 1.0})
    fast = stream_tts(server.stream_url, {"text": ZH_TWO, "spk_id": 0, "speed": 2.0})
    assert normal.status == fast.status == 200
    ratio = len(fast.pcm) / len(normal.pcm)
    assert ratio < 0.8, f"speed=2.0 should shorten the audio, ratio {ratio:.2f}"
    assert_plausible_speech(fast.pcm, lo=0.2)


def test_volume_changes_level(server):
    loud = stream_tts(server.stream_url, {"text": ZH_TWO, "spk_id": 0, "volume": 1.0})
    soft = stream_tts(server.stream_url, {"text": ZH_TWO, "spk_id": 0, "volume": 0.5})
    assert loud.status == soft.status == 200
    lp, lr = pcm_stats(loud.pcm)
    sp, sr = pcm_stats(soft.pcm)
    assert sp < lp, f"peak {sp} (volume 0.5) vs {lp} (volume 1.0)"
    assert sr < 0.8 * lr, f"rms {sr:.1f} (volume 0.5) vs {lr:.1f} (volume 1.0)"
    assert sp > 0


def test_sample_rate_extension(server):
    ref = stream_tts(server.stream_url, {"text": ZH_TWO, "spk_id": 0})
    low = stream_tts(server.stream_url, {"text": ZH_TWO, "spk_id": 0, "sample_rate": 16000})
    assert ref.status == low.status == 200
    ratio = len(low.pcm) / len(ref.pcm)
    assert 0.6 <= ratio <= 0.73, f"16 kHz / 24 kHz byte ratio {ratio:.3f}"
    assert_plausible_speech(low.pcm, rate=16000)
    # the per-request rate must not change the server's advertised rate
    r = requests.get(server.base + "/paddlespeech/tts/streaming/samplerate", timeout=5)
    assert r.json() == {"sample_rate": 24000}


def test_spk_id_changes_voice(server):
    a = stream_tts(server.stream_url, {"text": ZH_TWO, "spk_id": 0})
    b = stream_tts(server.stream_url, {"text": ZH_TWO, "spk_id": 1})
    assert a.status == b.status == 200
    assert_plausible_speech(b.pcm)
    assert a.pcm != b.pcm, "spk_id 1 produced the same audio as spk_id 0"


def test_spk_id_3_exists(server):
    res = stream_tts(server.stream_url, {"text": ZH_ONE, "spk_id": 3})
    assert res.status == 200, res.body
    assert_plausible_speech(res.pcm)


def test_cors_preflight(server):
    r = requests.options(server.stream_url, timeout=5, headers={
        "Origin": "http://example.com",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    })
    assert 200 <= r.status_code < 300, r.status_code
    assert "access-control-allow-origin" in {k.lower() for k in r.headers}


# ------------------------------------------------------------------ bad input

def _assert_detail(res, status):
    assert res.status == status, (res.status, res.body)
    assert isinstance(res.body, dict) and "detail" in res.body, res.body


def test_missing_text_422(server):
    res = stream_tts(server.stream_url, {"spk_id": 0})
    _assert_detail(res, 422)
    d = res.body["detail"]
    assert isinstance(d, list) and d, d
    assert d[0]["loc"] == ["body", "text"]
    assert d[0]["msg"] == "field required"
    assert d[0]["type"] == "value_error.missing"
    assert_still_serving(server)


@pytest.mark.parametrize("raw", [
    b'{"text": "\xe4\xbb\x8a\xe5\xa4\xa9", "spk_id": 0,}',   # trailing comma (seed-000 example)
    b'{"text": ',
    b'not json at all',
    b'',
], ids=["trailing-comma", "truncated", "garbage", "empty-body"])
def test_invalid_json_422(server, raw):
    res = stream_tts(server.stream_url, None, raw_body=raw)
    _assert_detail(res, 422)
    assert_still_serving(server)


@pytest.mark.parametrize("text", [123, ["今天"], {"a": 1}, None], ids=["int", "list", "object", "null"])
def test_text_wrong_type_422(server, text):
    res = stream_tts(server.stream_url, {"text": text, "spk_id": 0})
    _assert_detail(res, 422)
    assert_still_serving(server)


def test_unknown_spk_id_422(server):
    res = stream_tts(server.stream_url, {"text": ZH_ONE, "spk_id": 99})
    _assert_detail(res, 422)
    assert_still_serving(server)


def test_unknown_fields_ignored(server):
    res = stream_tts(server.stream_url, {"text": ZH_ONE, "spk_id": 0, "foo": "bar",
                                         "nested": {"x": [1, 2]}, "save_path": None})
    assert res.status == 200, res.body
    assert_plausible_speech(res.pcm)


def test_old_client_fields_accepted(server):
    # pre-r1.1 develop clients also sent speed/volume/sample_rate/save_path with these values
    res = stream_tts(server.stream_url, {"text": ZH_ONE, "spk_id": 0, "speed": 1.0, "volume": 1.0,
                                         "sample_rate": 0, "save_path": None})
    assert res.status == 200, res.body
    assert_plausible_speech(res.pcm)


def test_text_over_limit_413(server):
    res = stream_tts(server.stream_url, {"text": "好" * 501, "spk_id": 0})
    _assert_detail(res, 413)
    assert_still_serving(server)


def test_text_at_limit_ok(server):
    res = stream_tts(server.stream_url, {"text": ("今天天气很好。" * 72)[:500], "spk_id": 0})
    assert res.status == 200, res.body
    assert_plausible_speech(res.pcm, hi=400)


def test_body_over_limit_413(server):
    body = json.dumps({"text": ZH_ONE, "spk_id": 0, "padding": "x" * 70000})
    try:
        resp = requests.post(server.stream_url, data=body, timeout=30)
        assert resp.status_code == 413, resp.status_code
        assert "detail" in resp.json()
    except requests.ConnectionError as e:
        pytest.fail(f"server reset the connection instead of answering 413: {e}")
    assert_still_serving(server)


@pytest.mark.parametrize("text", ["", "。！？，", "   "], ids=["empty", "punctuation", "spaces"])
def test_empty_text_gives_silence(server, text):
    res = stream_tts(server.stream_url, {"text": text, "spk_id": 0})
    assert res.status == 200, res.body
    assert len(res.chunks) >= 1
    assert len(res.pcm) > 0, "the stock client divides by the duration: need non-zero audio"
    assert_still_serving(server)
