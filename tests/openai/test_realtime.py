"""Realtime transcription over WebSocket (/v1/realtime?intent=transcription, issue 14 item 4), with
the official SDK's realtime client, the beta event names, and a browser's subprotocol key."""
import asyncio
import base64
import json
import subprocess

import pytest
import websockets

from conftest import API_KEY, MAX_AUDIO_S
from recorded_audio import EN_DIGITS, references
from scoring import digit_misses

pytestmark = pytest.mark.recorded_audio
CHUNK = 4800  # 100 ms of 24 kHz s16le


@pytest.fixture(scope="module")
def digits_24k():
    out = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(EN_DIGITS), "-f", "s16le", "-ac", "1",
                          "-ar", "24000", "-"], capture_output=True, check=True, timeout=60).stdout
    return out


def _append_all(conn, pcm):
    for i in range(0, len(pcm), CHUNK):
        conn.input_audio_buffer.append(audio=base64.b64encode(pcm[i:i + CHUNK]).decode())


def _events_until_manual_commit(conn):
    """Events up to the completed item of the client's own commit: the one item with no speech events."""
    events, spoken = [], set()
    for event in conn:
        events.append(event)
        if event.type == "input_audio_buffer.speech_started":
            spoken.add(event.item_id)
        if event.type == "conversation.item.input_audio_transcription.completed" and event.item_id not in spoken:
            return events
        if event.type == "error":
            pytest.fail(f"error event: {event}")
    pytest.fail(f"the connection ended first: {[e.type for e in events]}")


def test_server_vad_gives_deltas_and_a_completed_item_per_utterance(client, digits_24k):
    with client.realtime.connect(extra_query={"intent": "transcription"}) as conn:
        created = conn.recv()
        assert created.type == "session.created", created
        conn.session.update(session={
            "type": "transcription",
            "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000},
                                "transcription": {"model": "whisper-1", "language": "en"},
                                "turn_detection": {"type": "server_vad", "threshold": 0.5,
                                                   "prefix_padding_ms": 300, "silence_duration_ms": 3000}}}})
        assert conn.recv().type == "session.updated"
        # Whisper base reads the digits' groups well together and badly one by one (a 1.2 s silence
        # cuts this file into three): 3 s keeps it one utterance. Then 4 s of silence closes it.
        _append_all(conn, digits_24k + b"\0" * (CHUNK * 40))
        conn.input_audio_buffer.commit()
        events = _events_until_manual_commit(conn)
    types = [e.type for e in events]
    completed = [e for e in events if e.type == "conversation.item.input_audio_transcription.completed"]
    spoken = [e for e in completed if e.transcript]
    assert spoken, types
    assert "conversation.item.input_audio_transcription.delta" in types, types
    # Per item: speech_started, then speech_stopped, committed and completed, in that order.
    for item in {e.item_id for e in spoken}:
        order = [e.type.rsplit(".", 1)[-1] for e in events if getattr(e, "item_id", None) == item
                 and e.type != "conversation.item.input_audio_transcription.delta"]
        assert order == ["speech_started", "speech_stopped", "committed", "completed"], (item, order)
    started = [e.audio_start_ms for e in events if e.type == "input_audio_buffer.speech_started"]
    assert started == sorted(started) and all(0 <= s < 12000 for s in started), started
    heard = " ".join(e.transcript for e in spoken)
    assert digit_misses(heard, references()[EN_DIGITS.name][1]) <= 3, heard


def test_no_turn_detection_commits_by_hand(client, digits_24k):
    with client.realtime.connect(extra_query={"intent": "transcription"}) as conn:
        conn.recv()
        # English named: without a language, partials wait for Whisper to detect it, and this
        # audio comes faster than any re-run could (the deltas are what is checked here).
        conn.session.update(session={"type": "transcription",
                                     "audio": {"input": {"turn_detection": None,
                                                         "transcription": {"model": "gpt-4o-transcribe",
                                                                           "language": "en"}}}})
        assert conn.recv().session.audio.input.turn_detection is None
        _append_all(conn, digits_24k)
        conn.input_audio_buffer.commit()
        events = _events_until_manual_commit(conn)
    types = [e.type for e in events]
    assert "input_audio_buffer.speech_started" not in types, types
    assert "conversation.item.input_audio_transcription.delta" in types, types
    done = events[-1]
    assert digit_misses(done.transcript, references()[EN_DIGITS.name][1]) <= 2, done.transcript


def _ws_url(server):
    return f"ws://{server.host}:{server.port}/v1/realtime?intent=transcription"


def test_beta_names_and_a_browsers_subprotocol_key(server, digits_24k):
    async def go():
        protocols = ["realtime", f"openai-insecure-api-key.{API_KEY}", "openai-beta.realtime-v1"]
        async with websockets.connect(_ws_url(server), subprotocols=protocols) as ws:
            assert ws.subprotocol == "realtime"
            created = json.loads(await ws.recv())
            assert created["type"] == "transcription_session.created", created
            await ws.send(json.dumps({"type": "transcription_session.update", "event_id": "evt-1",
                                      "session": {"input_audio_format": "pcm16", "turn_detection": None,
                                                  "input_audio_transcription": {"model": "whisper-1"}}}))
            assert json.loads(await ws.recv())["type"] == "transcription_session.updated"
            # A field of the wrong JSON type is an error about that field; the session goes on.
            await ws.send(json.dumps({"type": "transcription_session.update", "event_id": "evt-t",
                                      "session": {"turn_detection": {"type": 1}}}))
            error = json.loads(await ws.recv())
            assert error["error"]["param"] == "session.turn_detection.type", error
            await ws.send(json.dumps({"type": "response.create", "event_id": "evt-2"}))
            error = json.loads(await ws.recv())
            assert error["type"] == "error" and error["error"]["event_id"] == "evt-2", error
            await ws.send(json.dumps({"type": "input_audio_buffer.commit", "event_id": "evt-3"}))
            error = json.loads(await ws.recv())
            assert error["error"]["code"] == "input_audio_buffer_commit_empty", error
            await ws.send(json.dumps({"type": "input_audio_buffer.append",
                                      "audio": base64.b64encode(digits_24k[:CHUNK * 10]).decode()}))
            await ws.send(json.dumps({"type": "input_audio_buffer.clear"}))
            while (event := json.loads(await ws.recv()))["type"] != "input_audio_buffer.cleared":
                assert event["type"].endswith(".delta"), event
    asyncio.run(asyncio.wait_for(go(), 60))


def test_refused_without_the_key_or_the_intent(server):
    async def status(url, **kw):
        try:
            async with websockets.connect(url, **kw):
                return 101
        except websockets.exceptions.InvalidStatus as e:
            return e.response.status_code
    assert asyncio.run(status(_ws_url(server))) == 401
    assert asyncio.run(status(_ws_url(server), subprotocols=["realtime", "openai-insecure-api-key.sk-no"])) == 401
    url = f"ws://{server.host}:{server.port}/v1/realtime?model=gpt-realtime"
    assert asyncio.run(status(url, additional_headers={"Authorization": f"Bearer {API_KEY}"})) == 400


def test_a_session_past_its_audio_limit_is_told_and_closed(server):
    async def go():
        async with websockets.connect(_ws_url(server), additional_headers={"Authorization": f"Bearer {API_KEY}"},
                                      max_size=None) as ws:
            await ws.recv()  # session.created
            silence = base64.b64encode(b"\0" * (24000 * 2 * (MAX_AUDIO_S + 1))).decode()
            await ws.send(json.dumps({"type": "input_audio_buffer.append", "event_id": "big", "audio": silence}))
            error = json.loads(await ws.recv())
            assert error["type"] == "error" and error["error"]["code"] == "session_audio_limit", error
            assert error["error"]["event_id"] == "big"
            with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd.code == 1008
    asyncio.run(asyncio.wait_for(go(), 60))
