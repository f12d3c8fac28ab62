"""Issue 11: Prometheus /metrics (read with the official Python client's parser), one access-log
line per request or session, and `--log_format json`."""
import asyncio
import json
import time

import pytest
import requests
import websockets
from prometheus_client.parser import text_string_to_metric_families

from asr_util import ASR_PATH, Audio, run, stream_session, wait_closed
from configs import agent_config
from server_process import ServerProcess, stop_server
from tts_clients import long_zh_text


def observed_config(save_dir):
    cfg = agent_config(save_dir)
    cfg["engine_list"] = ["tts_online", "asr_online"]
    cfg["asr_online"] = {"engine": "pocketsphinx", "lang": "en"}
    return cfg


@pytest.fixture(scope="module")
def obs_server(tmp_path_factory):
    d = tmp_path_factory.mktemp("voxgate_obs")
    srv = ServerProcess(d, observed_config(d / "saved"), name="obs").start()
    yield srv
    stop_server(srv)


def metrics(srv):
    r = requests.get(srv.base + "/metrics", timeout=5)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers
    samples = {}
    for family in text_string_to_metric_families(r.text):  # raises on anything Prometheus would not read
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0)


def access_lines(srv, since=0):
    lines = srv.log_path.read_text(errors="replace").split("\n")[since:]
    return [ln for ln in lines if "] access " in ln]


def fields(line):
    return dict(kv.split("=", 1) for kv in line.split("] access ", 1)[1].split(" "))


def log_len(srv):
    return len(srv.log_path.read_text(errors="replace").split("\n")) - 1


def asr_session(srv, seconds=1.0):
    audio = Audio(b"\x00\x00" * int(16000 * seconds), 16000, 16, 1)
    return run(stream_session(f"ws://{srv.host}:{srv.port}{ASR_PATH}", audio, name="m.wav")).final


def test_metrics_count_requests_latencies_and_cancellations(obs_server):
    srv = obs_server
    before = metrics(srv)
    r = requests.post(srv.base + "/paddlespeech/tts/streaming", json={"text": "你好，世界。"}, timeout=20)
    assert r.status_code == 200
    assert requests.get(srv.base + "/no/such/path", timeout=5).status_code == 404
    # An interrupted session stream: a cancellation with its reason.
    # MP3 of minutes of speech: still being encoded when the interrupt comes (PCM would already
    # sit in the loopback socket buffers).
    resp = requests.post(srv.base + "/api/tts/stream", json={"text": long_zh_text(1500), "session_id": "m1"},
                         stream=True, timeout=30)
    body = resp.iter_content(chunk_size=None)  # held: a dropped iterator closes the connection
    next(body)
    assert requests.post(srv.base + "/api/tts/interrupt", json={"session_id": "m1"}, timeout=5).status_code == 200
    for _ in body:
        pass
    final = asr_session(srv)
    assert final.get("signal") == "finished", final
    time.sleep(0.3)
    after = metrics(srv)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)
    assert grew("voxgate_requests_total", protocol="paddlespeech_tts_http", status="200") == 1
    assert grew("voxgate_requests_total", protocol="http", status="404") == 1
    assert grew("voxgate_requests_total", protocol="paddlespeech_asr_ws", status="ws_1000") == 1
    assert grew("voxgate_tts_first_audio_seconds_count", protocol="paddlespeech_tts_http", engine="espeak-ng") == 1
    assert grew("voxgate_tts_syntheses_total", protocol="paddlespeech_tts_http", engine="espeak-ng",
                result="done") == 1
    assert grew("voxgate_cancellations_total", protocol="session_api_stream", reason="interrupted") == 1
    assert grew("voxgate_asr_final_seconds_count", protocol="paddlespeech_asr_ws", engine="pocketsphinx") == 1
    assert grew("voxgate_asr_sessions_total", protocol="paddlespeech_asr_ws", result="ok") == 1
    assert grew("voxgate_asr_audio_seconds_total", lang="en") == pytest.approx(1.02, abs=0.1)
    assert value(after, "voxgate_state", state="ready") == 1
    assert value(after, "process_resident_memory_bytes") > 10e6
    assert value(after, "process_open_fds") > 3
    assert value(after, "voxgate_open_connections") >= 1  # this scrape's
    assert ("voxgate_engine_queued_tasks", (("engine", "espeak"),)) in after


def test_one_access_line_per_request_and_session(obs_server):
    srv = obs_server
    start = log_len(srv)
    requests.post(srv.base + "/paddlespeech/tts/streaming", json={"text": "你好。"}, timeout=20)
    requests.get(srv.base + "/api/healthz", timeout=5)

    async def ws_two_texts():
        async with websockets.connect(srv.ws_url, ping_interval=None) as ws:
            await ws.send(json.dumps({"task": "tts", "signal": "start"}))
            await ws.recv()
            for text in ("你好。", "世界。"):
                await ws.send(json.dumps({"text": text, "spk_id": 0}))
                while json.loads(await ws.recv()).get("status") != 2:
                    pass
            await ws.send(json.dumps({"task": "tts", "signal": "end"}))
            await ws.recv()
            await wait_closed(ws)
    chars_before = value(metrics(srv), "voxgate_tts_characters_total", engine="espeak-ng")
    run(ws_two_texts())
    time.sleep(0.3)
    chars_after = value(metrics(srv), "voxgate_tts_characters_total", engine="espeak-ng")
    assert chars_after - chars_before == 6, "each text's characters counted once"
    lines = [fields(ln) for ln in access_lines(srv, start)]
    lines = [ln for ln in lines if ln["path"] != "/metrics"]
    assert [ln["protocol"] for ln in lines] == ["paddlespeech_tts_http", "service", "paddlespeech_tts_ws"], lines
    http_line, _, ws_line = lines
    assert http_line["status"] == "200" and http_line["voice"] == "default" and http_line["chars"] == "3"
    assert http_line["engine"] == "espeak-ng" and int(http_line["first_audio_ms"]) >= 0 and http_line["cancel"] == "-"
    assert float(http_line["audio_s"]) > 0.2
    assert ws_line["status"] == "ws_1000" and ws_line["texts"] == "2" and ws_line["chars"] == "6", ws_line


def test_client_leaving_is_logged_as_such(obs_server):
    srv = obs_server
    start = log_len(srv)
    resp = requests.post(srv.base + "/api/tts/stream", json={"text": long_zh_text(1500)}, stream=True, timeout=30)
    next(resp.iter_content(chunk_size=None))
    resp.close()
    # Only this request's line: the previous test's last /metrics line can be written after its
    # client has read the answer (CI saw it first).
    def stream_lines():
        return [f for f in map(fields, access_lines(srv, start)) if f["path"] == "/api/tts/stream"]
    deadline = time.monotonic() + 10
    while not stream_lines() and time.monotonic() < deadline:
        time.sleep(0.1)
    line = stream_lines()[0]
    assert line["cancel"] == "client_gone", line


def test_json_log_format(tmp_path):
    srv = ServerProcess(tmp_path, agent_config(tmp_path / "saved"), name="jsonlog",
                        extra_args=["--log_format", "json"]).start()
    try:
        requests.post(srv.base + "/stream-audio", timeout=20,
                      json={"VoiceId": "x\ny", "Text": "你好", "SampleRate": 16000})
        time.sleep(0.3)
    finally:
        stop_server(srv)
    records = [json.loads(ln) for ln in srv.log_path.read_text().splitlines() if ln.strip()]
    assert all({"time", "level"} <= set(r) for r in records), records[:3]
    access = [r for r in records if r.get("type") == "access" and r["protocol"] != "service"]
    assert len(access) == 1 and access[0]["protocol"] == "alibaba" and access[0]["status"] == "200", access
    assert any("x\\ny" in r.get("msg", "") for r in records), "the escaped VoiceId should be in a msg"
