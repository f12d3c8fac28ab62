"""Fixtures for the OpenAI SDK tests: one voxgate with TTS (Piper, eSpeak) and recognition (Whisper
en + zh, pocketsphinx partials, Silero VAD), driven by the official `openai` SDK.

These run under the venv scripts/setup.sh builds ($HOME/.cache/voxgate/venv-openai: the pinned SDK
plus Debian's python3 packages), as their own CTest entry; the helpers come from tests/integration.
"""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "integration"))

import recorded_audio  # noqa: E402
from server_process import ServerProcess, stop_server, voxgate_bin  # noqa: E402

API_KEY = "sk-voxgate-test"
MAX_UPLOAD = 2 * 1024 * 1024
MAX_SESSIONS = 4
MAX_AUDIO_S = 30  # voxgate.asr.max_session_s: the longest upload and realtime session


def pytest_configure(config):
    config.addinivalue_line("markers", "recorded_audio: needs the recorded speech in $VOXGATE_TEST_AUDIO")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.get_closest_marker("recorded_audio"):
        recorded_audio.require_audio()


def openai_config():
    return {
        "host": "127.0.0.1", "port": 8090, "protocol": "http",
        "engine_list": ["tts_online", "asr_online"],
        "tts_online": {"engine": "espeak", "lang": "zh", "sample_rate": 24000},
        "asr_online": {"engine": "pocketsphinx", "lang": "en", "continuous_decoding": True},
        "voxgate": {
            "limits": {"max_sessions": MAX_SESSIONS, "max_text_chars": 4096, "max_body_bytes": 1048576},
            "voices": [
                {"spk_id": 0, "name": "default", "variant": "", "en": {"engine": "piper", "model": "piper_joe"}},
                {"spk_id": 1, "name": "female", "variant": "f3"},
                {"spk_id": 4, "name": "joe", "engine": "piper", "model": "piper_joe", "aliases": ["en_US-joe-medium"]},
            ],
            "asr": {"recognizers": {"en": {"streaming": "pocketsphinx", "final": "whisper"},
                                    "zh": {"final": "whisper"}},
                    "max_session_s": MAX_AUDIO_S},
            "openai": {"api_keys": [API_KEY], "max_upload_bytes": MAX_UPLOAD, "max_uploads": 2,
                       "voices": {"alloy": "default", "echo": "joe", "nova": "female"}},
        },
    }


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    if not voxgate_bin().is_file():
        pytest.fail(f"voxgate binary not found at {voxgate_bin()} (build it or set VOXGATE_BIN)", pytrace=False)
    d = tmp_path_factory.mktemp("openai")
    srv = ServerProcess(d, openai_config(), name="openai")
    srv.start(timeout=90)
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session")
def client(server):
    import openai
    return openai.OpenAI(base_url=server.base + "/v1", api_key=API_KEY, max_retries=0, timeout=120)
