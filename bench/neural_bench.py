#!/usr/bin/python3
"""Neural TTS benchmark: voxgate's Piper and Kokoro engines against piper-tts and kokoro-onnx.

Starts its own server (``$VOXGATE_BIN serve --config_file conf/application.yaml --host H --port P``;
spk_id 4 = Piper en_US-joe-medium, spk_id 5 = Kokoro af_heart) and measures, in one run:

1. side by side, per engine, on three English texts: voxgate over HTTP streaming
   (``POST /paddlespeech/tts/streaming``, one request at a time) against the reference package
   in-process (piper-tts 1.8.0 / kokoro-onnx 0.6.1, run by ``bench/neural_reference.py`` under a
   venv's python with the same model files and ONNX Runtime intra-op thread count): first audio,
   total time, RTF and the voxgate / reference ratios;
2. voxgate alone under 1, 2, 4 (Kokoro: 1, 2) concurrent streaming clients: first chunk p50/p95,
   RTF, how late chunks arrive against real-time playback, and the largest number of concurrent
   streams held in real time.

``--write`` puts the tables into bench/README.md between the ``bench:neural`` markers. No
assertions: it measures.

The reference venv: ``$VOXGATE_BENCH_PYTHON`` (a python that imports piper and kokoro_onnx) if
set, else ``${VOXGATE_CACHE:-~/.cache/voxgate}/bench-venv``, created with ``python3 -m venv`` and
``pip install piper-tts==1.8.0 kokoro-onnx==0.6.1`` when missing (outside the repository).
"""
import argparse
import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from common import (REPO, Server, add_report_args, add_server_args, http_audio, int_list, log, pct, require_binary,
                    section, write_readme)

REFERENCE_PACKAGES = {"piper-tts": "1.8.0", "kokoro-onnx": "0.6.1"}
JITTER_S = 0.2  # real-time allowance: a chunk may arrive this much after its playback deadline

TEXTS = {
    "short": "Thanks for calling.",
    "medium": "The quick brown fox jumps over the lazy dog near the quiet riverbank.",
    "paragraph": ("Your order has shipped and should arrive on Thursday. If you are not home, the driver "
                  "will leave it at the front desk. Reply to this message if you need to change the "
                  "delivery address."),
}

ENGINES = {
    "piper": {"spk_id": 4, "label": "Piper en_US-joe-medium", "reference": "piper-tts",
              "model": "piper_joe", "config": "piper_joe_config"},
    "kokoro": {"spk_id": 5, "label": "Kokoro-82M int8, af_heart", "reference": "kokoro-onnx",
               "model": "kokoro", "config": "kokoro_vocab", "voice_bin": "kokoro_af_heart", "voice": "af_heart"},
}


# ---------------------------------------------------------------- server

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


def check_engines(health):
    """The figures mean nothing if a neural voice fell back to eSpeak NG: stop instead."""
    engines = health.get("engines", {})
    problems = list(health.get("notes", []))
    if not engines.get("piper", {}).get("voices"):
        problems.append("Piper has no voice loaded")
    if not engines.get("kokoro", {}).get("loaded"):
        problems.append("Kokoro is not loaded")
    if problems:
        sys.exit("neural engines not ready (run scripts/install_models.py?): " + "; ".join(map(str, problems)))
    return {name: engines[name].get("threads") for name in ("piper", "kokoro")}


# ---------------------------------------------------------------- model files

def model_paths():
    """Files of the manifest models, where the server finds them ($VOXGATE_MODELS, else models/)."""
    root = Path(os.environ.get("VOXGATE_MODELS") or REPO / "models")
    manifest = json.loads((REPO / "models" / "manifest.json").read_text())["models"]
    return {name: str(root / m["file"]) for name, m in manifest.items()}


# ---------------------------------------------------------------- reference venv

def cache_dir():
    return Path(os.environ.get("VOXGATE_CACHE") or Path.home() / ".cache" / "voxgate")


def venv_ok(python):
    probe = ("import importlib.metadata as m, piper, kokoro_onnx, onnxruntime; "
             f"print(all(m.version(p) == v for p, v in {REFERENCE_PACKAGES!r}.items()))")
    try:
        out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, timeout=120)
    except OSError:
        return False
    return out.returncode == 0 and out.stdout.strip() == "True"


def reference_python():
    """$VOXGATE_BENCH_PYTHON, else the cached bench venv (created and filled when missing)."""
    override = os.environ.get("VOXGATE_BENCH_PYTHON")
    if override:
        if not venv_ok(override):
            sys.exit(f"VOXGATE_BENCH_PYTHON={override} does not import "
                     + ", ".join(f"{p}=={v}" for p, v in REFERENCE_PACKAGES.items()))
        return override
    venv = cache_dir() / "bench-venv"
    python = venv / "bin" / "python"
    if python.exists() and venv_ok(python):
        return str(python)
    print(f"setting up the reference venv in {venv} (once)", file=sys.stderr)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet"]
                   + [f"{p}=={v}" for p, v in REFERENCE_PACKAGES.items()], check=True)
    if not venv_ok(python):
        sys.exit(f"the venv in {venv} still does not import piper and kokoro_onnx")
    return str(python)


def run_reference(python, engine, paths, threads, texts, repeats, warmup, tmp):
    e = ENGINES[engine]
    job = {"engine": engine, "threads": threads, "texts": texts, "repeats": repeats, "warmup": warmup,
           "model": paths[e["model"]], "config": paths[e["config"]], "tmp": tmp}
    if "voice_bin" in e:
        job.update(voice_bin=paths[e["voice_bin"]], voice=e["voice"])
    out = subprocess.run([python, str(REPO / "bench" / "neural_reference.py")], input=json.dumps(job),
                         capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        sys.exit(f"reference {engine} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout)


# ---------------------------------------------------------------- voxgate client

class Stream:
    """One HTTP streaming request: first body bytes, each complete chunk's arrival and samples."""
    __slots__ = ("ok", "first", "total", "chunks", "error", "rate")

    def __init__(self, ok, first=0.0, total=0.0, chunks=(), error="", rate=24000):
        self.ok, self.first, self.total, self.chunks, self.error, self.rate = ok, first, total, list(chunks), error, rate

    @property
    def audio(self):
        return sum(n for _, n in self.chunks) / self.rate

    def lateness(self):
        """Worst (arrival of chunk i) - (arrival of chunk 0 + playback of chunks 0..i-1), i >= 1; None if 1 chunk."""
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
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=True),
                                 timeout=aiohttp.ClientTimeout(total=900),
                                 skip_auto_headers=("Content-Type",))


def body_for(engine, text):
    return json.dumps({"text": text, "spk_id": ENGINES[engine]["spk_id"]})


async def voxgate_sequential(server, engine, texts, repeats, warmup, rate):
    url = server.base + "/paddlespeech/tts/streaming"
    async with client_session() as session:
        if warmup:
            await stream_request(session, url, body_for(engine, warmup), rate)
        out = []
        for text in texts:
            out.append([await stream_request(session, url, body_for(engine, text), rate) for _ in range(repeats)])
    return out


async def run_level(server, engine, clients, per_client, text, rate):
    url = server.base + "/paddlespeech/tts/streaming"
    body = body_for(engine, text)
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
    return {
        "engine": engine, "clients": clients, "requests": clients * per_client, "errors": len(errors),
        "error_examples": sorted(set(errors))[:3],
        "p50": pct([s.first for s in ok], 0.50) * 1000, "p95": pct([s.first for s in ok], 0.95) * 1000,
        "total_p50": pct([s.total for s in ok], 0.50) * 1000,
        "rtf": statistics.fmean(s.total / s.audio for s in ok) if ok else float("nan"),
        "worst_late": max(late) * 1000 if late else float("nan"),
        "realtime": sum(s.in_real_time() for s in streams), "held": not errors and all(s.in_real_time() for s in streams),
        "audio": statistics.fmean(s.audio for s in ok) if ok else 0.0,
        "chunks": statistics.fmean(len(s.chunks) for s in ok) if ok else 0.0, "wall": wall,
        "other": other.share,
    }


# ---------------------------------------------------------------- machine and load

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
    tick = os.sysconf("SC_CLK_TCK")
    a = snapshot()
    time.sleep(period)
    b = snapshot()
    mine = {os.getpid(), os.getppid()}
    busy = []
    for pid, (name, t) in b.items():
        if pid in mine or pid not in a:
            continue
        share = (t - a[pid][1]) / tick / period
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


# ---------------------------------------------------------------- report

def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def ratio(a, b):
    return a / b if b and not math.isnan(a) and not math.isnan(b) else float("nan")


def side_table(side):
    out = ["| engine | text | runs | audio s voxgate / ref | chunks voxgate / ref | first audio voxgate (ms) "
           "| first audio ref (ms) | ratio | total voxgate (ms) | total ref (ms) | ratio | RTF voxgate "
           "| RTF ref | ratio |",
           "|---|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in side:
        v, r = row["voxgate"], row["reference"]
        out.append(
            f"| {row['engine']} | {row['text']} | {row['runs']} | {v['audio']:.2f} / {r['audio']:.2f} "
            f"| {v['chunks']:.0f} / {r['chunks']:.0f} "
            f"| {v['first'] * 1000:.0f} | {r['first'] * 1000:.0f} | {ratio(v['first'], r['first']):.2f} "
            f"| {v['total'] * 1000:.0f} | {r['total'] * 1000:.0f} | {ratio(v['total'], r['total']):.2f} "
            f"| {v['rtf']:.3f} | {r['rtf']:.3f} | {ratio(v['rtf'], r['rtf']):.2f} |")
    return "\n".join(out)


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


def summarise_voxgate(streams):
    ok = [s for s in streams if s.ok]
    if len(ok) != len(streams):
        sys.exit("voxgate request failed: " + "; ".join(s.error for s in streams if not s.ok))
    return {"first": median([s.first for s in ok]), "total": median([s.total for s in ok]),
            "audio": median([s.audio for s in ok]), "chunks": median([len(s.chunks) for s in ok]),
            "rtf": median([s.total / s.audio for s in ok])}


def summarise_reference(runs):
    return {"first": median([r["first"] for r in runs]), "total": median([r["total"] for r in runs]),
            "audio": median([r["audio"] for r in runs]), "chunks": median([r["chunks"] for r in runs]),
            "rtf": median([r["total"] / r["audio"] for r in runs])}


# ---------------------------------------------------------------- main

async def main_async(args, python):
    binary = require_binary(args.bin)
    paths = model_paths()
    text_names = list(TEXTS)
    texts = [TEXTS[n] for n in text_names]
    side, levels, capacity, info = [], [], {}, {}
    with tempfile.TemporaryDirectory(prefix="voxgate-neural-bench-") as tmp:
        srv = Server(binary, args.config, tmp, args.host, args.port, name="voxgate-neural-bench")
        srv.start()
        try:
            threads = check_engines(srv.health)
            rate = srv.get_json("/paddlespeech/tts/streaming/samplerate")["sample_rate"]
            info.update(rate=rate, threads=threads, ort=linked_onnxruntime(binary))
            for engine in args.engines:
                repeats = args.piper_repeats if engine == "piper" else args.kokoro_repeats
                t = time.perf_counter()
                with OtherLoad(srv) as other_vox:
                    vox = await voxgate_sequential(srv, engine, texts, repeats, TEXTS["short"], rate)
                log(f"{engine}: voxgate side by side done in {time.perf_counter() - t:.0f}s "
                    f"(other processes {other_vox.share:.0%})")
                t = time.perf_counter()
                with OtherLoad(srv) as other_ref:
                    ref = run_reference(python, engine, paths, threads[engine], texts, repeats, TEXTS["short"], tmp)
                log(f"{engine}: {ref['package']} side by side done in {time.perf_counter() - t:.0f}s "
                    f"(other processes {other_ref.share:.0%})")
                info[engine] = {k: ref[k] for k in ("package", "version", "api", "onnxruntime", "threads",
                                                    "sample_rate", "load_s")}
                info[engine]["other"] = (other_vox.share, other_ref.share)
                for name, streams, runs in zip(text_names, vox, ref["results"]):
                    side.append({"engine": engine, "text": name, "runs": repeats,
                                 "voxgate": summarise_voxgate(streams), "reference": summarise_reference(runs)})

                # concurrency: the table's levels, then 1, 2, 3, ... (reusing those) until a count is not held
                text_name = args.piper_text if engine == "piper" else args.kokoro_text
                per = args.piper_requests if engine == "piper" else args.kokoro_requests
                table_levels = args.piper_levels if engine == "piper" else args.kokoro_levels
                cap = args.piper_cap if engine == "piper" else args.kokoro_cap
                done = {}
                for n in table_levels:
                    t = time.perf_counter()
                    done[n] = await run_level(srv, engine, n, per, TEXTS[text_name], rate)
                    done[n]["text"] = text_name
                    log(f"{engine}: clients={n} done in {time.perf_counter() - t:.0f}s, errors={done[n]['errors']}, "
                        f"held={done[n]['held']}" + (f" e.g. {done[n]['error_examples']}" if done[n]["errors"] else ""))
                n = 1
                while n <= cap:
                    if n not in done:
                        t = time.perf_counter()
                        done[n] = await run_level(srv, engine, n, per, TEXTS[text_name], rate)
                        done[n]["text"] = text_name
                        log(f"{engine}: capacity clients={n} done in {time.perf_counter() - t:.0f}s, "
                            f"held={done[n]['held']}")
                    if not done[n]["held"]:
                        break
                    n += 1
                capacity[engine] = {"held": n - 1, "cap": cap,
                                    "text": text_name, "per": per}
                levels.extend(done[k] for k in sorted(done))
        finally:
            srv.stop()
    return side, levels, capacity, info


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_args(ap, config=True)
    ap.add_argument("--engines", default="piper,kokoro")
    ap.add_argument("--piper-repeats", type=int, default=3, help="side by side: runs of each text (median)")
    ap.add_argument("--kokoro-repeats", type=int, default=1, help="side by side: runs of each text (median)")
    ap.add_argument("--piper-levels", default="1,2,4")
    ap.add_argument("--kokoro-levels", default="1,2")
    ap.add_argument("--piper-requests", type=int, default=2, help="concurrency: requests per client, one after another")
    ap.add_argument("--kokoro-requests", type=int, default=2)
    ap.add_argument("--piper-text", default="paragraph", choices=list(TEXTS), help="concurrency text")
    ap.add_argument("--kokoro-text", default="medium", choices=list(TEXTS))
    ap.add_argument("--piper-cap", type=int, default=8, help="largest client count tried for real-time capacity")
    ap.add_argument("--kokoro-cap", type=int, default=2)
    add_report_args(ap, "neural")
    args = ap.parse_args()
    args.engines = [e for e in args.engines.split(",") if e.strip()]
    for e in args.engines:
        if e not in ENGINES:
            sys.exit(f"unknown engine {e} (piper, kokoro)")
    for name in ("piper_levels", "kokoro_levels"):
        setattr(args, name, int_list(getattr(args, name)))

    python = reference_python()
    t0 = time.perf_counter()
    load_start = load_line("Machine load when the run started")
    log(load_start)
    with OtherLoad() as other:
        side, levels, capacity, info = asyncio.run(main_async(args, python))
    total = time.perf_counter() - t0
    load_end = load_line("when it ended")

    lines = []
    lines.append("Texts: " + "; ".join(f"{n} `{t}` ({len(t.split())} words)" for n, t in TEXTS.items()) + ".")
    lines.append("")
    lines.append("**Side by side** (one request at a time after one unmeasured warm-up with the short text; "
                 "medians; ratio = voxgate / reference, below 1 means voxgate is faster):")
    lines.append("")
    lines.append(side_table(side))
    lines.append("")
    for engine in args.engines:
        i = info[engine]
        one = all(r["reference"]["chunks"] == 1 for r in side if r["engine"] == engine)
        lines.append(f"- {ENGINES[engine]['label']}: voxgate on onnxruntime {info['ort']}, "
                     f"{info['threads'][engine]} intra-op threads "
                     f"(`voxgate.onnx.threads`), output {info['rate']} Hz; reference {i['package']} {i['version']} "
                     f"on onnxruntime {i['onnxruntime']}, its session built by the bench with "
                     f"{i['threads']} intra-op / 1 inter-op threads, {i['sample_rate']} Hz, streaming API "
                     f"`{i['api']}`"
                     + ("; it gave every text in one chunk, so its first audio is its total time" if one else "")
                     + f". Other processes' CPU (share of the machine): {i['other'][0]:.0%} during the voxgate runs, "
                     f"{i['other'][1]:.0%} during the reference runs.")
    lines.append("")
    lines.append("**Concurrent HTTP streaming clients** (voxgate only; each client sends its requests one after "
                 "another, each on a new connection):")
    lines.append("")
    lines.append(level_table(levels))
    lines.append("")
    for engine in args.engines:
        c = capacity[engine]
        tried = ", ".join(str(r["clients"]) for r in levels if r["engine"] == engine)
        lines.append(f"**{ENGINES[engine]['label']}: {c['held']} concurrent stream(s) held in real time** "
                     f"(text {c['text']}, {c['per']} requests per client; counts tried: {tried}; "
                     f"search stops at the first count not held or at {c['cap']}).")
        lines.append("")
    lines.append(f"Total run time {total:.0f} s. {load_start}; {load_end}. Over the whole run, processes other "
                 f"than the bench, its reference and the server used {other.share:.0%} of the machine's CPU time "
                 "(/proc/stat busy time minus ours).")
    tab = "\n".join(lines)
    print(tab)
    if args.write:
        write_readme(args.readme, "neural", section(
            "neural_bench.py",
            f"loopback, `conf/application.yaml` (spk_id 4 Piper, spk_id 5 Kokoro), output {info['rate']} Hz.",
            "the load generator and the reference run on the same machine (the reference while the server is "
            "idle).", tab), heading="Neural TTS (`neural_bench.py`)")


if __name__ == "__main__":
    main()
