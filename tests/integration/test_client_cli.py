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


@pytest.mark.parametrize("name, args, codec", [("out.mp3", [], "mp3"), ("out.bin", ["--format", "flac"], "flac")])
def test_client_cli_writes_the_format_asked(server, vox_bin, tmp_path, name, args, codec):
    """Issue 14 item 7: the output's extension (or --format) picks the encoder."""
    from audio_checks import audio_info
    out = tmp_path / name
    p = subprocess.run(
        [str(vox_bin), "client", "tts", "--server_ip", server.host, "--port", str(server.port),
         "--input", ZH_TWO, "--output", str(out), *args], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    info = audio_info(out.read_bytes(), "." + codec)
    assert info["codec"] == codec and info["ffmpeg_rc"] == 0 and info["duration"] > 0.5, info


def test_version_help_and_voices_need_no_server(vox_bin, tmp_path):
    p = subprocess.run([str(vox_bin), "--version"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 0 and p.stdout.startswith("voxgate "), p.stdout + p.stderr
    p = subprocess.run([str(vox_bin), "client", "tts", "--help"], capture_output=True, text=True, timeout=10)
    # Every option says what it is and its default.
    assert "--server_ip TEXT=127.0.0.1" in p.stdout and "speaking rate" in p.stdout, p.stdout
    p = subprocess.run([str(vox_bin), "voices"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 0, p.stderr
    rows = {line.split("\t")[1]: line.split("\t") for line in p.stdout.splitlines()[1:]}
    assert rows["default"][2:4] == ["piper", "fastspeech2"] and "alloy" in rows["default"][6], p.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("engine_list: [tts_online]\ntts_online: {engine: espeak}\n"
                   "voxgate:\n  openai:\n    voices: {alloy: nobody}\n")
    p = subprocess.run([str(vox_bin), "voices", "--config_file", str(bad)], capture_output=True, text=True,
                       timeout=10)
    assert p.returncode == 2 and "voxgate.openai.voices.alloy" in p.stderr, p.stderr
