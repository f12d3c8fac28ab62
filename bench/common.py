"""What every bench script shares: the server process on a free port, the report (percentiles, the machine,
the bench/README.md section), the recorded speech and scoring, and the timing of streamed audio.

The standard library only at import time: neural_reference.py imports this under the reference venv's
python, which has neither aiohttp nor websockets.
"""
import datetime as dt
import json
import math
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "bench" / "README.md"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- command line

def default_binary():
    return os.environ.get("VOXGATE_BIN", str(REPO / "build" / "voxgate"))


def add_server_args(ap, config=False, host=True):
    """--bin (default $VOXGATE_BIN or build/voxgate), --host and --port, and --config where the script takes one."""
    ap.add_argument("--bin", default=default_binary())
    if config:
        ap.add_argument("--config", default=str(REPO / "conf" / "application.yaml"))
    if host:
        ap.add_argument("--host", default="127.0.0.1")
        ap.add_argument("--port", type=int, default=0, help="0 = a free port")


def add_report_args(ap, name):
    ap.add_argument("--write", action="store_true", help=f"update the bench:{name} section of bench/README.md")
    ap.add_argument("--readme", default=str(README))


def int_list(text):
    """"1,4,16" -> [1, 4, 16]."""
    return [int(x) for x in text.split(",") if x.strip()]


# ---------------------------------------------------------------- server process

def require_binary(path):
    binary = Path(path).absolute()
    if not binary.is_file():
        sys.exit(f"no server binary at {binary} (set VOXGATE_BIN or --bin)")
    return binary


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`voxgate serve --config_file CONFIG --host H --port P`, its output in LOGDIR/NAME.log."""

    def __init__(self, binary, config, logdir, host="127.0.0.1", port=0, name="voxgate-bench", cwd=REPO):
        self.host, self.port = host, port or free_port()
        # absolute: the server may run in another directory than the one a relative --bin was given in
        self.cmd = [str(Path(binary).absolute()), "serve", "--config_file", str(config),
                    "--host", self.host, "--port", str(self.port)]
        self.log_path = Path(logdir) / f"{name}.log"
        self.cwd = cwd
        self.proc = None
        self.log = None
        self.health = {}

    @property
    def base(self):
        return f"http://{self.host}:{self.port}"

    def ws_url(self, path):
        return f"ws://{self.host}:{self.port}{path}"

    def log_tail(self, n=3000):
        return self.log_path.read_text(errors="replace")[-n:]

    def start(self, timeout=60.0):
        """Start and wait until /api/healthz answers 200 (engines loaded); its JSON is kept in .health.

        Loading the neural engines of conf/application.yaml takes seconds, more on a busy machine."""
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=str(self.cwd))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"server exited with {self.proc.returncode}; see {self.log_path}:\n" + self.log_tail())
            try:
                with urllib.request.urlopen(self.base + "/api/healthz", timeout=2) as r:
                    if r.status == 200:
                        self.health = json.loads(r.read())
                        return self
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        self.stop()
        sys.exit(f"server not healthy within {timeout}s; log:\n" + self.log_tail())

    def get_json(self, path):
        with urllib.request.urlopen(self.base + path, timeout=10) as r:
            return json.loads(r.read())

    def check_alive(self):
        """A measurement taken while the server died is meaningless: stop without writing."""
        if self.proc.poll() is not None:
            self.log.close()
            sys.exit(f"the server exited ({self.proc.returncode}) during the run; nothing written. Log:\n"
                     + self.log_tail(2000))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log:
            self.log.close()


# ---------------------------------------------------------------- figures and report

def pct(values, q):
    """The q-quantile (0..1) of values, linearly interpolated; nan for none."""
    if not values:
        return float("nan")
    v = sorted(values)
    k = (len(v) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def machine():
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"nproc {len(os.sched_getaffinity(0))}, {model}"


def command_line(script):
    """How this run was started, as the README quotes it."""
    return (f"/usr/bin/python3 bench/{script} " + " ".join(shlex.quote(a) for a in sys.argv[1:])).strip()


def section(script, measured, command_note, body):
    """A README section: when and where it was measured, the command, then the figures."""
    return "\n".join([
        f"Measured {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} on {machine()}, {measured}",
        f"Command: `{command_line(script)}`; {command_note}",
        "",
        body,
    ])


def publish(args, script, name, heading, measured, command_note, body):
    """Print the figures; with --write, put them in their bench/README.md section."""
    print(body)
    if args.write:
        write_readme(args.readme, name, section(script, measured, command_note, body), heading=heading)


def write_readme(path, name, text, heading=None):
    """Replace only the bench:NAME section of the README (appended, under `heading`, if its markers are missing)."""
    begin, end = f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"
    path = Path(path)
    old = path.read_text() if path.exists() else "# voxgate benchmarks\n"
    if begin not in old or end not in old:
        old = old.rstrip("\n") + "\n\n" + (f"## {heading}\n\n" if heading else "") + f"{begin}\n{end}\n"
    pre, rest = old.split(begin, 1)
    _, post = rest.split(end, 1)
    path.write_text(f"{pre}{begin}\n{text}\n{end}{post}")
    log(f"updated {path}")


# ---------------------------------------------------------------- recorded speech, streaming ASR, scoring

ASR_PATH = "/paddlespeech/asr/streaming"
PACKET_S = 0.085  # the stock asr_online client's packet: 1360 samples at 16 kHz


def audio_dir():
    """The recordings: $VOXGATE_TEST_AUDIO, default ../shared/data/asr/ beside the repository (as for the tests)."""
    d = Path(os.environ.get("VOXGATE_TEST_AUDIO") or REPO.parent / "shared" / "data" / "asr")
    if not (d / "transcripts.tsv").is_file():
        sys.exit(f"recorded speech not found: {d} has no transcripts.tsv (set VOXGATE_TEST_AUDIO to the folder)")
    return d


def references(data_dir, wav_only=False):
    """file name -> (lang, reference text) from transcripts.tsv.

    wav_only: just the PCM/float WAV files, picked by the `format` column (the folder also holds an MP3)."""
    import re
    out = {}
    lines = (Path(data_dir) / "transcripts.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        cols = line.split("\t")
        if len(cols) >= 5 and (not wav_only or re.match(r"(s\d+le|u8|float\d+)\b", cols[3])):
            out[cols[0]] = (cols[1], cols[4])
    return out


def read_wav(path):
    """(format, sample bytes) of a PCM or float WAV; format has format_tag, sampleRate, bitsPerSample, channels."""
    import struct
    data = Path(path).read_bytes()
    pos, fmt = 12, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if cid == b"fmt ":
            tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", data[pos + 8:pos + 24])
            fmt = {"format_tag": tag, "sampleRate": rate, "bitsPerSample": bits, "channels": channels}
        elif cid == b"data" and fmt is not None:
            return fmt, data[pos + 8:pos + 8 + size]
        pos += 8 + size + (size & 1)
    sys.exit(f"{path}: no data chunk")


def edit_distance(a, b):
    """Levenshtein distance between two sequences."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


# ---------------------------------------------------------------- streamed audio

class ChunkClock:
    """Times one streamed synthesis from its start: first audio, the end, audio seconds, chunk count."""

    def __init__(self, rate):
        self.rate, self.t0 = rate, time.perf_counter()
        self.first, self.samples, self.chunks = None, 0, 0

    def chunk(self, samples):
        if self.first is None:
            self.first = time.perf_counter() - self.t0
        self.samples += samples
        self.chunks += 1

    def result(self):
        return {"first": self.first, "total": time.perf_counter() - self.t0, "audio": self.samples / self.rate,
                "chunks": self.chunks}


class HttpAudio:
    """One PaddleSpeech streaming HTTP answer: first body bytes, and each complete chunk's arrival and PCM bytes."""
    __slots__ = ("ok", "first", "total", "chunks", "error")

    def __init__(self, ok, first=0.0, total=0.0, chunks=(), error=""):
        self.ok, self.first, self.total, self.chunks, self.error = ok, first, total, list(chunks), error


async def http_audio(session, url, body):
    """POST like the stock client (an aiohttp session without Content-Type) and decode each HTTP chunk on its own.

    Times run from just before the request is sent. Failures come back as ok=False with the reason.
    """
    import asyncio
    import base64
    import binascii

    import aiohttp
    t0 = time.perf_counter()
    first, chunks = None, []
    try:
        async with session.post(url, data=body) as resp:
            if resp.status != 200:
                return HttpAudio(False, error=f"HTTP {resp.status}: {(await resp.text())[:120]}")
            buf = bytearray()
            async for data, end_of_chunk in resp.content.iter_chunks():
                now = time.perf_counter() - t0
                if first is None and data:
                    first = now
                buf += data
                if end_of_chunk:
                    if len(buf) % 4:
                        return HttpAudio(False, error="chunk is not one padded base64 string")
                    chunks.append((now, len(base64.b64decode(bytes(buf), validate=True))))
                    buf.clear()
            if buf:
                return HttpAudio(False, error="trailing data outside a complete chunk")
    except (aiohttp.ClientError, asyncio.TimeoutError, binascii.Error, OSError) as e:
        return HttpAudio(False, error=repr(e)[:160])
    total = time.perf_counter() - t0
    if first is None or not sum(n for _, n in chunks):
        return HttpAudio(False, error="no audio")
    return HttpAudio(True, first, total, chunks)
