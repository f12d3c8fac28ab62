"""Bad configs stop start-up with a message naming the key; clean shutdown on signals."""
import signal
import subprocess

import pytest

from configs import base_config
from server_process import ServerProcess, free_port, to_yaml


def run_bad(vox_bin, tmp_path, config, pass_port=True):
    conf = tmp_path / "bad.yaml"
    conf.write_text(config if isinstance(config, str) else to_yaml(config) + "\n")
    cmd = [str(vox_bin), "serve", "--config_file", str(conf), "--host", "127.0.0.1"]
    if pass_port:
        cmd += ["--port", str(free_port())]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail("voxgate kept running with a bad config (no exit within 10 s)")
    assert p.returncode != 0, f"exit 0 with a bad config; stderr:\n{p.stderr}"
    return p


def test_unknown_engine(vox_bin, tmp_path):
    cfg = base_config(tmp_path / "saved")
    cfg["engine_list"] = ["tts_nope"]
    p = run_bad(vox_bin, tmp_path, cfg)
    assert "tts_nope" in p.stderr, p.stderr


def test_onnx_models_missing(vox_bin, tmp_path):
    cfg = base_config(tmp_path / "saved")
    cfg["engine_list"] = ["tts_online-onnx"]
    del cfg["tts_online"]
    cfg["tts_online-onnx"] = {
        "am": "fastspeech2_cnndecoder_csmsc_onnx",
        "am_ckpt": ["/nonexistent/encoder.onnx", "/nonexistent/decoder.onnx",
                    "/nonexistent/postnet.onnx"],
        "am_stat": "/nonexistent/speech_stats.npy",
        "phones_dict": "/nonexistent/phone_id_map.txt",
        "tones_dict": None,
        "speaker_dict": None,
        "am_sample_rate": 24000,
        "am_sess_conf": {"device": "cpu", "use_trt": False, "cpu_threads": 4},
        "voc": "hifigan_csmsc_onnx",
        "voc_ckpt": "/nonexistent/hifigan_csmsc.onnx",
        "voc_sample_rate": 24000,
        "voc_sess_conf": {"device": "cpu", "use_trt": False, "cpu_threads": 4},
        "lang": "zh",
        "am_block": 72, "am_pad": 12, "voc_block": 36, "voc_pad": 14, "voc_upsample": 300,
    }
    p = run_bad(vox_bin, tmp_path, cfg)
    assert "/nonexistent/encoder.onnx" in p.stderr, p.stderr
    assert "espeak" in p.stderr.lower(), p.stderr


def test_port_wrong_type(vox_bin, tmp_path):
    cfg = base_config(tmp_path / "saved")
    cfg["port"] = "abc"
    p = run_bad(vox_bin, tmp_path, cfg, pass_port=False)
    assert "port" in p.stderr, p.stderr


def test_engine_section_missing(vox_bin, tmp_path):
    cfg = base_config(tmp_path / "saved")
    del cfg["tts_online"]
    p = run_bad(vox_bin, tmp_path, cfg)
    assert "tts_online" in p.stderr, p.stderr


def test_config_file_missing(vox_bin, tmp_path):
    missing = tmp_path / "no_such.yaml"
    p = subprocess.run([str(vox_bin), "serve", "--config_file", str(missing), "--port", str(free_port())],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode != 0
    assert "no_such.yaml" in p.stderr, p.stderr


def test_yaml_syntax_error(vox_bin, tmp_path):
    p = run_bad(vox_bin, tmp_path, "host: 127.0.0.1\nengine_list: [tts_online\n  tts_online: :\n")
    assert p.stderr.strip(), "no message on stderr"


def test_misspelt_key_stops_startup(vox_bin, tmp_path):
    cfg = base_config(tmp_path / "saved")
    cfg["voxgate"]["limits"]["max_text_charz"] = 10
    p = run_bad(vox_bin, tmp_path, cfg)
    out = p.stderr + p.stdout
    assert p.returncode == 2, f"exit {p.returncode}, expected 2 (configuration error); output:\n{out}"
    assert "voxgate.limits.max_text_charz" in out, out
    assert "did you mean `max_text_chars`" in out, out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_graceful_shutdown(vox_bin, tmp_path, sig):
    srv = ServerProcess(tmp_path, base_config(tmp_path / "saved"), name="shutdown").start()
    try:
        srv.proc.send_signal(sig)
        try:
            code = srv.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail(f"no exit within 10 s of {sig.name}")
        assert code == 0, f"exit code {code} after {sig.name}; log:\n{srv.log_tail()}"
    finally:
        srv.kill()
