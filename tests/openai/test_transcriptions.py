"""POST /v1/audio/transcriptions through the official openai SDK (issue 14 item 2)."""
import json
import subprocess

import openai
import pytest

import recorded_audio
from recorded_audio import AUDIO_DIR, EN_DIGITS, EN_LIBRISPEECH, ZH_AISHELL, references
from scoring import digit_misses, hanzi_error_rate, word_error_rate

pytestmark = pytest.mark.recorded_audio

MODEL = "whisper-1"


def _reference(path):
    return references()[path.name][1]


def _transcribe(client, path, **kw):
    with open(path, "rb") as f:
        return client.audio.transcriptions.create(model=kw.pop("model", MODEL), file=f, **kw)


@pytest.fixture(scope="module")
def verbose(client):
    return _transcribe(client, EN_DIGITS, response_format="verbose_json",
                       timestamp_granularities=["word", "segment"])


def test_json_text_matches_the_recording(client):
    r = _transcribe(client, EN_DIGITS)
    assert digit_misses(r.text, _reference(EN_DIGITS)) <= 2, r.text


def test_verbose_json_has_segments_and_word_times(verbose):
    assert verbose.language == "english"
    assert 5 < verbose.duration < 20
    assert verbose.segments, verbose
    words = verbose.words
    # Whisper writes the digits as numerals ("1,001"): a few words that say them all.
    assert len(words) >= 3, words
    assert digit_misses(" ".join(w.word for w in words), _reference(EN_DIGITS)) <= 2, words
    starts = [w.start for w in words]
    assert starts == sorted(starts)
    assert all(0 <= w.start <= w.end <= verbose.duration + 0.5 for w in words), words
    assert verbose.text.strip()


def test_text_srt_and_vtt(client, verbose):
    text = _transcribe(client, EN_DIGITS, response_format="text")
    assert isinstance(text, str) and digit_misses(text, _reference(EN_DIGITS)) <= 2, text
    srt = _transcribe(client, EN_DIGITS, response_format="srt")
    assert srt.startswith("1\n00:00:") and " --> " in srt, srt
    vtt = _transcribe(client, EN_DIGITS, response_format="vtt")
    assert vtt.startswith("WEBVTT\n\n00:00:") and " --> " in vtt, vtt


def test_mandarin(client):
    r = _transcribe(client, ZH_AISHELL, language="zh")
    assert hanzi_error_rate(r.text, _reference(ZH_AISHELL)) <= 0.3, r.text


def test_a_mandarin_upload_without_language_is_detected(client):
    """No `language`: voxgate.openai.default_language is auto, so Whisper's language head picks it."""
    r = _transcribe(client, ZH_AISHELL, response_format="verbose_json")
    assert r.language == "chinese", r
    assert hanzi_error_rate(r.text, _reference(ZH_AISHELL)) <= 0.3, r.text


def test_the_packaged_mp3_upload(client):
    path = AUDIO_DIR / "zh_funasr_asr_example.mp3"
    recorded_audio.recording(path)
    r = _transcribe(client, path, language="zh")
    assert hanzi_error_rate(r.text, references()[path.name][1]) <= 0.3, r.text


@pytest.mark.parametrize("suffix, codec", [(".m4a", "aac"), (".ogg", "libopus"), (".webm", "libopus"),
                                           (".flac", "flac")])
def test_common_upload_formats(client, tmp_path, suffix, codec):
    out = tmp_path / f"digits{suffix}"
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(EN_DIGITS), "-c:a", codec, str(out)],
                   check=True, timeout=60)
    r = _transcribe(client, out)
    assert digit_misses(r.text, _reference(EN_DIGITS)) <= 2, (suffix, r.text)


def test_streamed_transcription(client):
    with open(EN_DIGITS, "rb") as f:
        events = list(client.audio.transcriptions.create(model=MODEL, file=f, stream=True))
    types = [e.type for e in events]
    assert types[-1] == "transcript.text.done" and "transcript.text.delta" in types, types
    deltas = "".join(e.delta for e in events if e.type == "transcript.text.delta")
    assert deltas == events[-1].text
    assert digit_misses(events[-1].text, _reference(EN_DIGITS)) <= 2, events[-1].text


def test_refusals(client, server, tmp_path):
    from conftest import MAX_UPLOAD
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"this is not a recording at all" * 10)
    with pytest.raises(openai.BadRequestError) as e:
        _transcribe(client, junk)
    assert e.value.body["param"] == "file", e.value.body
    with pytest.raises(openai.NotFoundError) as e:
        _transcribe(client, EN_DIGITS, model="whisper-9")
    assert e.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as e:
        _transcribe(client, EN_DIGITS, language="fr")
    assert e.value.body["param"] == "language"
    big = tmp_path / "big.wav"
    big.write_bytes(b"\0" * (MAX_UPLOAD + 1))
    with pytest.raises(openai.APIStatusError) as e:
        _transcribe(client, big)
    assert e.value.status_code == 413, e.value
    # Far past the limit the transport refuses the body before reading it.
    bigger = tmp_path / "bigger.wav"
    bigger.write_bytes(b"\0" * (MAX_UPLOAD * 2))
    with pytest.raises(openai.APIStatusError) as e:
        _transcribe(client, bigger)
    assert e.value.status_code == 413, e.value


def test_models_and_voices(client, server):
    import requests
    from conftest import API_KEY
    ids = {m.id for m in client.models.list()}
    assert {"tts-1", "tts-1-hd", "gpt-4o-mini-tts", "whisper-1", "gpt-4o-transcribe", "piper", "espeak",
            "whisper"} <= ids, ids
    assert client.models.retrieve("whisper-1").id == "whisper-1"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-5")
    voices = requests.get(server.base + "/v1/audio/voices", headers={"Authorization": f"Bearer {API_KEY}"},
                          timeout=10).json()["data"]
    by_name = {v["name"]: v for v in voices}
    assert "alloy" in by_name["default"]["openai_names"], by_name
    assert by_name["default"]["engines"] == {"en": "piper", "zh": "espeak"}, by_name
    assert by_name["joe"]["sample_rate"] == 24000
    # The access log names the prefix route, never the client's id.
    log = server.log_path.read_text(errors="replace")
    assert "/v1/models/*" in log and "gpt-5" not in log
    json.dumps(voices)


# /v1/audio/translations: Whisper's translate task, the spoken language detected per utterance.
def _translate(client, path, **kw):
    with open(path, "rb") as f:
        return client.audio.translations.create(model=MODEL, file=f, **kw)


def test_translation_of_english_speech_is_its_text(client):
    r = _translate(client, EN_LIBRISPEECH, response_format="verbose_json")
    assert r.task == "translate" and r.language == "english", r
    assert word_error_rate(r.text, _reference(EN_LIBRISPEECH)) <= 0.2, r.text


def test_translation_of_mandarin_speech_has_no_chinese(client):
    # Whisper base translates these clips badly; its guards may drop the text as unconfident
    # (honest), but what it keeps is English, never the transcript in hanzi.
    r = _translate(client, ZH_AISHELL, response_format="text")
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in r), r
    same = _transcribe(client, ZH_AISHELL, language="zh")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in same.text), "the transcription of the same clip is hanzi"
