"""Piper (VITS on ONNX Runtime) voices: synthesis, routing, fallback and refusal.

Servers (module scope, started once each because a Piper voice takes seconds to load):

* ``piper_srv``: eSpeak NG default voice (spk 0), eSpeak f3 (spk 1) and a Piper row
  ``joe`` (spk 4, model piper_joe); every protocol plus offline ASR (pocketsphinx en).
  The default row is deliberately plain eSpeak NG, so a protocol that ignored the voice it
  was asked for would answer in eSpeak NG, which the checks below tell apart from Piper.
* ``routed_srv``: the default row has ``en: {engine: piper, model: piper_joe}``.
* ``fallback_srv``: the same voice rows with ``models_dir`` pointing to an empty folder.

Telling Piper from eSpeak NG (both run at 22050 Hz, so the spectrum above 11 kHz does not help):

* **Peak.** Piper output is peak-normalised per sentence (docs/models.md "Inference"), so its
  peak sits at full scale; eSpeak NG at the default amplitude peaks at 0.6-0.82 of full scale for
  the texts used here (measured: 20.8k for PHONE_TEXT, 26.2-26.7k for FOX). The eSpeak NG
  reference is measured in every run and must itself be below PEAK_ESPEAK_MAX, so the test
  cannot silently lose its power to discriminate.
* **Zero-crossing rate.** eSpeak NG's formant synthesis has much more high-frequency energy:
  on PHONE_TEXT and FOX its ZCR was 1.23-1.35 times Piper's at 16 and 24 kHz over repeated
  runs (Piper varies from run to run: VITS samples noise). ZCR_RATIO_MIN = 1.1 leaves margin.
* **Intelligibility.** pocketsphinx recognises Piper's English well (most words) and eSpeak NG's
  default voice hardly at all (0-3 of 7 words in trials), so the round trip is itself a check
  that Piper spoke.
"""
import asyncio
import base64
import json
import shutil
import subprocess
import time

import pytest
import requests
import websockets

import volc_client as vc
from asr_util import recognise
from audio_checks import (CLIP_MAX_FRACTION, assert_clean_speech, clip_fraction, pcm_stats, read_wav_bytes,
                          samples)
from configs import START_TIMEOUT, piper_config
from scoring import edit_distance, n_words, normalise_words
from server_process import REPO_ROOT, ServerProcess, free_port, healthz, stop_server, to_yaml, voxgate_bin
from tts_clients import ZH_ONE, post_stream, rest_pcm, rest_tts, session_stream, stream_tts

FULL = 32767
PEAK_PIPER_MIN = 0.9 * FULL     # Piper: peak-normalised per sentence (≥ 0.96 FS measured, 16 kHz incl.)
PEAK_ESPEAK_MAX = 0.85 * FULL   # eSpeak NG references must stay below this for the peak test to mean anything
ZCR_RATIO_MIN = 1.1             # ZCR(eSpeak NG) / ZCR(Piper), measured ≥ 1.23 on the texts below

FOX = "The quick brown fox jumps over the lazy dog."
PHONE_TEXT = "Please call me back in the morning."
ROUND_TRIP = [FOX, PHONE_TEXT, "It is a beautiful day in the neighborhood."]
THREE_SENTENCES = ("Good morning, everyone. The weather is lovely today, so we will walk to the park. "
                   "Please bring a warm coat and some water.")
MIXED = "今天天气很好。" + PHONE_TEXT

PIPER_SPK = 4
PIPER_NAME = "joe"
PIPER_ALIAS_VOLC = "en_US-joe-medium"
PIPER_ALIAS_ALI = "BV700_streaming"
PIPER_ROW = {"spk_id": PIPER_SPK, "name": PIPER_NAME, "engine": "piper", "model": "piper_joe",
             "aliases": [PIPER_ALIAS_VOLC, PIPER_ALIAS_ALI]}
ESPEAK_ROWS = [
    {"spk_id": 0, "name": "default", "variant": "", "aliases": ["BV001_streaming", "zh_female_1"]},
    {"spk_id": 1, "name": "female", "variant": "f3", "aliases": ["BV002_streaming"]},
]
ROUTED_ROW = {"spk_id": 0, "name": "default", "aliases": ["BV001_streaming"],
              "en": {"engine": "piper", "model": "piper_joe"}}


# ---------------------------------------------------------------- helpers

def _server(tmp_path_factory, name, cfg_fn):
    d = tmp_path_factory.mktemp(name)
    srv = ServerProcess(d, cfg_fn(d), name=name)
    srv.start(timeout=START_TIMEOUT)
    return srv


def zcr(pcm, rate):
    """Zero crossings per second."""
    a = samples(pcm)
    n = sum(1 for i in range(1, len(a)) if (a[i - 1] >= 0) != (a[i] >= 0))
    return n / (len(a) / rate)


def assert_piper(pcm, rate, espeak_ref, what):
    """Piper's signature against eSpeak NG's output of the same text at the same rate."""
    peak, _ = pcm_stats(pcm)
    ref_peak, _ = pcm_stats(espeak_ref)
    assert ref_peak < PEAK_ESPEAK_MAX, \
        f"{what}: eSpeak NG reference peaks at {ref_peak}: the peak test cannot tell the engines apart"
    z, zr = zcr(pcm, rate), zcr(espeak_ref, rate)
    assert peak >= PEAK_PIPER_MIN, \
        (f"{what}: peak {peak} < {PEAK_PIPER_MIN:.0f}: not Piper's peak-normalised output "
         f"(eSpeak NG reference peaks at {ref_peak})")
    assert zr >= ZCR_RATIO_MIN * z, \
        (f"{what}: zero-crossing rate {z:.0f}/s vs eSpeak NG {zr:.0f}/s (ratio {zr / z:.2f} < "
         f"{ZCR_RATIO_MIN}): sounds like eSpeak NG, not Piper")


def run_binary(config_text, workdir, timeout=30):
    """Start voxgate with a config that must not come up; return (exit code, output, saw_healthy)."""
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "bad.yaml"
    conf.write_text(config_text)
    log = workdir / "bad.log"
    port = free_port()
    with open(log, "wb") as out:
        p = subprocess.Popen([str(voxgate_bin()), "serve", "--config_file", str(conf), "--host", "127.0.0.1",
                              "--port", str(port)], stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, cwd=str(workdir))
        healthy = False
        deadline = time.monotonic() + timeout
        try:
            while p.poll() is None and time.monotonic() < deadline:
                try:
                    healthy |= requests.get(f"http://127.0.0.1:{port}/api/healthz", timeout=1).status_code == 200
                except requests.RequestException:
                    pass
                time.sleep(0.05)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=5)
                pytest.fail(f"voxgate still running {timeout}s after start; log:\n{log.read_text(errors='replace')[-3000:]}")
    return p.returncode, log.read_text(errors="replace"), healthy


# ---------------------------------------------------------------- servers

@pytest.fixture(scope="module")
def piper_srv(tmp_path_factory):
    srv = _server(tmp_path_factory, "piper",
                  lambda d: piper_config(d / "saved", ESPEAK_ROWS + [PIPER_ROW], asr=True, protocols=True))
    yield srv
    stop_server(srv)


@pytest.fixture(scope="module")
def routed_srv(tmp_path_factory):
    srv = _server(tmp_path_factory, "routed",
                  lambda d: piper_config(d / "saved", [ROUTED_ROW, ESPEAK_ROWS[1]]))
    yield srv
    stop_server(srv)


@pytest.fixture(scope="module")
def fallback_srv(tmp_path_factory):
    def cfg(d):
        empty = d / "no_models"
        empty.mkdir()
        mixed = dict(ROUTED_ROW, spk_id=5, name="routed", aliases=[])
        return piper_config(d / "saved", ESPEAK_ROWS + [PIPER_ROW, mixed], models_dir=empty)
    srv = _server(tmp_path_factory, "fallback", cfg)
    yield srv
    stop_server(srv)


@pytest.fixture(scope="module")
def espeak_phone(piper_srv):
    """PHONE_TEXT in the eSpeak NG default voice (spk 0 of piper_srv) at 24000 and 16000 Hz."""
    # offline REST takes 0 (the server's 24000), 8000 or 16000
    return {24000 if rate == 0 else rate: rest_pcm(piper_srv, PHONE_TEXT, rate=rate, spk_id=0)[0]
            for rate in (0, 16000)}


@pytest.fixture(scope="module")
def piper_phone_dur(piper_srv):
    """Duration of PHONE_TEXT from Piper over offline REST (the reference for the protocols)."""
    pcm, rate = rest_pcm(piper_srv, PHONE_TEXT, spk_id=PIPER_SPK)
    return len(pcm) / 2 / rate


def assert_protocol_answer(pcm, rate, espeak_phone, ref_dur, what):
    dur = assert_clean_speech(pcm, rate, PHONE_TEXT, what)
    # VITS durations vary a few % from run to run (noise_w 0.8); 20 % still excludes a wrong text
    assert abs(dur - ref_dur) <= 0.2 * ref_dur, f"{what}: {dur:.2f}s vs {ref_dur:.2f}s over offline REST"
    assert_piper(pcm, rate, espeak_phone[rate], what)


# ---------------------------------------------------------------- 1. real synthesis

def test_offline_rest_piper_synthesis(piper_srv, fallback_srv):
    h = healthz(piper_srv)
    voices = h["engines"].get("piper", {}).get("voices")
    assert {"model": "piper_joe", "sample_rate": 22050, "language": "en"} in voices, voices
    assert not any("piper_joe" in n for n in h["notes"]), h["notes"]

    res = rest_tts(piper_srv, {"text": FOX, "spk_id": PIPER_SPK})
    assert res["sample_rate"] == 24000 and res["spk_id"] == PIPER_SPK, {k: res[k] for k in res if k != "audio"}
    w = read_wav_bytes(base64.b64decode(res["audio"], validate=True))
    assert (w["channels"], w["sampwidth"], w["rate"]) == (1, 2, 24000), w
    assert w["frames"] * 2 == len(w["pcm"]), "WAV header frame count does not match the data"
    dur = assert_clean_speech(w["pcm"], 24000, FOX, "Piper over REST")
    assert abs(dur - res["duration"]) <= 0.05 * dur + 0.05, (dur, res["duration"])

    # The same voice row with the model missing is spoken by eSpeak NG: the outputs must differ.
    fb, fb_rate = rest_pcm(fallback_srv, FOX, spk_id=PIPER_SPK)
    assert fb_rate == 24000
    assert_clean_speech(fb, 24000, FOX, "eSpeak NG fallback over REST")
    assert_piper(w["pcm"], 24000, fb, "Piper vs the eSpeak NG fallback of the same row")


# ---------------------------------------------------------------- 2. round trip through ASR

def test_round_trip_through_asr(piper_srv):
    """Piper at 16 kHz -> POST /paddlespeech/asr (pocketsphinx en-us).

    pocketsphinx gets about a third of the words of read human speech wrong; on Piper's output it
    got 20-22 of these 24 words in trials (typical misses: "quick" -> "quiet", "jumps" -> "jumped").
    The same three sentences in eSpeak NG's default voice came back with 24/24 word errors, so
    requiring at least half of the words (word edit distance <= 50 % over all three sentences)
    keeps a wide margin on both sides.
    """
    errors = total = 0
    got = []
    for text in ROUND_TRIP:
        pcm, rate = rest_pcm(piper_srv, text, rate=16000, spk_id=PIPER_SPK)
        assert rate == 16000
        assert_clean_speech(pcm, 16000, text, f"Piper at 16 kHz: {text!r}")
        hyp = recognise(piper_srv, pcm, 16000)
        e = edit_distance(normalise_words(hyp), normalise_words(text))
        errors += e
        total += n_words(text)
        got.append((text, hyp, e))
    assert errors <= 0.5 * total, f"word errors {errors}/{total} > 50%: {got}"


# ---------------------------------------------------------------- 3. every protocol picks the Piper voice

def test_http_streaming_spk_id(piper_srv, espeak_phone, piper_phone_dur):
    res = stream_tts(piper_srv.stream_url, {"text": PHONE_TEXT, "spk_id": PIPER_SPK})
    assert res.status == 200, (res.status, res.body)
    assert_protocol_answer(res.pcm, 24000, espeak_phone, piper_phone_dur, "HTTP streaming spk_id 4")


def test_websocket_spk_id(piper_srv, espeak_phone, piper_phone_dur):
    async def go():
        async with websockets.connect(piper_srv.ws_url, open_timeout=30, close_timeout=5) as ws:
            await ws.send(json.dumps({"task": "tts", "signal": "start"}))
            m = json.loads(await asyncio.wait_for(ws.recv(), 30))
            assert m["status"] == 0 and m["signal"] == "server ready", m
            sid = m["session"]
            await ws.send(json.dumps({"text": PHONE_TEXT, "spk_id": PIPER_SPK}))
            pcm = bytearray()
            while True:
                m = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if m["status"] == 1:
                    pcm += base64.b64decode(m["audio"], validate=True)
                elif m["status"] == 2:
                    break
                else:
                    raise AssertionError(f"unexpected message {m}")
            await ws.send(json.dumps({"task": "tts", "signal": "end", "session": sid}))
            m = json.loads(await asyncio.wait_for(ws.recv(), 30))
            assert m.get("signal") == "connection will be closed", m
            return bytes(pcm)
    pcm = asyncio.run(asyncio.wait_for(go(), 90))
    assert_protocol_answer(pcm, 24000, espeak_phone, piper_phone_dur, "WebSocket spk_id 4")


def test_session_api_voice_type(piper_srv, espeak_phone, piper_phone_dur):
    # the session API matches voice_type against each row's name and aliases
    res = session_stream(piper_srv, {"text": PHONE_TEXT, "voice_type": PIPER_NAME, "format": "pcm",
                                     "sample_rate": 24000})
    assert res.status == 200, res
    assert res.complete, res.error
    assert res.headers.get("X-Sample-Rate") == "24000", res.headers
    assert_protocol_answer(res.body, 24000, espeak_phone, piper_phone_dur, f"session API voice_type {PIPER_NAME}")


def test_volcengine_voice_type_alias(piper_srv, espeak_phone, piper_phone_dur):
    res = vc.run(vc.synthesize(vc.ws_url(piper_srv), PHONE_TEXT, voice_type=PIPER_ALIAS_VOLC, rate=24000))
    assert res.error is None, f"error frame {res.error!r}"
    assert res.ok, res
    assert_protocol_answer(res.audio, 24000, espeak_phone, piper_phone_dur,
                           f"Volcengine voice_type {PIPER_ALIAS_VOLC}")


def test_alibaba_voice_id_alias(piper_srv, espeak_phone, piper_phone_dur):
    body = {"Text": PHONE_TEXT, "VoiceId": PIPER_ALIAS_ALI, "SampleRate": 16000,
            "ExtendData": json.dumps({"InstanceId": "1", "ChannelId": "2", "SentenceId": 1})}
    res = post_stream(piper_srv.base + "/stream-audio", body)
    assert res.status == 200, res
    assert res.complete, res.error
    assert_protocol_answer(res.body, 16000, espeak_phone, piper_phone_dur, f"Alibaba VoiceId {PIPER_ALIAS_ALI}")


# ---------------------------------------------------------------- 4. streaming

def test_http_streaming_is_incremental(piper_srv):
    """Three sentences over HTTP streaming: many chunks, the first before synthesis is over.

    Order, not time: when the first chunk is in hand, the server's own counter of synthesized
    text segments must be below its final value for this request (the server counts a segment
    after its audio has left; this text makes 5: "Good morning" (the first segment is cut at 12
    characters), then one per clause). Measured: 1 of 5 when the first chunk arrives. The server
    only serves this module and its tests run one at a time, so the counter moves for this
    request alone.
    Besides, each segment's tail is sent as its own short chunk, so short chunks appear in the
    middle of the stream, not only at its end.
    """
    full_piece = 24000 * 450 // 1000 // 3 * 3 * 2  # piece_ms 450 at 24 kHz, s16le bytes
    before = piper_srv.stats()["clauses_synthesized"]
    resp = requests.post(piper_srv.stream_url, data=json.dumps({"text": THREE_SENTENCES, "spk_id": PIPER_SPK}),
                         stream=True, timeout=60)
    try:
        assert resp.status_code == 200, resp.content[:300]
        it = resp.iter_content(chunk_size=None)
        first = next(it)
        at_first = piper_srv.stats()
        chunks = [first] + list(it)
    finally:
        resp.close()
    after = piper_srv.wait_idle()
    pcms = [base64.b64decode(c, validate=True) for c in chunks]
    total_segments = after["clauses_synthesized"] - before
    assert total_segments >= 3, f"only {total_segments} segments counted for a three-sentence text"
    assert len(chunks) >= 3, f"{len(chunks)} chunks for three sentences"
    assert at_first["synth_active"] >= 1 and at_first["clauses_synthesized"] - before < total_segments, \
        (f"the first chunk arrived after all {total_segments} segments were synthesized "
         f"(counter at first chunk: {at_first['clauses_synthesized'] - before}, synth_active "
         f"{at_first['synth_active']}): the answer was not streamed")
    short_inside = [i for i, p in enumerate(pcms[:-1]) if len(p) < full_piece]
    assert len(short_inside) >= 2, \
        (f"no segment boundaries inside the stream (chunk sizes {[len(p) for p in pcms]}): "
         f"audio did not leave segment by segment")
    assert all(len(p) <= full_piece for p in pcms), f"a chunk longer than piece_ms: {[len(p) for p in pcms]}"
    assert_clean_speech(b"".join(pcms), 24000, THREE_SENTENCES, "three sentences streamed")
    peak, _ = pcm_stats(b"".join(pcms))
    assert peak >= PEAK_PIPER_MIN, f"peak {peak}: not Piper"


# ---------------------------------------------------------------- 5. the default voice routes by language

def test_default_voice_routes_by_language(routed_srv, piper_srv, espeak_phone):
    h = healthz(routed_srv)
    loaded = h["engines"].get("piper", {}).get("voices", [])
    assert any(v.get("model") == "piper_joe" for v in loaded), f"piper_joe not loaded: {h['engines']}"

    # Chinese: eSpeak NG (Piper's voice speaks English only) -> same length as the plain eSpeak
    # NG default voice of piper_srv (eSpeak NG is nearly repeatable: ±3 %).
    zh, rate = rest_pcm(routed_srv, ZH_ONE)  # no spk_id: the default row
    zh_ref, _ = rest_pcm(piper_srv, ZH_ONE, spk_id=0)
    d_zh, d_ref = len(zh) / 2 / rate, len(zh_ref) / 2 / rate
    assert 0.5 <= d_zh <= 5.0, f"Chinese: {d_zh:.2f}s for 7 characters"
    assert abs(d_zh - d_ref) <= 0.1 * d_ref, f"Chinese via the routed default: {d_zh:.2f}s, eSpeak NG {d_ref:.2f}s"
    zh_peak, _ = pcm_stats(zh)
    assert 500 < zh_peak < PEAK_ESPEAK_MAX, f"Chinese peak {zh_peak}: expected eSpeak NG (not peak-normalised)"

    # English: Piper
    en, rate = rest_pcm(routed_srv, PHONE_TEXT)
    assert rate == 24000
    d_en = assert_clean_speech(en, rate, PHONE_TEXT, "English via the routed default")
    assert_piper(en, rate, espeak_phone[24000], "English via the routed default")

    # Mixed: Chinese clause (eSpeak NG) then English clause (Piper), in that order.
    mixed, rate = rest_pcm(routed_srv, MIXED)
    d_mixed = len(mixed) / 2 / rate
    assert abs(d_mixed - (d_zh + d_en)) <= 0.2 * (d_zh + d_en), \
        f"mixed text: {d_mixed:.2f}s, its parts alone {d_zh:.2f}s + {d_en:.2f}s"
    cut = int(0.9 * d_zh * rate) * 2
    head_peak, _ = pcm_stats(mixed[:cut])
    tail_peak, _ = pcm_stats(mixed[cut:])
    assert 500 < head_peak < PEAK_ESPEAK_MAX, f"mixed: the Chinese part peaks at {head_peak}, not eSpeak NG-like"
    assert tail_peak >= PEAK_PIPER_MIN, f"mixed: the English part peaks at {tail_peak}, not Piper"
    assert clip_fraction(mixed) < CLIP_MAX_FRACTION


# ---------------------------------------------------------------- 6. missing model, hash mismatch

def test_missing_model_falls_back_to_espeak(fallback_srv):
    h = healthz(fallback_srv)
    notes = h["notes"]
    assert isinstance(notes, list) and all(isinstance(n, str) for n in notes), notes
    assert any("piper_joe" in n for n in notes), f"no note about piper_joe: {notes}"
    assert not any(v.get("model") == "piper_joe" for v in h["engines"].get("piper", {}).get("voices", [])), h
    log = fallback_srv.log_tail(20000)
    assert "piper_joe" in log and "warn" in log.lower(), f"no warning about piper_joe in the log:\n{log}"

    ref, rate = rest_pcm(fallback_srv, PHONE_TEXT, spk_id=0)  # eSpeak NG default voice
    d_ref = len(ref) / 2 / rate
    for spk, what in ((PIPER_SPK, "Piper row"), (5, "row with en: piper override")):
        pcm, rate = rest_pcm(fallback_srv, PHONE_TEXT, spk_id=spk)
        d = assert_clean_speech(pcm, rate, PHONE_TEXT, f"fallback {what}")
        # spoken by eSpeak NG with the row's own (default) settings: same length as spk 0
        assert abs(d - d_ref) <= 0.08 * d_ref, f"fallback {what}: {d:.2f}s vs eSpeak NG default {d_ref:.2f}s"
        peak, _ = pcm_stats(pcm)
        assert peak < PEAK_ESPEAK_MAX, f"fallback {what}: peak {peak}, looks peak-normalised (Piper?)"
    # streaming works too
    res = stream_tts(fallback_srv.stream_url, {"text": PHONE_TEXT, "spk_id": PIPER_SPK})
    assert res.status == 200, (res.status, res.body)
    assert_clean_speech(res.pcm, 24000, PHONE_TEXT, "fallback streaming")


def test_hash_mismatch_refuses_to_start(tmp_path):
    models = tmp_path / "models"
    (models / "piper").mkdir(parents=True)
    (models / "piper" / "en_US-joe-medium.onnx").write_bytes(b"not an onnx model\n" * 1000)
    real_json = REPO_ROOT / "models" / "piper" / "en_US-joe-medium.onnx.json"
    assert real_json.is_file(), f"{real_json} missing: run scripts/install_models.py"
    shutil.copy(real_json, models / "piper" / "en_US-joe-medium.onnx.json")
    cfg = piper_config(tmp_path / "saved", ESPEAK_ROWS + [PIPER_ROW], models_dir=models)
    code, out, healthy = run_binary(to_yaml(cfg) + "\n", tmp_path / "run")
    assert code not in (0, None), f"exit code {code} with a corrupt model; output:\n{out[-3000:]}"
    assert "refusing to load" in out, f"no 'refusing to load' in the output:\n{out[-3000:]}"
    assert "en_US-joe-medium.onnx" in out, f"the output does not name the file:\n{out[-3000:]}"
    manifest = json.loads((REPO_ROOT / "models" / "manifest.json").read_text())
    assert manifest["models"]["piper_joe"]["sha256"] in out, "the output does not give the expected hash"
    assert not healthy, "/api/healthz answered 200 although the model was refused"


# ---------------------------------------------------------------- 7. configuration errors

@pytest.mark.parametrize("voices,key", [
    (ESPEAK_ROWS[:1] + [{"spk_id": 4, "name": "joe", "engine": "piper"}], "voxgate.voices[1].model"),
    ([{"spk_id": 0, "name": "default", "en": {"engine": "piper"}}], "voxgate.voices[0].en.model"),
], ids=["row", "en-override"])
def test_piper_row_without_model_is_a_config_error(tmp_path, voices, key):
    cfg = piper_config(tmp_path / "saved", voices)
    code, out, healthy = run_binary(to_yaml(cfg) + "\n", tmp_path / "run", timeout=15)
    assert code not in (0, None), f"exit code {code}; output:\n{out[-2000:]}"
    assert "configuration error" in out, out[-2000:]
    assert f"`{key}`" in out, f"the message does not name `{key}`:\n{out[-2000:]}"
    assert not healthy
