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
    """How this run was started, as the README quotes it: the python that ran it (the bench venv's for
    asr_roundtrip.py), with the home directory as ~."""
    python = sys.executable.replace(str(Path.home()), "~", 1) if sys.executable else "/usr/bin/python3"
    return (f"{python} bench/{script} " + " ".join(shlex.quote(a) for a in sys.argv[1:])).strip()


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


def asr_config(lang, asr):
    """A server config with only eSpeak NG and the ASR section: `asr_online.lang` and `voxgate.asr` (a dict,
    written as JSON, which YAML reads)."""
    return "\n".join([
        "host: 127.0.0.1", "port: 8090", "protocol: http",
        "engine_list: ['tts_online', 'asr_online']",
        "tts_online: {engine: espeak}",
        f"asr_online: {{engine: pocketsphinx, lang: {lang}, continuous_decoding: true}}",
        "voxgate:",
        f"  asr: {json.dumps({'archive': False, **asr})}",
        "",
    ])


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


# ---------------------------------------------------------------- real-time streams (neural_bench, mandarin_bench)

JITTER_S = 0.2  # real-time allowance: a chunk may arrive this much after its playback deadline


class Stream:
    """One HTTP streaming request: first body bytes, each complete chunk's arrival and samples."""
    __slots__ = ("ok", "first", "total", "chunks", "error", "rate")

    def __init__(self, ok, first=0.0, total=0.0, chunks=(), error="", rate=24000):
        self.ok, self.first, self.total, self.chunks, self.error, self.rate = ok, first, total, list(chunks), error, rate

    @property
    def audio(self):
        return sum(n for _, n in self.chunks) / self.rate

    def lateness(self):
        """Worst (arrival of chunk i) - (arrival of chunk 0 + playback of chunks 0..i-1), i >= 1; None if 1 chunk.

        The stock tts_online client's delayed-packet measure: playback simulated from the first chunk's arrival."""
        if len(self.chunks) < 2:
            return None
        t0, played, worst = self.chunks[0][0], 0.0, -math.inf
        for i in range(1, len(self.chunks)):
            played += self.chunks[i - 1][1] / self.rate
            worst = max(worst, self.chunks[i][0] - (t0 + played))
        return worst

    def in_real_time(self):
        late = self.lateness()
        return self.ok and (late is None or late <= JITTER_S)


async def stream_request(session, url, body, rate):
    r = await http_audio(session, url, body)
    if not r.ok:
        return Stream(False, error=r.error)
    return Stream(True, r.first, r.total, [(t, n // 2) for t, n in r.chunks], rate=rate)


def client_session():
    """Like the stock client: no Content-Type, a new connection per request."""
    import aiohttp
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=True),
                                 timeout=aiohttp.ClientTimeout(total=900),
                                 skip_auto_headers=("Content-Type",))


async def sequential_streams(server, bodies, repeats, warmup_body, rate):
    """Each body `repeats` times, one request at a time, after one unmeasured warm-up request."""
    url = server.base + "/paddlespeech/tts/streaming"
    async with client_session() as session:
        if warmup_body:
            await stream_request(session, url, warmup_body, rate)
        out = []
        for body in bodies:
            out.append([await stream_request(session, url, body, rate) for _ in range(repeats)])
    return out


async def run_level(server, body, clients, per_client, rate, **labels):
    """`clients` concurrent clients, each sending `per_client` streaming requests one after another.

    First chunk p50/p95, total p50, mean RTF, the worst chunk lateness and whether every stream
    was in real time (`held`); `labels` (engine, text) are copied into the row."""
    import asyncio
    import statistics
    url = server.base + "/paddlespeech/tts/streaming"
    streams = []

    async def client(session):
        for _ in range(per_client):
            streams.append(await stream_request(session, url, body, rate))

    async with client_session() as session:
        t0 = time.perf_counter()
        with OtherLoad(server) as other:
            await asyncio.gather(*(client(session) for _ in range(clients)))
        wall = time.perf_counter() - t0
    ok = [s for s in streams if s.ok]
    errors = [s.error for s in streams if not s.ok]
    late = [s.lateness() for s in ok if s.lateness() is not None]
    return dict(labels, **{
        "clients": clients, "requests": clients * per_client, "errors": len(errors),
        "error_examples": sorted(set(errors))[:3],
        "p50": pct([s.first for s in ok], 0.50) * 1000, "p95": pct([s.first for s in ok], 0.95) * 1000,
        "total_p50": pct([s.total for s in ok], 0.50) * 1000,
        "rtf": statistics.fmean(s.total / s.audio for s in ok) if ok else float("nan"),
        "worst_late": max(late) * 1000 if late else float("nan"),
        "realtime": sum(s.in_real_time() for s in streams), "held": not errors and all(s.in_real_time() for s in streams),
        "audio": statistics.fmean(s.audio for s in ok) if ok else 0.0,
        "chunks": statistics.fmean(len(s.chunks) for s in ok) if ok else 0.0, "wall": wall,
        "other": other.share,
    })


async def capacity_search(run, table_levels, counts, name=""):
    """Runs every count of `table_levels`, then the counts of `counts` in order (reusing rows already
    run) until one is not held. Returns ({count: row}, the last count held before the first not held)."""
    done, held = {}, 0
    for n in table_levels:
        t = time.perf_counter()
        done[n] = await run(n)
        log(f"{name}: clients={n} done in {time.perf_counter() - t:.0f}s, errors={done[n]['errors']}, "
            f"held={done[n]['held']}" + (f" e.g. {done[n]['error_examples']}" if done[n]["errors"] else ""))
    for n in counts:
        if n not in done:
            t = time.perf_counter()
            done[n] = await run(n)
            log(f"{name}: capacity clients={n} done in {time.perf_counter() - t:.0f}s, held={done[n]['held']}")
        if not done[n]["held"]:
            break
        held = n
    return done, held


def level_table(rows):
    out = ["| engine | text | clients | requests | errors | first chunk p50 (ms) | first chunk p95 (ms) "
           "| total p50 (ms) | mean RTF | worst chunk lateness (ms) | streams in real time | held | other processes' CPU |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    for r in rows:
        out.append(f"| {r['engine']} | {r['text']} | {r['clients']} | {r['requests']} | {r['errors']} "
                   f"| {r['p50']:.0f} | {r['p95']:.0f} | {r['total_p50']:.0f} | {r['rtf']:.3f} "
                   f"| {r['worst_late']:+.0f} | {r['realtime']}/{r['requests']} | {'yes' if r['held'] else 'no'} "
                   f"| {r['other']:.0%} |")
    return "\n".join(out)


def median(xs):
    import statistics
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def ratio(a, b):
    return a / b if b and not math.isnan(a) and not math.isnan(b) else float("nan")


def summarise_voxgate(streams):
    """Medians of one text's sequential requests (first audio, total, audio s, chunks, RTF); stops on a failure."""
    ok = [s for s in streams if s.ok]
    if len(ok) != len(streams):
        sys.exit("voxgate request failed: " + "; ".join(s.error for s in streams if not s.ok))
    return {"first": median([s.first for s in ok]), "total": median([s.total for s in ok]),
            "audio": median([s.audio for s in ok]), "chunks": median([len(s.chunks) for s in ok]),
            "rtf": median([s.total / s.audio for s in ok])}


def linked_onnxruntime(binary):
    """Version of the libonnxruntime the server binary loads (ldd + OrtGetApiBase), or "unknown"."""
    try:
        import ctypes
        out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, timeout=30).stdout
        path = next(line.split("=>")[1].split("(")[0].strip() for line in out.splitlines()
                    if "libonnxruntime" in line and "=>" in line)

        class ApiBase(ctypes.Structure):
            _fields_ = [("GetApi", ctypes.c_void_p), ("GetVersionString", ctypes.CFUNCTYPE(ctypes.c_char_p))]
        lib = ctypes.CDLL(path)
        lib.OrtGetApiBase.restype = ctypes.POINTER(ApiBase)
        return lib.OrtGetApiBase().contents.GetVersionString().decode()
    except (OSError, StopIteration, AttributeError, IndexError, subprocess.SubprocessError):
        return "unknown"


def model_paths():
    """Files of the manifest models, where the server finds them ($VOXGATE_MODELS, else models/)."""
    root = Path(os.environ.get("VOXGATE_MODELS") or REPO / "models")
    manifest = json.loads((REPO / "models" / "manifest.json").read_text())["models"]
    return {name: str(root / m["file"]) for name, m in manifest.items()}


# ---------------------------------------------------------------- machine load

def busy_processes(period=1.0, threshold=0.05):
    """Other processes that used more than `threshold` of one CPU over `period` seconds."""
    def snapshot():
        out = {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    stat = f.read()
                name = stat[stat.index("(") + 1:stat.rindex(")")]
                fields = stat[stat.rindex(")") + 2:].split()
                out[int(pid)] = (name, int(fields[11]) + int(fields[12]))
            except (OSError, ValueError, IndexError):
                continue
        return out
    a = snapshot()
    time.sleep(period)
    b = snapshot()
    mine = {os.getpid(), os.getppid()}
    busy = []
    for pid, (name, t) in b.items():
        if pid in mine or pid not in a:
            continue
        share = (t - a[pid][1]) / TICK / period
        if share > threshold:
            busy.append(f"{name} {share:.0%}")
    return busy


TICK = os.sysconf("SC_CLK_TCK")


def system_busy_s():
    """CPU seconds the whole machine has been busy (all CPUs; /proc/stat, guest time is in user)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / TICK


def process_cpu_s(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, ValueError, IndexError):
        return 0.0


class OtherLoad:
    """Share of the machine's CPU time used by anything but this script, its children (the
    reference) and the server, over the `with` block: busy time from /proc/stat minus ours."""

    def __init__(self, server=None):
        self.server, self.share = server, 0.0

    def _sample(self):
        t = os.times()
        pid = self.server.proc.pid if self.server and self.server.proc and self.server.proc.poll() is None else None
        return (time.monotonic(), system_busy_s(), t.user + t.system + t.children_user + t.children_system,
                process_cpu_s(pid) if pid else 0.0)

    def __enter__(self):
        self.start = self._sample()
        return self

    def __exit__(self, *exc):
        end = self._sample()
        wall, busy, own, srv = (b - a for a, b in zip(self.start, end))
        cpus = len(os.sched_getaffinity(0))
        self.share = max(0.0, (busy - own - srv) / (wall * cpus)) if wall > 0 else 0.0


def load_line(label):
    busy = busy_processes()
    return (f"{label}: load average (1 min) {os.getloadavg()[0]:.2f}; other processes above 5% of a CPU: "
            + (", ".join(busy) if busy else "none"))


# ---------------------------------------------------------------- the reference venv

def cache_dir():
    return Path(os.environ.get("VOXGATE_CACHE") or Path.home() / ".cache" / "voxgate")


def venv_ok(python, packages, imports):
    probe = (f"import importlib.metadata as m, {', '.join(imports)}; "
             f"print(all(m.version(p) == v for p, v in {dict(packages)!r}.items()))")
    try:
        out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, timeout=120)
    except OSError:
        return False
    return out.returncode == 0 and out.stdout.strip() == "True"


def reference_python(packages, imports, no_deps=(), venv_name="bench-venv", env="VOXGATE_BENCH_PYTHON"):
    """A python for the in-process references: $`env` if set, else the cached venv
    ${VOXGATE_CACHE:-~/.cache/voxgate}/`venv_name`, created when missing; `packages` ({name: version}) are
    pip-installed into it when they are not there at those versions (those in `no_deps` without their
    declared dependencies, which `packages` then pins)."""
    def pins(names):
        return [f"{p}=={v}" for p, v in packages.items() if p in names]
    wanted = ", ".join(f"{p}=={v}" for p, v in packages.items())
    override = os.environ.get(env)
    if override:
        if not venv_ok(override, packages, imports):
            sys.exit(f"{env}={override} does not import {wanted}")
        return override
    venv = cache_dir() / venv_name
    python = venv / "bin" / "python"
    if python.exists() and venv_ok(python, packages, imports):
        return str(python)
    log(f"setting up the reference venv in {venv} ({wanted}; once)")
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    subprocess.run(pip + pins(set(packages) - set(no_deps)), check=True)
    if no_deps:
        subprocess.run(pip + ["--no-deps"] + pins(no_deps), check=True)
    if not venv_ok(python, packages, imports):
        sys.exit(f"the venv in {venv} still does not import {', '.join(imports)} at {wanted}")
    return str(python)
