"""voxgate server processes for the integration tests: the binary, a free port, the config file, start/stop.

No pytest fixtures here (conftest.py has them).
"""
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]


def voxgate_bin():
    """$VOXGATE_BIN (a relative path counts from where pytest was started), default build/voxgate."""
    return Path(os.environ.get("VOXGATE_BIN", str(REPO_ROOT / "build" / "voxgate"))).absolute()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _yaml_scalar(v):
    if isinstance(v, (dict, list)):
        return json.dumps(v)  # JSON flow collections are valid YAML (voice tables)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if v is None:
        return "null"
    return json.dumps(str(v))  # JSON strings are valid YAML double-quoted scalars


def to_yaml(obj, indent=0):
    """Tiny YAML emitter for nested dicts / lists of scalars (enough for configs)."""
    pad = "  " * indent
    lines = []
    for k, v in obj.items():
        if isinstance(v, dict):
            lines.append(f"{pad}{k}:")
            lines.append(to_yaml(v, indent + 1))
        elif isinstance(v, list):
            lines.append(f"{pad}{k}: [{', '.join(_yaml_scalar(x) for x in v)}]")
        else:
            lines.append(f"{pad}{k}: {_yaml_scalar(v)}")
    return "\n".join(l for l in lines if l != "")


class ServerProcess:
    """One voxgate process on a free loopback port."""

    def __init__(self, workdir, config, name="server", extra_args=()):
        self.workdir = Path(workdir)
        self.extra_args = list(extra_args)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config = config
        self.name = name
        self.host = "127.0.0.1"
        self.port = free_port()
        self.conf_path = self.workdir / f"{name}.yaml"
        self.log_path = self.workdir / f"{name}.log"
        self.proc = None
        self._log = None

    @property
    def tls(self):
        """`voxgate.tls` set: the port speaks https and wss only (the clients trust the
        certificate through REQUESTS_CA_BUNDLE / SSL_CERT_FILE, as a deployment's would)."""
        return isinstance(self.config, dict) and bool(self.config.get("voxgate", {}).get("tls"))

    @property
    def base(self):
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def ws_url(self):
        return f"{'wss' if self.tls else 'ws'}://{self.host}:{self.port}/paddlespeech/tts/streaming"

    @property
    def stream_url(self):
        return self.base + "/paddlespeech/tts/streaming"

    def log_tail(self, n=4000):
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return "<no log>"

    def start(self, timeout=20.0):
        if isinstance(self.config, dict):
            self.conf_path.write_text(to_yaml(self.config) + "\n")
        else:
            self.conf_path.write_text(self.config)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(voxgate_bin()), "serve", "--config_file", str(self.conf_path),
             "--host", self.host, "--port", str(self.port), *self.extra_args],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=str(self.workdir),
        )
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"voxgate exited with {self.proc.returncode} during start-up; log:\n{self.log_tail()}")
            try:
                r = requests.get(self.base + "/api/healthz", timeout=2)
                last = r.status_code
                if r.status_code == 200:
                    return self
            except requests.RequestException as e:
                last = repr(e)
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"voxgate not healthy after {timeout}s (last: {last}); log:\n{self.log_tail()}")

    def stop(self, timeout=10.0):
        """SIGTERM and wait; returns the exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
        if self._log:
            self._log.close()
            self._log = None
        return self.proc.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)
        if self._log:
            self._log.close()
            self._log = None

    def stats(self):
        r = requests.get(self.base + "/api/stats", timeout=5)
        r.raise_for_status()
        return r.json()

    def wait_stats(self, pred, timeout=15.0):
        """Poll /api/stats until pred(stats) is true; return the last stats."""
        deadline = time.monotonic() + timeout
        st = self.stats()
        while not pred(st):
            if time.monotonic() > deadline:
                raise AssertionError(f"stats condition not reached within {timeout}s: {st}")
            time.sleep(0.05)
            st = self.stats()
        return st

    def wait_idle(self, timeout=15.0):
        return self.wait_stats(lambda s: s["synth_active"] == 0 and s["active_sessions"] == 0, timeout)


def stop_server(srv):
    """SIGTERM; the server must exit cleanly (0) within 10 s."""
    code = srv.stop(timeout=10)
    assert code == 0, f"{srv.name}: exit code {code} after SIGTERM (expected 0 within 10 s); log:\n{srv.log_tail()}"


def healthz(srv):
    r = requests.get(srv.base + "/api/healthz", timeout=5)
    assert r.status_code == 200, r.text
    return r.json()
