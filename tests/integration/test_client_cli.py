"""`voxgate client tts` writes a WAV and prints the PaddleSpeech client figures."""
import subprocess
import wave

import pytest

from tts_clients import ZH_TWO


@pytest.mark.parametrize("protocol", ["http", "websocket"])
def test_client_cli(server, vox_bin, tmp_path, protocol):
    out = tmp_path / f"out_{protocol}.wav"
    p = subprocess.run(
        [str(vox_bin), "client", "tts", "--protocol", protocol, "--server_ip", server.host,
         "--port", str(server.port), "--input", ZH_TWO, "--output", str(out)],
        capture_output=True, text=True, timeout=60)
    text = (p.stdout + p.stderr).lower()
    assert p.returncode == 0, p.stdout + p.stderr
    for needle in ("first response", "final response", "audio duration", "rtf"):
        assert needle in text, f"{needle!r} missing from client output:\n{p.stdout}{p.stderr}"
    with wave.open(str(out), "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == 24000
        dur = w.getnframes() / w.getframerate()
    assert 0.5 <= dur <= 15.0, dur


def test_client_cli_options(server, vox_bin, tmp_path):
    out = tmp_path / "out_opts.wav"
    p = subprocess.run(
        [str(vox_bin), "client", "tts", "--protocol", "http", "--server_ip", server.host,
         "--port", str(server.port), "--input", ZH_TWO, "--output", str(out),
         "--spk_id", "1", "--speed", "1.5", "--volume", "0.8", "--sample_rate", "16000"],
        capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    with wave.open(str(out), "rb") as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2
        assert w.getnframes() > 0
