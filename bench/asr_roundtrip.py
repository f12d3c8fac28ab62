#!/usr/bin/env python3
"""Recognition of speech voxgate's own neural voices made: 20 English and 20 Mandarin sentences with
numbers, dates, money and names (issue 13's round trip), and the recorded speech of ../shared/data/asr/.

Each sentence is synthesized once (English: Piper joe and Kokoro heart in turn; Mandarin: FastSpeech2
CSMSC) through /v1/audio/speech. Each recognizer setup then gets its own server (from the repository,
so models/ resolves) and transcribes every clip through PaddleSpeech's offline REST API with the
clip's language, one request at a time and then four at once; a last pass sends `lang: auto` and
counts how often the detected language is the clip's.

Scoring: the reference and the hypothesis both go through WeTextProcessing's TN (wetext 0.1.8, the
grammars voxgate uses), so "2024年" and "二零二四年", "25" and "twenty five" score the same; then
English is scored in words (lower case, no punctuation) and Mandarin in characters. With so few
sentences one error moves WER by about 1 % and CER by about 0.3 %: differences of a point or two
between setups are within what the same model gives for a different rounding of its arithmetic.

Needs a python with wetext and requests (the bench venv):

    python3 -m venv ~/.cache/voxgate/venv-bench
    ~/.cache/voxgate/venv-bench/bin/pip install wetext==0.1.8 requests
    ~/.cache/voxgate/venv-bench/bin/python bench/asr_roundtrip.py [--write]
"""
import argparse
import base64
import re
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from wetext import Normalizer

from common import (Server, add_report_args, add_server_args, asr_config, audio_dir, edit_distance, log, publish,
                    references)

ENGLISH = [
    "Please tell Tchaikovsky that the meeting moved to Friday.",
    "The invoice for 1,250 dollars is due on March 3rd, 2025.",
    "Flight 447 leaves gate 12 at 6:45 in the evening.",
    "Doctor Patel will see you at half past nine tomorrow morning.",
    "Our revenue grew by 18 percent in the second quarter.",
    "Call me back at 555 0199 when you get home.",
    "Sarah and Michael moved to Brisbane in 2019.",
    "The package weighs 3.5 kilograms and costs 42 euros.",
    "Turn left after the second traffic light on Baker Street.",
    "We need 24 chairs and 6 tables for the conference.",
    "The train from Boston arrives at platform 7.",
    "Professor Nakamura published her third book last year.",
    "The temperature will drop to minus 5 degrees tonight.",
    "I ordered two large pizzas and a bottle of water.",
    "Your appointment is on Thursday, the 14th of November.",
    "The museum opens at 10 and closes at 5 on weekdays.",
    "Jennifer asked whether the report was ready.",
    "The population of the city is about 2 million people.",
    "Please reset my password and send it to my email.",
    "The score was 3 to 1 after extra time.",
]
MANDARIN = [
    "会议定在二零二四年三月十五日下午三点。",
    "这件衣服的价格是一百二十九元。",
    "今年的合格率达到了百分之九十五。",
    "请拨打客服电话一三八零零一三八零零零。",
    "我们在北京和上海都有办公室。",
    "一二线城市的房价仍然很高。",
    "张伟明天早上八点半去机场接客户。",
    "这条路全长一百公里，开车大约一个半小时。",
    "他的体重是七十五公斤，身高一米八。",
    "第三季度的销售额增长了百分之十二。",
    "请在五月二十日之前提交申请材料。",
    "今天的最高气温是二十八摄氏度。",
    "李娜在二零一一年获得了法网冠军。",
    "这个项目一共需要三百五十万元的投资。",
    "火车将在十点二十分到达杭州东站。",
    "我们的会员已经超过两万人了。",
    "王老师每周二和周四上数学课。",
    "他用了三年时间学会了说日语。",
    "银行的营业时间是上午九点到下午五点。",
    "这家餐厅的招牌菜是红烧肉和小笼包。",
]

ROW_KEYS = {"en": {"streaming": "pocketsphinx", "final": "whisper"}, "zh": {"final": "whisper"}}
NO_GUARDS = {"compression_ratio": 100.0, "logprob": -100.0, "retry_beam": 0, "no_speech_prob": 1.0,
             "tokens_per_s": 100.0}
SETUPS = [  # (label, voxgate.asr.whisper overrides)
    ("base, guards, estimated word times (default)", {}),
    ("base, guards, DTW word times (no flash attention)", {"dtw_word_times": True}),
    ("base, no guards", {"guards": NO_GUARDS}),
    ("base q8_0 (issue 16)", {"model": "whisper_base_q8_0"}),
    ("base q5_1 (issue 16)", {"model": "whisper_base_q5_1"}),
]


def config(whisper):
    return asr_config("en", {"recognizers": ROW_KEYS, "whisper": whisper})


def synthesize(binary, tmp):
    """(name, lang, reference, wav bytes) for every sentence, from the shipped config's voices."""
    server = Server(binary, Path(__file__).resolve().parents[1] / "conf" / "application.yaml", tmp,
                    name="voxgate-roundtrip-tts").start()
    clips = []
    try:
        for i, text in enumerate(ENGLISH):
            voice = "echo" if i % 2 == 0 else "nova"  # Piper joe, Kokoro heart
            clips.append((f"en{i:02d}-{voice}", "en", text, speech(server, text, voice)))
        for i, text in enumerate(MANDARIN):
            clips.append((f"zh{i:02d}-alloy", "zh", text, speech(server, text, "alloy")))  # FastSpeech2 CSMSC
    finally:
        server.stop()
    return clips


def speech(server, text, voice):
    r = requests.post(server.base + "/v1/audio/speech", timeout=120,
                      json={"model": "tts-1", "voice": voice, "input": text, "response_format": "wav"})
    r.raise_for_status()
    return r.content


def recorded():
    data = audio_dir()
    return [(name, lang, ref, (data / name).read_bytes())
            for name, (lang, ref) in sorted(references(data, wav_only=True).items())]


def transcribe(server, clip, lang):
    name, clip_lang, ref, wav = clip
    body = {"audio": base64.b64encode(wav).decode(), "audio_format": "wav", "sample_rate": 16000, "lang": lang}
    t0 = time.perf_counter()
    r = requests.post(server.base + "/paddlespeech/asr", json=body, timeout=300).json()
    seconds = time.perf_counter() - t0
    result = r.get("result") or {}
    return result.get("transcription", ""), result.get("lang", ""), seconds


NORMALIZERS = {}


def units(text, lang):
    """Spoken form through wetext TN, then words (English) or characters (Mandarin)."""
    n = NORMALIZERS.setdefault(lang, Normalizer(lang=lang, operator="tn"))
    spoken = n.normalize(text)
    if lang == "en":
        return re.findall(r"[a-z']+", spoken.lower().replace("-", " "))
    return [c for c in spoken if c.isalnum()]


def score(rows, lang):
    errors = sum(edit_distance(units(h, lang), units(r, lang)) for r, h in rows)
    total = sum(len(units(r, lang)) for r, h in rows)
    return errors, total


def run_setup(binary, label, whisper, sets):
    out = {"label": label}
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "roundtrip.yaml"
        conf.write_text(config(whisper))
        server = Server(binary, conf, tmp, name="voxgate-roundtrip").start()
        try:
            for set_name, clips in sets.items():
                for lang in ("en", "zh"):
                    mine = [c for c in clips if c[1] == lang]
                    if not mine:
                        continue
                    one = [transcribe(server, c, lang) for c in mine]
                    with ThreadPoolExecutor(4) as pool:
                        four = list(pool.map(lambda c: transcribe(server, c, lang), mine))
                    e, t = score([(c[2], h) for c, (h, _, _) in zip(mine, one)], lang)
                    e4, t4 = score([(c[2], h) for c, (h, _, _) in zip(mine, four)], lang)
                    out[(set_name, lang)] = {
                        "n": len(mine), "errors": e, "total": t, "errors4": e4,
                        "p50": statistics.median(s for _, _, s in one), "p50_4": statistics.median(s for _, _, s in four),
                        "max4": max(s for _, _, s in four),
                        "bad": [(c[0], h) for c, (h, _, _) in zip(mine, one) if units(h, lang) != units(c[2], lang)],
                    }
                    server.check_alive()
            if label.endswith("(default)"):
                hits = total = 0
                for clips in sets.values():
                    for c in clips:
                        _, lang, _ = transcribe(server, c, "auto")
                        hits += lang == c[1]
                        total += 1
                out["auto"] = (hits, total)
        finally:
            server.stop()
    return out


def report(results, sets):
    lines = ["| setup | speech | lang | clips | errors / reference (1 at a time) | rate | 4 at once: rate | "
             "time per request p50, 1 / 4 at once (s) | slowest of 4 at once (s) |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        for set_name in sets:
            for lang in ("en", "zh"):
                m = r.get((set_name, lang))
                if not m:
                    continue
                kind = "WER" if lang == "en" else "CER"
                lines.append(f"| {r['label']} | {set_name} | {lang} | {m['n']} | {m['errors']} / {m['total']} | "
                             f"{kind} {m['errors'] / m['total']:.1%} | {kind} {m['errors4'] / m['total']:.1%} | "
                             f"{m['p50']:.2f} / {m['p50_4']:.2f} | {m['max4']:.2f} |")
    default = results[0]
    hits, total = default["auto"]
    lines.append("")
    lines.append(f"`lang: auto` (default setup): the detected language was the clip's for {hits} of {total} clips.")
    lines.append("")
    lines.append("Sentences the default setup got wrong (after TN), one at a time:")
    lines.append("")
    for set_name in sets:
        for lang in ("en", "zh"):
            for name, hyp in default.get((set_name, lang), {}).get("bad", []):
                lines.append(f"- {name}: {hyp}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_args(ap, host=False)
    add_report_args(ap, "asr-roundtrip")
    args = ap.parse_args()
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        sets = {"synthesized": synthesize(args.bin, tmp), "recorded": recorded()}
    log(f"{sum(len(v) for v in sets.values())} clips")
    results = []
    for label, whisper in SETUPS:
        log(f"setup: {label}")
        results.append(run_setup(args.bin, label, whisper, sets))
    publish(args, "asr_roundtrip.py", "asr-roundtrip", "ASR round trip and models (`asr_roundtrip.py`)",
            f"loopback, {time.time() - started:.0f} s.",
            "offline REST, the clip's language given; English WER in words, Mandarin CER in characters, "
            "both after wetext TN.", report(results, sets))


if __name__ == "__main__":
    main()
