"""Kokoro-82M (int8 ONNX) voices: real synthesis, a round trip through the recognizer, fallback.

Kokoro runs at roughly 3x slower than real time on the 2-core test machine (bench/README.md),
so this file synthesizes only three short sentences, on one server. The Mandarin voice is
checked by a round trip through Whisper (the only Mandarin recognizer).
"""
import pytest

from asr_util import recognise
from audio_checks import assert_clean_speech
from configs import START_TIMEOUT, piper_config
from scoring import edit_distance, n_words, normalise_words
from server_process import ServerProcess, healthz, stop_server
from tts_clients import rest_pcm

KOKORO_SPK = 5
MANDARIN_SPK = 7
SENTENCE = "Please call me back in the morning."
MANDARIN = "今天天气很好。"
ROWS = [
    {"spk_id": 0, "name": "default", "variant": ""},
    {"spk_id": KOKORO_SPK, "name": "heart", "engine": "kokoro", "model": "kokoro_af_heart", "aliases": ["af_heart"]},
    {"spk_id": MANDARIN_SPK, "name": "xiaoxiao", "engine": "kokoro", "model": "kokoro_zf_xiaoxiao"},
]


def kokoro_config(d):
    cfg = piper_config(d, ROWS, asr=True)
    cfg["voxgate"]["asr"] = {"recognizers": {"en": {"streaming": "pocketsphinx"}, "zh": {"final": "whisper"}}}
    return cfg


@pytest.fixture(scope="module")
def kokoro_srv(tmp_path_factory):
    d = tmp_path_factory.mktemp("kokoro")
    srv = ServerProcess(d, kokoro_config(d), name="kokoro")
    srv.start(timeout=START_TIMEOUT)
    yield srv
    stop_server(srv)


def test_healthz_lists_kokoro(kokoro_srv):
    k = healthz(kokoro_srv)["engines"]["kokoro"]
    assert k["loaded"] is True and k["sample_rate"] == 24000, k
    assert [(v["model"], v["language"]) for v in k["voices"]] == \
        [("kokoro_af_heart", "en-us"), ("kokoro_zf_xiaoxiao", "zh")], k


def test_kokoro_speech_is_recognised(kokoro_srv):
    """Kokoro at 16 kHz through POST /paddlespeech/asr (pocketsphinx en-us).

    In trials pocketsphinx got 5-7 of these 7 words from af_heart; eSpeak NG's default voice gets
    0-3 of them (test_piper.py), so at most 3 word errors of 7 both proves Kokoro spoke
    intelligible English and leaves room for the recognizer's and VITS-style sampling variation.
    """
    pcm, rate = rest_pcm(kokoro_srv, SENTENCE, rate=16000, spk_id=KOKORO_SPK)
    assert rate == 16000
    assert_clean_speech(pcm, rate, SENTENCE, "Kokoro af_heart")
    hyp = recognise(kokoro_srv, pcm, rate)
    errors = edit_distance(normalise_words(hyp), normalise_words(SENTENCE))
    assert errors <= 3, f"{errors}/{n_words(SENTENCE)} word errors: heard {hyp!r}"


def test_mandarin_voice_is_recognised(kokoro_srv):
    """zf_xiaoxiao through the Unihan pinyin G2P, back through Whisper base (lang zh).

    In trials Whisper got every character of this sentence and of a 17-character one from
    xiaoxiao, and none right from eSpeak NG's Mandarin. At most 2 of 6 character errors proves
    intelligible Mandarin with room for Whisper's variation.
    """
    pcm, rate = rest_pcm(kokoro_srv, MANDARIN, rate=16000, spk_id=MANDARIN_SPK)
    assert_clean_speech(pcm, rate, "今 天 天 气 很 好", "Kokoro zf_xiaoxiao")
    hyp = recognise(kokoro_srv, pcm, rate, lang="zh")
    ref = [c for c in MANDARIN if c.isalnum()]
    errors = edit_distance([c for c in hyp if c.isalnum()], ref)
    assert errors <= 2, f"{errors}/{len(ref)} character errors: heard {hyp!r}"


def test_chinese_text_on_an_english_kokoro_voice_falls_back_to_espeak(kokoro_srv):
    """An English pack does not speak Mandarin: Chinese text on that row is read by eSpeak NG."""
    pcm, rate = rest_pcm(kokoro_srv, "今天天气很好。", spk_id=KOKORO_SPK)
    assert rate == 24000 and 0.8 <= len(pcm) / 2 / rate <= 4.0, len(pcm)
