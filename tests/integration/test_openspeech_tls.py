"""The `openspeech` engine over wss://: voxgate B → TLS (socat, self-signed certificate for
localhost) → voxgate A's /api/v1/tts/ws_binary. The peer certificate is verified against
`ca_file`; without it (system CAs only) the upstream connection is refused."""
import shutil
import subprocess
import time

import pytest

from audio_checks import assert_plausible_speech
from configs import VOLC_TOKEN, agent_config
from server_process import ServerProcess, free_port
from tts_clients import ZH_TWO, stream_tts

pytestmark = pytest.mark.skipif(not (shutil.which("socat") and shutil.which("openssl")),
                                reason="socat and openssl come from scripts/setup.sh")


@pytest.fixture(scope="module")
def tls_upstream(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    a = ServerProcess(d / "a", agent_config(d / "a_saved", tokens=True), name="tls-upstream").start()
    port = free_port()
    proxy = subprocess.Popen(["socat", f"OPENSSL-LISTEN:{port},reuseaddr,fork,cert={cert},key={key},verify=0",
                              f"TCP:127.0.0.1:{a.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    try:
        yield a, port, cert, d
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        assert a.stop(timeout=10) == 0


def front(d, port, ca_file, name):
    cfg = agent_config(d / f"{name}_saved")
    cfg["voxgate"]["voices"].append({"spk_id": 7, "name": "cloud", "engine": "openspeech",
                                     "upstream_voice": "BV001_streaming"})
    cfg["voxgate"]["openspeech"] = {"url": f"wss://localhost:{port}/api/v1/tts/ws_binary", "appid": "test",
                                    "token": VOLC_TOKEN, "timeout_s": 10}
    if ca_file:
        cfg["voxgate"]["openspeech"]["ca_file"] = str(ca_file)
    return ServerProcess(d / name, cfg, name=name).start()


def test_wss_upstream_with_verified_certificate(tls_upstream):
    a, port, cert, d = tls_upstream
    b = front(d, port, cert, "front-ca")
    try:
        before = a.stats()["tts_requests"]
        res = stream_tts(b.stream_url, {"text": ZH_TWO, "spk_id": 7}, timeout=30)
        assert res.status == 200, (res.status, res.body)
        assert_plausible_speech(res.pcm, lo=1.0, hi=15.0)
        assert a.stats()["tts_requests"] > before
    finally:
        assert b.stop(timeout=10) == 0


def test_wss_upstream_with_unknown_certificate_fails_cleanly(tls_upstream):
    a, port, _, d = tls_upstream
    b = front(d, port, None, "front-noca")
    try:
        res = stream_tts(b.stream_url, {"text": ZH_TWO, "spk_id": 7}, timeout=30)
        assert res.status == 500, (res.status, res.body)
        assert "upstream" in str(res.body)
        assert stream_tts(b.stream_url, {"text": ZH_TWO, "spk_id": 0}, timeout=30).status == 200
    finally:
        assert b.stop(timeout=10) == 0
