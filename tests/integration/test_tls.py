"""Issue 11: TLS on the listener. `voxgate.tls.{cert,key}` makes the port TLS-only: the stock
clients (requests, websockets) reach every protocol over https and wss with a self-signed
certificate they are told to trust, a plain-HTTP client or one that does not trust the
certificate is turned away without harm to the others, the TLS close is a real one
(close_notify, so a close-delimited HTTP/1.0 body is not a truncation), and a certificate that
cannot be used stops start-up naming its key."""
import json
import shutil
import socket
import ssl
import subprocess

import pytest
import requests

from asr_util import ASR_PATH, Audio, run, stream_session
from audio_checks import assert_plausible_speech
from configs import asr_config, base_config
from server_process import ServerProcess, stop_server
from tts_clients import ZH_ONE, ZH_TWO, recv_until_close, stream_tts, tts_websocket_session

pytestmark = pytest.mark.skipif(not shutil.which("openssl"), reason="openssl comes from scripts/setup.sh")


def make_cert(d, name="cert"):
    cert, key = d / f"{name}.pem", d / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def tls_config(d, cert, key):
    cfg = asr_config(d / "archive")
    cfg["engine_list"] = ["tts_online", "asr_online"]
    cfg["tts_online"] = base_config(d)["tts_online"]
    cfg["voxgate"]["tls"] = {"cert": str(cert), "key": str(key)}
    return cfg


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    d = tmp_path_factory.mktemp("voxgate_tls")
    cert, key = make_cert(d)
    # The clients trust the certificate the way a deployment's would: requests through
    # REQUESTS_CA_BUNDLE, Python's ssl (websockets) through SSL_CERT_FILE.
    mp = pytest.MonkeyPatch()
    mp.setenv("REQUESTS_CA_BUNDLE", str(cert))
    mp.setenv("SSL_CERT_FILE", str(cert))
    srv = ServerProcess(d, tls_config(d, cert, key), name="tls").start()
    try:
        yield srv, cert
    finally:
        stop_server(srv)
        mp.undo()


def test_https_health_and_streaming_tts(tls_server):
    srv, _ = tls_server
    assert srv.base.startswith("https://")
    r = requests.get(srv.base + "/api/healthz", timeout=5)
    assert r.status_code == 200 and r.json()["status"] == "ok", r.text
    res = stream_tts(srv.stream_url, {"text": ZH_TWO, "spk_id": 0}, timeout=30)
    assert res.status == 200, res.body
    assert len(res.chunks) >= 2, "the stream arrives in pieces over TLS too"
    assert_plausible_speech(res.pcm, lo=0.5, hi=15.0)


def test_wss_tts_session(tls_server):
    srv, _ = tls_server
    pcm, close = run(tts_websocket_session(srv.ws_url))
    assert close == 1000, "the WebSocket close completes over TLS (teardown with close_notify)"
    assert_plausible_speech(pcm, lo=0.3, hi=10.0)


def test_wss_asr_session(tls_server):
    srv, _ = tls_server
    audio = Audio(b"\x00\x00" * 16000 * 2, 16000, 16, 1)
    res = run(stream_session(f"wss://{srv.host}:{srv.port}{ASR_PATH}", audio, name="tls.wav"))
    assert res.frames > 0 and "result" in res.final, res.final
    assert res.close_code == 1000


def test_plain_http_and_untrusting_clients_are_turned_away(tls_server):
    srv, cert = tls_server
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"http://{srv.host}:{srv.port}/api/healthz", timeout=5)
    with socket.create_connection((srv.host, srv.port), timeout=5) as raw:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # trusts nothing
        with pytest.raises(ssl.SSLCertVerificationError):
            ctx.wrap_socket(raw, server_hostname="localhost")
    r = requests.get(srv.base + "/api/healthz", timeout=5)
    assert r.status_code == 200, "the server goes on serving after turning them away"


def test_http10_close_delimited_body_ends_with_close_notify(tls_server):
    srv, cert = tls_server
    ctx = ssl.create_default_context(cafile=str(cert))
    body = json.dumps({"text": ZH_ONE, "spk_id": 0}).encode()
    with socket.create_connection((srv.host, srv.port), timeout=30) as raw:
        # suppress_ragged_eofs off: a TCP close without close_notify raises SSLEOFError.
        with ctx.wrap_socket(raw, server_hostname="localhost", suppress_ragged_eofs=False) as s:
            s.sendall(b"POST /paddlespeech/tts/streaming HTTP/1.0\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" %
                      (len(body), body))
            data = recv_until_close(s)
    head, _, payload = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200") and b"chunked" not in head.lower(), head
    assert len(payload) > 1000, "a close-delimited body of base64 audio"


@pytest.mark.parametrize("case", ["cert_only", "missing_file", "mismatched_key"])
def test_unusable_tls_config_stops_start_up(tmp_path, case):
    cert, key = make_cert(tmp_path)
    other_cert, other_key = make_cert(tmp_path, "other")
    tls, key_named = {
        "cert_only": ({"cert": str(cert)}, "voxgate.tls.key"),
        "missing_file": ({"cert": str(tmp_path / "absent.pem"), "key": str(key)}, "voxgate.tls.cert"),
        "mismatched_key": ({"cert": str(cert), "key": str(other_key)}, "voxgate.tls.key"),
    }[case]
    cfg = base_config(tmp_path)
    cfg["voxgate"]["tls"] = tls
    srv = ServerProcess(tmp_path, cfg, name=case)
    with pytest.raises(RuntimeError) as err:
        srv.start(timeout=10)
    assert "exited with 2" in str(err.value) and key_named in str(err.value), str(err.value)


def test_sighup_reloads_the_certificate_for_new_connections(tmp_path):
    """Issue 11: a renewed certificate is picked up on SIGHUP without a restart; one that cannot be
    used leaves the running one in place."""
    import signal
    import time
    cert, key = make_cert(tmp_path)
    srv = ServerProcess(tmp_path, tls_config(tmp_path, cert, key), name="tls_reload")
    mp = pytest.MonkeyPatch()
    mp.setenv("REQUESTS_CA_BUNDLE", str(cert))
    srv.start()

    def served_cert():
        with socket.create_connection((srv.host, srv.port), timeout=5) as raw:
            ctx = ssl.create_default_context()
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
            with ctx.wrap_socket(raw) as s:
                return s.getpeercert(binary_form=True)

    def wait_log(needle):
        for _ in range(100):
            if needle in srv.log_tail(20000):
                return
            time.sleep(0.05)
        pytest.fail(f"{needle!r} not logged:\n{srv.log_tail()}")

    try:
        first = served_cert()
        new_cert, new_key = make_cert(tmp_path, name="renewed")
        shutil.copy(new_cert, cert)
        shutil.copy(new_key, key)
        srv.proc.send_signal(signal.SIGHUP)
        wait_log("TLS certificate reloaded")
        second = served_cert()
        assert second != first and second == ssl.PEM_cert_to_DER_cert(new_cert.read_text())
        key.write_text("not a key")
        srv.proc.send_signal(signal.SIGHUP)
        wait_log("TLS certificate not reloaded")
        assert served_cert() == second
        mp.setenv("REQUESTS_CA_BUNDLE", str(new_cert))
        assert requests.get(srv.base + "/api/healthz", timeout=5).status_code == 200
    finally:
        stop_server(srv)
        mp.undo()
