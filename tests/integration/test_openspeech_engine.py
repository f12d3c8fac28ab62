"""The `openspeech` TTS engine: voxgate B forwards a voice to an OpenSpeech-compatible
endpoint, here voxgate A's own /api/v1/tts/ws_binary on loopback.

Skipped (with the reason) only while the binary does not know the engine at all.
"""
import re

import pytest
import requests

from audio_checks import assert_decodes, assert_plausible_speech
from configs import VOLC_TOKEN, agent_config
from server_process import ServerProcess
from tts_clients import ZH_TWO, stream_tts

CLOUD_VOICE = {"spk_id": 7, "name": "cloud", "engine": "openspeech", "upstream_voice": "BV001_streaming"}


def _start_or_skip(workdir, cfg, name):
    srv = ServerProcess(workdir, cfg, name=name)
    try:
        srv.start()
    except RuntimeError as e:
        if re.search(r"unknown engine\W*openspeech", str(e), re.I):
            pytest.skip(f"this voxgate build has no `openspeech` engine yet: {str(e)[:200]}")
        raise
    return srv


def _b_config(save_dir, a, token):
    cfg = agent_config(save_dir)
    cfg["voxgate"]["voices"].append(dict(CLOUD_VOICE))
    cfg["voxgate"]["openspeech"] = {"url": f"ws://127.0.0.1:{a.port}/api/v1/tts/ws_binary",
                                    "appid": "test", "token": token, "cluster": "volcano_tts"}
    return cfg


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    d = tmp_path_factory.mktemp("openspeech")
    started = []
    try:
        a = ServerProcess(d / "a", agent_config(d / "a_saved", tokens=True), name="upstream").start()
        started.append(a)
        b = _start_or_skip(d / "b", _b_config(d / "b_saved", a, VOLC_TOKEN), "front")
        started.append(b)
        yield a, b
    finally:
        codes = {s.name: s.stop(timeout=10) for s in reversed(started)}
        assert all(c == 0 for c in codes.values()), f"unclean exits: {codes}"


def test_paddlespeech_stream_through_upstream(pair):
    a, b = pair
    before = a.stats()["tts_requests"]
    res = stream_tts(b.stream_url, {"text": ZH_TWO, "spk_id": 7}, timeout=30)
    assert res.status == 200, (res.status, res.body)
    d = assert_plausible_speech(res.pcm, lo=1.0, hi=15.0)
    local = stream_tts(b.stream_url, {"text": ZH_TWO, "spk_id": 0}, timeout=30)
    assert local.status == 200
    assert abs(d - local.duration()) <= 0.15 * local.duration(), (d, local.duration())
    after = a.wait_stats(lambda s: s["tts_requests"] > before, timeout=5)
    assert after["tts_requests"] > before


def test_session_api_through_upstream(pair):
    a, b = pair
    before = a.stats()["tts_requests"]
    resp = requests.post(b.base + "/api/tts/stream", json={"text": ZH_TWO, "voice_type": "cloud",
                                                           "format": "mp3"}, timeout=30)
    assert resp.status_code == 200, (resp.status_code, resp.text[:300])
    ref = stream_tts(b.stream_url, {"text": ZH_TWO, "spk_id": 0}, timeout=30).duration()
    assert_decodes(resp.content, ".mp3", "mp3", rate=24000, ref_duration=ref, what="cloud voice mp3")
    a.wait_stats(lambda s: s["tts_requests"] > before, timeout=5)


def test_wrong_upstream_token_fails_cleanly(pair, tmp_path):
    a, _ = pair
    b2 = _start_or_skip(tmp_path / "b2", _b_config(tmp_path / "b2_saved", a, "wrong-token"), "front_bad")
    try:
        try:
            resp = requests.post(b2.base + "/api/tts/stream", json={"text": ZH_TWO, "voice_type": "cloud"},
                                 stream=True, timeout=20)
        except requests.RequestException as e:
            pytest.fail(f"no answer from B with a bad upstream token: {e!r}")
        with resp:
            if resp.status_code != 200:
                assert resp.status_code >= 400, resp.status_code
                assert isinstance(resp.json(), dict), resp.text[:200]
            else:
                got = 0
                try:
                    for chunk in resp.iter_content(chunk_size=None):
                        got += len(chunk)
                except requests.RequestException as e:  # an aborted stream is accepted, a hang is not
                    assert "timed out" not in str(e).lower(), f"B hung on a refused upstream: {e!r}"
                assert got < 4096, f"{got} bytes of audio although the upstream refused the token"
        # B still serves its local voices
        res = stream_tts(b2.stream_url, {"text": ZH_TWO, "spk_id": 0}, timeout=30)
        assert res.status == 200
        assert_plausible_speech(res.pcm)
    finally:
        code = b2.stop(timeout=10)
        assert code == 0, f"B exited with {code}; log:\n{b2.log_tail()}"
