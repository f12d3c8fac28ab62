"""Fixtures: a real voxgate process on a free loopback port.

Binary: $VOXGATE_BIN, default build/voxgate under the repo root.
"""
import pytest

from vgutil import ServerProcess, agent_config, base_config, voxgate_bin


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


def _stop_and_check(srv):
    code = srv.stop(timeout=10)
    assert code == 0, (f"{srv.name}: expected clean exit (0) within 10 s of SIGTERM, got {code}; "
                       f"log tail:\n{srv.log_tail()}")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The shared server with the standard test config (limits as in the brief)."""
    d = tmp_path_factory.mktemp("voxgate")
    cfg = base_config(d / "saved")
    srv = _start(d, cfg, "main")
    srv.save_dir = d / "saved"
    yield srv
    _stop_and_check(srv)


@pytest.fixture(scope="session")
def big_server(tmp_path_factory):
    """Same as `server` but accepts long texts (for cancellation tests)."""
    d = tmp_path_factory.mktemp("voxgate_big")
    cfg = base_config(d / "saved", max_text_chars=20000, max_body_bytes=262144,
                      max_ws_message_bytes=262144)
    srv = _start(d, cfg, "big")
    yield srv
    _stop_and_check(srv)


@pytest.fixture(scope="session")
def agent_server(tmp_path_factory):
    """Voice table + session API + Alibaba + Volcengine, no tokens, unknown voices fall back."""
    d = tmp_path_factory.mktemp("voxgate_agent")
    srv = _start(d, agent_config(d / "saved"), "agent")
    yield srv
    _stop_and_check(srv)


@pytest.fixture(scope="session")
def agent_auth_server(tmp_path_factory):
    """As agent_server, with tokens on all three protocols and unknown_voice: reject."""
    d = tmp_path_factory.mktemp("voxgate_agent_auth")
    srv = _start(d, agent_config(d / "saved", tokens=True), "agent_auth")
    yield srv
    _stop_and_check(srv)


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
        _stop_and_check(srv)


@pytest.fixture(scope="session")
def asr_server(tmp_path_factory):
    """TTS + streaming ASR (pocketsphinx en) with the audio archive in srv.archive_dir."""
    from asr_util import asr_config, require_data
    require_data()
    d = tmp_path_factory.mktemp("voxgate_asr")
    srv = _start(d, asr_config(d / "archive"), "asr")
    srv.archive_dir = d / "archive"
    yield srv
    _stop_and_check(srv)


@pytest.fixture(scope="session")
def asr_audio_dir(tmp_path_factory):
    """Scratch directory for sox-converted variants of the shared test audio."""
    return tmp_path_factory.mktemp("asr_audio")
