"""Alibaba Cloud IMS real-time workflow "self-developed TTS" interface (spec §4).

POST /stream-audio with a JSON body; the answer is chunked raw PCM s16le mono at SampleRate.
"""
import json
import subprocess

import pytest
import requests

from audio_checks import assert_other_voice, assert_same_voice, pcm_stats
from configs import ALIBABA_TOKEN, agent_config
from tts_clients import ZH_ONE, ZH_TWO, post_stream

PATH = "/stream-audio"
EXT_VALID = json.dumps({"InstanceId": "68e0aa11", "ChannelId": "123", "SentenceId": 3,
                        "Emotion": "happy", "UserData": json.dumps({"k": "v"})})
# the documentation's own example: single quotes and a missing quote before UserData
EXT_DOC = "{'InstanceId':'68e0','ChannelId':'123','SentenceId':'3','Emotion':'happy',UserData':'{}'}"


def ali(srv, body, path=PATH, **kw):
    return post_stream(srv.base + path, body, **kw)


def body(text=ZH_TWO, rate=16000, **extra):
    b = {"Text": text, "VoiceId": "zh_female_1", "SampleRate": rate, "ExtendData": EXT_VALID}
    b.update(extra)
    return b


def check_pcm_stream(res, content_type="audio/mpeg", what="stream"):
    assert res.status == 200, (what, res)
    assert res.complete, f"{what}: transfer broke off: {res.error!r}"
    assert res.headers.get("Content-Type", "").split(";")[0].strip() == content_type, res.headers
    assert res.headers.get("Transfer-Encoding", "").lower() == "chunked", res.headers
    assert res.chunks, f"{what}: no audio"
    odd = [i for i, c in enumerate(res.chunks) if len(c) % 2]
    assert not odd, f"{what}: HTTP chunks {odd[:5]} have an odd length (split samples)"
    assert res.body[:4] != b"RIFF", f"{what}: WAV header in a raw PCM stream"
    peak, _ = pcm_stats(res.body)
    assert peak > 500, f"{what}: silent (peak {peak})"


@pytest.fixture(scope="module")
def ref24(agent_server):
    res = ali(agent_server, body(rate=24000))
    check_pcm_stream(res, what="24000 reference")
    return res.body


@pytest.mark.parametrize("rate", [8000, 16000, 24000, 48000])
def test_sample_rates(agent_server, ref24, rate):
    res = ali(agent_server, body(rate=rate))
    check_pcm_stream(res, what=f"SampleRate {rate}")
    expected = len(ref24) / 2 * rate / 24000
    got = len(res.body) / 2
    assert abs(got - expected) <= 0.05 * expected, \
        f"{got:.0f} samples at {rate} Hz, expected ~{expected:.0f} (same text at 24000: {len(ref24) // 2})"


@pytest.mark.parametrize("rate", [22050, 0, "abc", None, -16000, 16000.5],
                         ids=["22050", "0", "abc", "missing", "negative", "fraction"])
def test_bad_sample_rate(agent_server, rate):
    b = body()
    if rate is None:
        del b["SampleRate"]
    else:
        b["SampleRate"] = rate
    r = requests.post(agent_server.base + PATH, json=b, timeout=10)
    assert r.status_code == 400, (r.status_code, r.text[:200])
    assert r.json().get("detail"), r.text


@pytest.mark.parametrize("text", [None, ""], ids=["missing", "empty"])
def test_bad_text(agent_server, text):
    b = body()
    if text is None:
        del b["Text"]
    else:
        b["Text"] = text
    r = requests.post(agent_server.base + PATH, json=b, timeout=10)
    assert r.status_code == 400, (r.status_code, r.text[:200])
    assert r.json().get("detail"), r.text


@pytest.mark.parametrize("ext", [EXT_VALID, EXT_DOC, {"InstanceId": "1", "ChannelId": "2", "SentenceId": 3},
                                 None, "", "not json at all"],
                         ids=["json-string", "doc-example", "object", "absent", "empty", "garbage"])
def test_extend_data_never_rejected(agent_server, ext):
    b = body(text=ZH_ONE)
    if ext is None:
        del b["ExtendData"]
    else:
        b["ExtendData"] = ext
    check_pcm_stream(ali(agent_server, b), what=f"ExtendData={ext!r}")


def test_voice_id(agent_server):
    default = ali(agent_server, body(text=ZH_ONE, VoiceId="zh_female_1"))
    unknown = ali(agent_server, body(text=ZH_ONE, VoiceId="no-such-voice"))
    female = ali(agent_server, body(text=ZH_ONE, VoiceId="BV002_streaming"))
    for res, what in ((default, "default"), (unknown, "unknown VoiceId"), (female, "BV002_streaming")):
        check_pcm_stream(res, what=what)
    assert_same_voice(default.body, unknown.body, rate=16000, what="unknown VoiceId (fallback) vs default")
    assert_other_voice(female.body, default.body, rate=16000, what="BV002_streaming vs default")


def test_curl_client(agent_server, tmp_path):
    (tmp_path / "body.json").write_text(json.dumps(body(rate=8000), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.pcm"
    p = subprocess.run(["curl", "-sN", "-X", "POST", "-H", "Content-Type: application/json",
                        "-d", "@" + str(tmp_path / "body.json"), agent_server.base + PATH,
                        "-o", str(out), "-w", "%{http_code}"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, f"curl exit {p.returncode} (transfer error?): {p.stderr}"
    assert p.stdout.strip() == "200", p.stdout
    pcm = out.read_bytes()
    assert len(pcm) % 2 == 0 and len(pcm) > 0
    d = len(pcm) / 2 / 8000
    assert 1.0 < d < 15.0, f"implausible duration {d:.2f}s"
    assert pcm_stats(pcm)[0] > 500


@pytest.mark.parametrize("token", [None, "", "wrong", ALIBABA_TOKEN + "x"],
                         ids=["missing", "empty", "wrong", "longer"])
def test_token_rejected(agent_auth_server, token):
    b = body(text=ZH_ONE)
    if token is not None:
        b["Token"] = token
    r = requests.post(agent_auth_server.base + PATH, json=b, timeout=10)
    assert r.status_code == 401, (r.status_code, r.text[:200])
    assert isinstance(r.json(), dict), r.text


def test_token_accepted(agent_auth_server):
    check_pcm_stream(ali(agent_auth_server, body(text=ZH_ONE, Token=ALIBABA_TOKEN)), what="right token")


def test_configured_path_and_content_type(start_server, tmp_path):
    cfg = agent_config(tmp_path / "saved")
    cfg["voxgate"]["alibaba"] = {"path": "/tts/ali", "tokens": [], "content_type": "audio/pcm"}
    srv = start_server(cfg, name="ali_path")
    check_pcm_stream(ali(srv, body(text=ZH_ONE), path="/tts/ali"), content_type="audio/pcm",
                     what="configured path")
    r = requests.post(srv.base + PATH, json=body(text=ZH_ONE), timeout=10)
    assert r.status_code == 404, (r.status_code, r.text[:200])
