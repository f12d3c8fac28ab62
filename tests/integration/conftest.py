"""Fixtures: a real voxgate process on a free loopback port; the `recorded_audio` marker.

Binary: $VOXGATE_BIN, default build/voxgate under the repo root.
Recorded speech: $VOXGATE_TEST_AUDIO (recorded_audio.py); tests marked `recorded_audio` are skipped
where it is absent, or fail under VOXGATE_REQUIRE_TEST_AUDIO=1.
"""
import pytest

import recorded_audio
from configs import agent_config, asr_config, base_config
from server_process import ServerProcess, stop_server, voxgate_bin


def pytest_configure(config):
    config.addinivalue_line("markers", "recorded_audio: needs the recorded speech in $VOXGATE_TEST_AUDIO "
                                       "(skipped where it is absent; a failure under VOXGATE_REQUIRE_TEST_AUDIO=1)")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before any fixture of the test runs, so no server is started for a test that would be skipped.
    if item.get_closest_marker("recorded_audio"):
        recorded_audio.require_audio()


def pytest_report_header(config):
    reason = recorded_audio.absence_reason()
    if reason is None:
        return f"recorded speech: {recorded_audio.AUDIO_DIR}"
    return reason + (" -> the tests that need it fail" if recorded_audio.required()
                     else " -> the tests that need it are skipped")


def pytest_terminal_summary(terminalreporter):
    """One line for all tests skipped for want of the recordings (pytest -q lists no skip reasons)."""
    skipped = [r for r in terminalreporter.stats.get("skipped", [])
               if isinstance(r.longrepr, tuple) and recorded_audio.SKIP_PREFIX in str(r.longrepr[2])]
    if skipped:
        terminalreporter.write_line(f"{len(skipped)} tests skipped: {recorded_audio.absence_reason()}")


def _require_binary():
    b = voxgate_bin()
    if not b.is_file():
        pytest.fail(f"voxgate binary not found at {b} (build it or set VOXGATE_BIN)", pytrace=False)
    return b


@pytest.fixture(scope="session")
def vox_bin():
    return _require_binary()


def _start(workdir, config, name):
    _require_binary()
    srv = ServerProcess(workdir, config, name=name)
    srv.start()
    return srv


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The shared server with the standard test config (limits as in the brief)."""
    d = tmp_path_factory.mktemp("voxgate")
    cfg = base_config(d / "saved")
    srv = _start(d, cfg, "main")
    srv.save_dir = d / "saved"
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session")
def big_server(tmp_path_factory):
    """Same as `server` but accepts long texts (for cancellation tests)."""
    d = tmp_path_factory.mktemp("voxgate_big")
    cfg = base_config(d / "saved", max_text_chars=20000, max_body_bytes=262144,
                      max_ws_message_bytes=262144)
    srv = _start(d, cfg, "big")
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session")
def agent_server(tmp_path_factory):
    """Voice table + session API + Alibaba + Volcengine, no tokens, unknown voices fall back."""
    d = tmp_path_factory.mktemp("voxgate_agent")
    srv = _start(d, agent_config(d / "saved"), "agent")
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session")
def agent_auth_server(tmp_path_factory):
    """As agent_server, with tokens on all three protocols and unknown_voice: reject."""
    d = tmp_path_factory.mktemp("voxgate_agent_auth")
    srv = _start(d, agent_config(d / "saved", tokens=True), "agent_auth")
    yield srv
    stop_server(srv)


@pytest.fixture
def start_server(tmp_path):
    """Factory: start_server(config_dict_or_yaml_text, name=...) -> running ServerProcess.

    Every server started here is stopped (and checked for a clean exit) at teardown.
    """
    started = []

    def factory(config, name="custom"):
        srv = _start(tmp_path / name, config, name)
        started.append(srv)
        return srv

    yield factory
    for srv in started:
        stop_server(srv)


@pytest.fixture(scope="session")
def asr_server(tmp_path_factory):
    """TTS + streaming ASR (pocketsphinx en) with the audio archive in srv.archive_dir."""
    d = tmp_path_factory.mktemp("voxgate_asr")
    srv = _start(d, asr_config(d / "archive"), "asr")
    srv.archive_dir = d / "archive"
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session")
def asr_audio_dir(tmp_path_factory):
    """Scratch directory for sox-converted variants of the shared test audio."""
    return tmp_path_factory.mktemp("asr_audio")
