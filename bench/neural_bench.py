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
import subprocess
import sys
import tempfile
import time

from common import (REPO, OtherLoad, Server, add_report_args, add_server_args, capacity_search, int_list,
                    level_table, linked_onnxruntime, load_line, log, median, model_paths, ratio, reference_python,
                    require_binary, run_level, section, sequential_streams, summarise_voxgate, write_readme)

REFERENCE_PACKAGES = {"piper-tts": "1.8.0", "kokoro-onnx": "0.6.1"}

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


# ---------------------------------------------------------------- reference

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

def body_for(engine, text):
    return json.dumps({"text": text, "spk_id": ENGINES[engine]["spk_id"]})


# ---------------------------------------------------------------- report

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
                    vox = await sequential_streams(srv, [body_for(engine, x) for x in texts], repeats,
                                                   body_for(engine, TEXTS["short"]), rate)
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
                body = body_for(engine, TEXTS[text_name])

                def level(n, engine=engine, body=body, per=per, text_name=text_name):
                    return run_level(srv, body, n, per, rate, engine=engine, text=text_name)
                done, held = await capacity_search(level, table_levels, range(1, cap + 1), engine)
                capacity[engine] = {"held": held, "cap": cap,
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

    python = reference_python(REFERENCE_PACKAGES, ("piper", "kokoro_onnx", "onnxruntime"))
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
