"""Offline REST TTS, POST /paddlespeech/tts (spec §1.2-1.3)."""
import base64
import json

import pytest
import requests

from audio_checks import assert_plausible_speech, read_wav_bytes
from tts_clients import ZH_TWO, assert_still_serving


def post(server, body):
    # like paddlespeech_client tts: a pre-serialised body without Content-Type
    return requests.post(server.base + "/paddlespeech/tts", data=json.dumps(body), timeout=60)


def ok_result(r):
    assert r.status_code == 200, r.text[:300]
    j = r.json()
    assert j["success"] is True and j["code"] == 200, j
    assert j["message"] == {"description": "success."}, j["message"]
    return j["result"]


def assert_business_error(r):
    assert r.status_code == 200, (r.status_code, r.text[:300])
    j = r.json()
    assert j["success"] is False and j["code"] == 400, j
    assert isinstance(j["message"]["description"], str) and j["message"]["description"], j


def check_wav(result, rate):
    assert result["sample_rate"] == rate, result["sample_rate"]
    w = read_wav_bytes(base64.b64decode(result["audio"], validate=True))
    assert w["channels"] == 1 and w["sampwidth"] == 2 and w["rate"] == rate, w
    assert_plausible_speech(w["pcm"], rate=rate, lo=0.5, hi=15.0)
    return w


def test_offline_success_envelope(server):
    res = ok_result(post(server, {"text": ZH_TWO, "spk_id": 0, "speed": 1.0, "volume": 1.0,
                                  "sample_rate": 0, "save_path": None}))
    for k in ("lang", "spk_id", "speed", "volume", "sample_rate", "duration", "save_path", "audio"):
        assert k in res, f"result lacks {k}"
    assert res["spk_id"] == 0 and res["speed"] == 1.0 and res["volume"] == 1.0
    assert res["save_path"] is None
    w = check_wav(res, 24000)
    dur = w["frames"] / w["rate"]
    assert isinstance(res["duration"], float)
    assert abs(dur - res["duration"]) <= 0.05 * dur + 0.05, (dur, res["duration"])


def test_offline_minimal_body(server):
    check_wav(ok_result(post(server, {"text": ZH_TWO})), 24000)


@pytest.mark.parametrize("rate", [8000, 16000])
def test_offline_sample_rate(server, rate):
    check_wav(ok_result(post(server, {"text": ZH_TWO, "sample_rate": rate})), rate)


@pytest.mark.parametrize("field,value", [
    ("speed", 0), ("speed", 5), ("speed", -1.0),
    ("volume", 0), ("volume", 5),
    ("sample_rate", 12345),
    ("save_path", "out.mp3"),
])
def test_offline_invalid_params(server, field, value):
    assert_business_error(post(server, {"text": ZH_TWO, field: value}))
    assert_still_serving(server)


def test_offline_missing_text_422(server):
    r = post(server, {"spk_id": 0})
    assert r.status_code == 422, r.text
    d = r.json()["detail"]
    assert d[0]["loc"] == ["body", "text"] and d[0]["type"] == "value_error.missing"
    assert_still_serving(server)


@pytest.mark.parametrize("name", ["out1.wav", "out2.pcm"])
def test_offline_save_path_inside_save_dir(server, name):
    res = ok_result(post(server, {"text": ZH_TWO, "save_path": name}))
    target = server.save_dir / name
    assert target.is_file(), f"{target} not written (result.save_path={res.get('save_path')!r})"
    data = target.read_bytes()
    assert len(data) > 1000
    if name.endswith(".wav"):
        w = read_wav_bytes(data)
        assert w["channels"] == 1 and w["sampwidth"] == 2 and w["rate"] == 24000


def test_offline_save_path_escape_rejected(server, tmp_path):
    outside = tmp_path / "outside.wav"
    for path in ["../escape.wav", "sub/../../escape2.wav", str(outside)]:
        assert_business_error(post(server, {"text": ZH_TWO, "save_path": path}))
    assert not outside.exists()
    assert not (server.save_dir.parent / "escape.wav").exists()
    assert not (server.save_dir.parent / "escape2.wav").exists()
    assert_still_serving(server)
