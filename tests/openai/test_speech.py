"""POST /v1/audio/speech through the official openai SDK (issue 14 item 1)."""
import base64
import json

import openai
import pytest
import requests

from audio_checks import assert_plausible_speech, audio_info, to_wav

TEXT = "Hello from voxgate. One, two, three, four, five."
LONG = " ".join(f"This is sentence number {n}, and it is here to keep the engine busy for a while." for n in range(12))

# response_format -> (file suffix for ffprobe, codec ffprobe names)
FORMATS = {"mp3": (".mp3", "mp3"), "opus": (".ogg", "opus"), "aac": (".aac", "aac"),
           "flac": (".flac", "flac"), "wav": (".wav", "pcm_s16le")}


def _speech(client, **kw):
    args = {"model": "tts-1", "voice": "alloy", "input": TEXT}
    args.update(kw)
    return client.audio.speech.create(**args).content


def test_every_format_decodes_to_the_same_speech(client):
    pcm = _speech(client, response_format="pcm")
    assert len(pcm) % 2 == 0
    assert_plausible_speech(pcm, rate=24000)
    reference = len(pcm) / 2 / 24000
    for fmt, (suffix, codec) in FORMATS.items():
        data = _speech(client, response_format=fmt)
        info = audio_info(data, suffix)
        assert info["codec"] == codec, (fmt, info["codec"], info["probe_err"])
        assert info["sample_rate"] == (48000 if fmt == "opus" else 24000), (fmt, info["sample_rate"])
        assert info["ffmpeg_rc"] == 0, (fmt, info["ffmpeg_err"][-300:])
        # Piper's durations vary from run to run (its noise_w), so each format is its own synthesis:
        # the same text within 15%, as the other protocols' format tests allow.
        assert abs(info["duration"] - reference) < 0.15 * reference, (fmt, info["duration"], reference)


def test_default_format_is_mp3_and_aliases_work(client):
    r = client.audio.speech.with_raw_response.create(model="gpt-4o-mini-tts", voice="echo", input=TEXT,
                                                     instructions="Speak cheerfully.")
    assert r.headers["content-type"] == "audio/mpeg"
    assert audio_info(r.content, ".mp3")["codec"] == "mp3"
    # voxgate's own voice names, aliases and engine ids are accepted too.
    for model, voice in (("piper", "joe"), ("tts-1-hd", "en_US-joe-medium"), ("espeak", "female")):
        assert len(_speech(client, model=model, voice=voice, response_format="pcm")) > 24000


def test_speed_changes_duration(client):
    normal = len(_speech(client, response_format="pcm"))
    fast = len(_speech(client, response_format="pcm", speed=2.0))
    slow = len(_speech(client, response_format="pcm", speed=0.5))
    assert fast < 0.7 * normal < slow * 0.7, (fast, normal, slow)


def test_mandarin_text_goes_to_the_voice_mandarin_engine(client):
    pcm = _speech(client, input="你好，欢迎使用语音合成服务。", response_format="pcm")
    assert_plausible_speech(pcm, rate=24000)


def test_audio_streams_while_synthesis_goes_on(client, server):
    with client.audio.speech.with_streaming_response.create(model="tts-1", voice="alloy", input=LONG,
                                                            response_format="pcm") as r:
        chunks = r.iter_bytes(4800)
        first = next(chunks)
        assert first
        # The first audio is here while the rest of the text is still being synthesized.
        assert server.stats()["synth_active"] >= 1
        total = len(first) + sum(len(c) for c in chunks)
    assert total / 2 / 24000 > 20  # all twelve sentences came


def test_leaving_mid_stream_stops_synthesis(client, server):
    with client.audio.speech.with_streaming_response.create(model="tts-1", voice="alloy", input=LONG,
                                                            response_format="mp3") as r:
        next(r.iter_bytes(1024))
    server.wait_idle(timeout=20)


def test_sse_deltas_then_done(client):
    with client.audio.speech.with_streaming_response.create(model="tts-1", voice="alloy", input=TEXT,
                                                            response_format="mp3",
                                                            extra_body={"stream_format": "sse"}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [json.loads(line[len("data: "):]) for line in r.iter_lines() if line.startswith("data: ")]
    assert len(events) >= 2, events
    assert all(e["type"] == "speech.audio.delta" for e in events[:-1])
    assert events[-1]["type"] == "speech.audio.done"
    assert events[-1]["usage"]["input_tokens"] == len(TEXT)
    audio = b"".join(base64.b64decode(e["audio"]) for e in events[:-1])
    info = audio_info(audio, ".mp3")
    assert info["codec"] == "mp3" and info["duration"] > 1.0


@pytest.mark.parametrize("kw, param", [
    ({"voice": "nobody"}, "voice"),
    ({"input": ""}, "input"),
    ({"response_format": "ogg"}, "response_format"),
    ({"speed": 5.0}, "speed"),
])
def test_bad_parameters_are_400_in_openais_shape(client, kw, param):
    with pytest.raises(openai.BadRequestError) as e:
        _speech(client, **kw)
    assert e.value.status_code == 400
    assert e.value.body["param"] == param and e.value.body["type"] == "invalid_request_error", e.value.body


def test_unknown_model_is_404_model_not_found(client):
    with pytest.raises(openai.NotFoundError) as e:
        _speech(client, model="tts-9")
    assert e.value.code == "model_not_found"


def test_wrong_key_is_401(server):
    bad = openai.OpenAI(base_url=server.base + "/v1", api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as e:
        bad.audio.speech.create(model="tts-1", voice="alloy", input=TEXT)
    assert e.value.code == "invalid_api_key"
    # Without a key at all (the SDK insists on one, so plain HTTP).
    r = requests.post(server.base + "/v1/audio/speech", json={"model": "tts-1", "voice": "alloy", "input": "x"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"


def test_full_sessions_are_429_with_retry_after(client, server):
    from conftest import MAX_SESSIONS
    import contextlib
    readers = []  # a dropped iter_bytes generator closes its response: they are kept until the end
    with contextlib.ExitStack() as held:
        for _ in range(MAX_SESSIONS):
            r = held.enter_context(client.audio.speech.with_streaming_response.create(
                model="tts-1", voice="alloy", input=LONG, response_format="pcm"))
            readers.append(r.iter_bytes(1024))
            next(readers[-1])
        assert server.stats()["active_sessions"] == MAX_SESSIONS
        with pytest.raises(openai.RateLimitError) as e:
            _speech(client)
        assert e.value.response.headers["retry-after"] == "1"
    server.wait_idle(timeout=30)


def test_pcm_is_24k_mono_s16le(client):
    pcm = _speech(client, response_format="pcm")
    info = audio_info(to_wav(pcm, 24000), ".wav")
    assert info["sample_rate"] == 24000 and info["channels"] == 1
