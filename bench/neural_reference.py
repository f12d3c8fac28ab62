"""Reference timings for neural_bench.py: piper-tts or kokoro-onnx, in-process, one text at a time.

Runs under the benchmark venv's python (piper-tts 1.8.0, kokoro-onnx 0.6.1), not the system one.
Reads one JSON job from stdin:

    {"engine": "piper" | "kokoro", "threads": 2, "texts": [...], "repeats": 3, "warmup": "text",
     "model": ".onnx", "config": "piper .onnx.json" | "kokoro vocab config.json",
     "voice_bin": "kokoro 510x256 float32 style pack", "voice": "af_heart", "tmp": "a scratch dir"}

loads the model once (its onnxruntime session built with `threads` intra-op threads, 1 inter-op
thread, all graph optimisations: what voxgate does), synthesises `warmup` once unmeasured, then
each text `repeats` times through the library's streaming API, and prints one JSON object:
per run the seconds to the first audio chunk, to the last one, the audio seconds and the chunk
count. Piper: ``PiperVoice.synthesize`` (a generator, one AudioChunk per sentence); Kokoro:
``Kokoro.create_stream`` (an async generator, one chunk per batch of at most 510 phonemes).
"""
import asyncio
import importlib.metadata
import json
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

from common import ChunkClock


def session_options(threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return so


def piper_runner(job):
    from piper import PiperVoice

    voice = PiperVoice.load(job["model"], config_path=job["config"])
    # PiperVoice.load takes no session options: swap in a session with the same thread count as voxgate.
    voice.session = ort.InferenceSession(job["model"], sess_options=session_options(job["threads"]),
                                         providers=["CPUExecutionProvider"])
    rate = voice.config.sample_rate

    def run(text):
        clock = ChunkClock(rate)
        for chunk in voice.synthesize(text):
            clock.chunk(len(chunk.audio_int16_bytes) // 2)  # what a streaming caller would send on
        return clock.result()

    return run, {"package": "piper-tts", "version": importlib.metadata.version("piper-tts"), "sample_rate": rate,
                 "api": "PiperVoice.synthesize (one chunk per sentence)"}


def kokoro_runner(job):
    from kokoro_onnx import Kokoro

    # kokoro-onnx reads its voices with np.load: an .npz keyed by voice name, each (510, 1, 256).
    styles = np.fromfile(job["voice_bin"], dtype="<f4").reshape(510, 1, 256)
    voices = Path(job["tmp"]) / "kokoro-voices.npz"
    np.savez(voices, **{job["voice"]: styles})
    sess = ort.InferenceSession(job["model"], sess_options=session_options(job["threads"]),
                                providers=["CPUExecutionProvider"])
    kokoro = Kokoro.from_session(sess, str(voices), vocab_config=job["config"])
    loop = asyncio.new_event_loop()

    async def stream(text):
        clock = ChunkClock(24000)
        async for audio, rate in kokoro.create_stream(text, job["voice"], speed=1.0, lang="en-us"):
            clock.rate = rate
            clock.chunk(len((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()) // 2)
        return clock.result()

    return (lambda text: loop.run_until_complete(stream(text))), {
        "package": "kokoro-onnx", "version": importlib.metadata.version("kokoro-onnx"), "sample_rate": 24000,
        "api": "Kokoro.create_stream (one chunk per batch of at most 510 phonemes)"}


def main():
    job = json.load(sys.stdin)
    t0 = time.perf_counter()
    run, info = (piper_runner if job["engine"] == "piper" else kokoro_runner)(job)
    info["load_s"] = time.perf_counter() - t0
    info["onnxruntime"] = ort.__version__
    info["threads"] = job["threads"]
    if job.get("warmup"):
        run(job["warmup"])
    info["results"] = [[run(text) for _ in range(job["repeats"])] for text in job["texts"]]
    json.dump(info, sys.stdout)


if __name__ == "__main__":
    main()
