#!/usr/bin/env python3
"""English finals against whisper.cpp's own CLI (issue 16: final after `end` ≤ 1.1× whisper-cli).

whisper-cli is built by scripts/install_models.py from the same whisper.cpp 1.9.1 sources as the
library voxgate links, and runs the same model file on the same 2 threads. Its time is what it
spends on the audio: its printed total less its model load. It runs twice: as shipped (the 30 s
encoder window) and with `-ac` set to the window voxgate cuts for the utterance (its length plus
128 frames). voxgate's time is the final after `end` of the stock streaming flow (lock-step, as fast
as replies come; pocketsphinx partials, then Whisper), which also holds the VAD's cut and the
guards. Runs alternate between the two, and medians are reported.

    /usr/bin/python3 bench/whisper_cli_compare.py [--runs 5] [--models whisper_base,...] [--write]
"""
import argparse
import asyncio
import json
import re
import statistics
import subprocess
import tempfile
from pathlib import Path

from asr_accuracy import transcribe
from common import (ASR_PATH, REPO, Server, add_report_args, add_server_args, asr_config, audio_dir, log, publish,
                    read_wav)

CACHE = Path.home() / ".cache" / "voxgate"
CLIPS = ["en_librispeech_1995-1837-0001.wav", "en_digits.wav"]


def whisper_cli():
    manifest = json.loads((REPO / "models" / "manifest.json").read_text())
    version = manifest["builds"]["whisper.cpp"]["version"]
    return CACHE / f"whisper.cpp-{version}" / "bin" / "whisper-cli", manifest


def cli_seconds(cli, model, clip, audio_ctx):
    # Greedy, no temperature fallback: as voxgate decodes (the CLI defaults to beam 5, best of 5).
    cmd = [str(cli), "-m", str(model), "-f", str(clip), "-t", "2", "-l", "en", "-nt", "-bs", "1", "-bo", "1", "-nf"]
    if audio_ctx:
        cmd += ["-ac", str(audio_ctx)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    timings = out.stderr + out.stdout
    total = float(re.search(r"total time\s*=\s*([\d.]+) ms", timings).group(1))
    load = float(re.search(r"load time\s*=\s*([\d.]+) ms", timings).group(1))
    text = " ".join(line.strip() for line in out.stdout.splitlines() if line.strip())
    return (total - load) / 1000, text


def config(model):
    return asr_config("en", {"recognizers": {"en": {"streaming": "pocketsphinx", "final": "whisper"}},
                             "whisper": {"model": model, "threads": 2}})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_args(ap, host=False)
    add_report_args(ap, "whisper-cli")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--models", default="whisper_base,whisper_base_q8_0,whisper_base_q5_1")
    args = ap.parse_args()
    cli, manifest = whisper_cli()
    if not cli.exists():
        raise SystemExit(f"no {cli}: run scripts/install_models.py")
    data = audio_dir()
    rows = []
    for name in args.models.split(","):
        model = REPO / "models" / manifest["models"][name]["file"]
        if not model.exists():
            log(f"{name} is not installed; skipped")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            conf = Path(tmp) / "cli-compare.yaml"
            conf.write_text(config(name))
            server = Server(args.bin, conf, tmp, name="voxgate-cli-compare").start()
            try:
                for clip in CLIPS:
                    path = data / clip
                    fmt, pcm = read_wav(path)
                    samples = len(pcm) // (fmt["bitsPerSample"] // 8 * fmt["channels"])
                    cut = min(1500, samples * 50 // fmt["sampleRate"] + 128)
                    ours, full, same = [], [], []
                    for _ in range(args.runs):
                        hyp, final_s, _ = asyncio.run(transcribe(server.ws_url(ASR_PATH), path, "en"))
                        ours.append(final_s)
                        server.check_alive()
                        full.append(cli_seconds(cli, model, path, 0))
                        same.append(cli_seconds(cli, model, path, cut))
                    rows.append((name, clip, statistics.median(ours), statistics.median(t for t, _ in full),
                                 statistics.median(t for t, _ in same), hyp, same[-1][1]))
            finally:
                server.stop()
    lines = ["| model | clip | voxgate final after `end` (ms) | whisper-cli, 30 s window (ms) | "
             "whisper-cli, voxgate's window (ms) | voxgate ÷ the same window | voxgate's text | whisper-cli's text |",
             "|---|---|---:|---:|---:|---:|---|---|"]
    for name, clip, ours, full, same, hyp, text in rows:
        lines.append(f"| {name} | {clip} | {ours * 1000:.0f} | {full * 1000:.0f} | {same * 1000:.0f} | "
                     f"{ours / same:.2f}× | {hyp} | {text} |")
    publish(args, "whisper_cli_compare.py", "whisper-cli", "Finals against whisper-cli (`whisper_cli_compare.py`)",
            "loopback, voxgate and whisper-cli alternating.",
            f"medians of {args.runs} runs, 2 threads, greedy, no temperature fallback.", "\n".join(lines))


if __name__ == "__main__":
    main()
