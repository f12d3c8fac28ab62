"""Real Redis and nginx processes for the cluster tests and bench/cluster_bench.py (issue 15).

RedisProcess: redis-server on a free loopback port, nothing persisted, stoppable and restartable
on the same port. NginxProcess: nginx running deploy/nginx/voxgate.conf itself, with only its
`# voxgate-instance` server lines and its `# voxgate-listen` line rewritten to loopback ports.
"""
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
NGINX_RECIPE = REPO_ROOT / "deploy" / "nginx" / "voxgate.conf"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port, proc, what, log_path, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: {Path(log_path).read_text(errors='replace')[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout} s")


def _program(name):
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")  # nginx lives in sbin
    if not found:
        raise RuntimeError(f"{name} not found (scripts/setup.sh installs it)")
    return found


class RedisProcess:
    def __init__(self, workdir, password=None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.password = password
        self.proc = None

    @property
    def url(self):
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}"

    def start(self):
        args = [_program("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "no", "--dir", str(self.workdir)]
        if self.password:
            args += ["--requirepass", self.password]
        log = self.workdir / "redis.log"
        self.proc = subprocess.Popen(args, stdout=open(log, "ab"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _wait_port(self.port, self.proc, "redis-server", log)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def cli(self, *args):
        """One command through redis-cli; returns its output without the newline."""
        cmd = [_program("redis-cli"), "-p", str(self.port)]
        if self.password:
            cmd += ["-a", self.password, "--no-auth-warning"]
        return subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True, timeout=10,
                              check=True).stdout.strip()


class NginxProcess:
    def __init__(self, workdir, instances):
        """instances: (host, port) of each voxgate behind it, in the recipe's order."""
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.instances = list(instances)
        self.port = _free_port()
        self.proc = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def site_config(self):
        """The recipe with its instance and listen lines pointed at this test's ports."""
        lines, servers = [], iter(self.instances)
        written = False
        for line in NGINX_RECIPE.read_text().splitlines():
            if line.rstrip().endswith("# voxgate-instance"):
                if not written:  # the recipe's example lines become this test's instances
                    indent = line[: len(line) - len(line.lstrip())]
                    options = re.sub(r"^\s*server\s+\S+", "", line).split(";")[0]
                    lines += [f"{indent}server {h}:{p}{options};" for h, p in servers]
                    written = True
                continue
            if line.rstrip().endswith("# voxgate-listen"):
                line = re.sub(r"listen\s+\S+;", f"listen 127.0.0.1:{self.port};", line)
            lines.append(line)
        if not written:
            raise RuntimeError(f"{NGINX_RECIPE} has no `# voxgate-instance` lines")
        return "\n".join(lines) + "\n"

    def start(self):
        w = self.workdir
        (w / "voxgate.conf").write_text(self.site_config())
        temp = "".join(f"{k}_temp_path {w}/{k};\n    " for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach the temp paths under /tmp
        (w / "nginx.conf").write_text(
            f"{user}daemon off;\nworker_processes 1;\npid {w}/nginx.pid;\nerror_log {w}/error.log info;\n"
            f"events {{ worker_connections 512; }}\n"
            f"http {{\n    access_log {w}/access.log;\n    {temp}include {w}/voxgate.conf;\n}}\n")
        log = w / "nginx.out"
        self.proc = subprocess.Popen([_program("nginx"), "-p", str(w), "-c", str(w / "nginx.conf")],
                                     stdout=open(log, "ab"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _wait_port(self.port, self.proc, "nginx", log)
        return self

    def error_log(self):
        try:
            return (self.workdir / "error.log").read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: nginx's fast shutdown
            self.proc.wait(timeout=10)
        self.proc = None
