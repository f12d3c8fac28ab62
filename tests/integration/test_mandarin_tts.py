"""The default Mandarin voice (row 0: FastSpeech2 + MB-MelGAN, src/engines/fastspeech2) end to end.

One server (``mandarin_srv``) with row 0 on FastSpeech2, row 1 on eSpeak NG (variant f3), every
TTS protocol and Whisper base for Mandarin; a second one started from a stock PaddleSpeech
``tts_online`` section with no voice table.

* Readings, without a recognizer: FastSpeech2 is deterministic (the same phone ids give the same
  samples, measured byte-identical across requests and protocols), so text the front end reads
  as intended gives exactly the PCM of the same sentence written out as it is spoken: a number
  (text normalisation), a polyphone (spelt with an unambiguous homophone) or a tone-sandhi word.
  A reading that is wrong, digit by digit or dropped, gives other samples.
* Intelligibility: a Whisper round trip of 24 sentences, scored as a listener reads them.
* Every protocol that picks a voice gets row 0's FastSpeech2 samples, not eSpeak NG's.
* A stock PaddleSpeech section is served by FastSpeech2 (PENDING: see the last test).

Models come from ``$VOXGATE_MODELS``, else ``models/`` of this checkout (scripts/install_models.py),
named in the config so that a binary outside ``build/`` (``$VOXGATE_BIN``) finds them too.
"""
import asyncio
import math
import os
import re

import pytest
import requests

import volc_client as vc
from asr_util import recognise
from audio_checks import samples
from configs import START_TIMEOUT, piper_config
from scoring import zh_spoken, zh_spoken_errors
from server_process import REPO_ROOT, ServerProcess, healthz, stop_server
from tts_clients import post_stream, rest_pcm, session_pcm, stream_tts, tts_websocket_session

MODELS = os.environ.get("VOXGATE_MODELS") or str(REPO_ROOT / "models")
FS2_SPK, ESPEAK_SPK = 0, 1
ROWS = [
    {"spk_id": FS2_SPK, "name": "default", "engine": "fastspeech2", "aliases": ["BV001_streaming", "zh_female_1"]},
    {"spk_id": ESPEAK_SPK, "name": "female", "variant": "f3", "aliases": ["BV002_streaming"]},
]


def mandarin_config(d):
    cfg = piper_config(d, ROWS, models_dir=MODELS, asr=True, protocols=True)
    cfg["voxgate"]["asr"] = {"recognizers": {"en": {"streaming": "pocketsphinx"}, "zh": {"final": "whisper"}}}
    return cfg


@pytest.fixture(scope="module")
def mandarin_srv(tmp_path_factory):
    d = tmp_path_factory.mktemp("mandarin")
    srv = ServerProcess(d, mandarin_config(d), name="mandarin")
    srv.start(timeout=START_TIMEOUT)
    yield srv
    stop_server(srv)


def fs2(srv, text):
    """Row 0's PCM of `text` at its own 24 kHz from POST /paddlespeech/tts (the reference of this file)."""
    pcm, rate = rest_pcm(srv, text, spk_id=FS2_SPK)
    assert rate == 24000 and len(pcm) > 2400, (rate, len(pcm))
    return pcm


def snr_db(got, ref):
    """Signal-to-difference ratio of `got` against `ref` over their common length."""
    a, b = samples(got), samples(ref)
    n = min(len(a), len(b))
    err = sum((a[i] - b[i]) ** 2 for i in range(n))
    sig = sum(b[i] ** 2 for i in range(n))
    return math.inf if err == 0 else 10 * math.log10(max(sig, 1) / err)


def test_healthz_row0_is_fastspeech2(mandarin_srv):
    f = healthz(mandarin_srv)["engines"]["fastspeech2"]
    assert f["loaded"] is True and f["sample_rate"] == 24000, f
    assert (f["voc_block"], f["voc_pad"]) == (36, 20), f


# ---------------------------------------------------------------- readings (deterministic, no recognizer)

# (as written, as a Chinese listener reads it aloud). Every pair was measured byte-identical.
NUMBERS = [
    pytest.param("今天是2024年3月15日。", "今天是二零二四年三月十五日。", id="year-date"),  # year digit by digit, date
    pytest.param("今天是2024-03-15。", "今天是二零二四年三月十五日。", id="iso-date"),  # ISO date
    pytest.param("会议在下午3:30开始。", "会议在下午三点三十分开始。", id="time"),  # time
    pytest.param("我们在12:05见面。", "我们在十二点零五分见面。", id="time-zero-minute"),  # time, zero minute
    pytest.param("这件衣服一共1250元。", "这件衣服一共一千二百五十元。", id="money"),  # money
    pytest.param("价格是¥99.9。", "价格是九十九点九元。", id="currency-sign"),  # currency sign
    pytest.param("今年的增长率是12.5%。", "今年的增长率是百分之十二点五。", id="percent-decimal"),  # percentage with a decimal
    pytest.param("他的身高是1.85米。", "他的身高是一点八五米。", id="decimal"),  # decimal
    pytest.param("现在气温25.5℃。", "现在气温二十五点五摄氏度。", id="temperature"),  # temperature
    # "-3℃" is read 负三 (minus three); weather forecasts say 零下三, but 负三 is a correct reading
    pytest.param("明天最高气温28℃，最低气温-3℃。", "明天最高气温二十八摄氏度，最低气温负三摄氏度。", id="negative-temperature"),
    pytest.param("请拨打电话13812345678。", "请拨打电话幺三八幺二三四五六七八。", id="mobile-number"),  # mobile number, 1 as yāo
    pytest.param("客服电话是400-820-8820。", "客服电话是四零零八二零八八二零。", id="hyphenated-number"),  # hyphenated number
    pytest.param("这辆车卖20000元。", "这辆车卖两万元。", id="wan-liang"),  # 万, 两 not 二
    pytest.param("全国有14亿人口。", "全国有十四亿人口。", id="yi"),  # 亿
    pytest.param("这本书有105页。", "这本书有一百零五页。", id="inner-zero"),  # inner zero
    pytest.param("我买了2个苹果。", "我买了两个苹果。", id="liang-measure-word"),  # 两 before a measure word
    pytest.param("比分是3:2。", "比分是三比二。", id="score"),  # a score, not a time
    pytest.param("一半是1/2。", "一半是二分之一。", id="fraction"),  # fraction
    # The grammar reads these two wrong (第两名, 二点): corrected around it (text_normalizer.cpp).
    pytest.param("他考了第2名。", "他考了第二名。", id="ordinal"),
    pytest.param("下午2点见。", "下午两点见。", id="time-liang"),
    # A Latin unit after a number is the Mandarin grammar's to read, not the English voice's.
    pytest.param("他跑了100km。", ("他跑了一百公里。", "他跑了一百千米。"), id="unit-km"),
]


@pytest.mark.parametrize("written, spoken", NUMBERS)
def test_number_is_read_as_spoken(mandarin_srv, written, spoken):
    """The written number gives exactly the samples of its spoken form, so it is neither read
    digit by digit (unless it is a year or a phone number) nor dropped."""
    got = fs2(mandarin_srv, written)
    readings = (spoken,) if isinstance(spoken, str) else spoken
    assert any(got == fs2(mandarin_srv, r) for r in readings), \
        f"{written!r} is not read as {' or '.join(readings)!r}"


def test_the_reading_check_can_fail(mandarin_srv):
    """The comparison above tells readings apart: the same sentence with the number read digit by
    digit, or left out, gives other samples (so a text normaliser that did either would fail)."""
    right = fs2(mandarin_srv, "这件衣服一共一千二百五十元。")
    assert fs2(mandarin_srv, "这件衣服一共一二五零元。") != right
    assert fs2(mandarin_srv, "这件衣服一共元。") != right


# (text, a homophone spelling of the intended reading or None, a spelling of the wrong reading or None)
POLYPHONES = [
    pytest.param("我去银行取钱。", "我去银航取钱。", "我去银型取钱。", id="hang-bank"),  # 行 háng, not xíng
    pytest.param("你真行。", "你真型。", "你真航。", id="xing-capable"),  # 行 xíng, not háng
    pytest.param("请重新启动电脑。", "请虫新启动电脑。", "请众新启动电脑。", id="chong-again"),  # 重 chóng, not zhòng
    pytest.param("这很重要。", "这很众要。", "这很虫要。", id="zhong-important"),  # 重 zhòng, not chóng
    pytest.param("孩子长大了。", "孩子掌大了。", "孩子常大了。", id="zhang-grow"),  # 长 zhǎng, not cháng
    pytest.param("我还想去。", "我孩想去。", "我环想去。", id="hai-still"),  # 还 hái, not huán
    pytest.param("我明天还书。", "我明天环书。", "我明天孩书。", id="huan-return"),  # 还 huán, not hái
    pytest.param("我很快乐。", "我很快仂。", "我很快月。", id="le-happy"),  # 乐 lè, not yuè
    pytest.param("我喜欢音乐。", "我喜欢音月。", "我喜欢音勒。", id="yue-music"),  # 乐 yuè, not lè
    pytest.param("他说得很对。", "他说的很对。", "他说德很对。", id="de-particle"),  # 得 de (neutral), not dé
    pytest.param("我觉得很好。", "我决的很好。", "我叫的很好。", id="jue-feel"),  # 觉 jué, not jiào
    pytest.param("我想睡觉。", "我想睡叫。", "我想睡决。", id="jiao-sleep"),  # 觉 jiào, not jué
    pytest.param("我了解这件事。", "我蓼解这件事。", None, id="liao-understand"),  # 了 liǎo
    pytest.param("这是一个苹果。", "这是移个苹果。", "这是衣个苹果。", id="sandhi-yi-ge"),  # sandhi: 一 yí before a 4th tone
    pytest.param("我买了一本书。", "我买了意本书。", "我买了移本书。", id="sandhi-yi-ben"),  # sandhi: 一 yì before a 3rd tone
    pytest.param("这不是我的。", "这醭是我的。", "这部是我的。", id="sandhi-bu-shi"),  # sandhi: 不 bú before a 4th tone
    pytest.param("你好。", "泥好。", None, id="sandhi-ni-hao"),  # sandhi: 3-3 gives ní hǎo
    # The dictionaries read these two the other way; their neighbours decide (zh_polyphones.h).
    pytest.param("长城很长。", "长城很常。", "长城很掌。", id="chang-long"),  # 长 cháng after 很
    pytest.param("我得走了。", None, "我的走了。", id="dei-must"),  # 得 děi (must), not the particle
]


@pytest.mark.parametrize("text, right, wrong", POLYPHONES)
def test_polyphone_or_sandhi_reading(mandarin_srv, text, right, wrong):
    """The polyphone's samples equal those of a homophone with only the intended reading, and
    differ from those of a spelling with the other reading (which shows the comparison can fail)."""
    got = fs2(mandarin_srv, text)
    if right is not None:
        assert got == fs2(mandarin_srv, right), f"{text!r} is not read like {right!r}"
    if wrong is not None:
        assert got != fs2(mandarin_srv, wrong), f"{text!r} is read like {wrong!r}"


# ---------------------------------------------------------------- Whisper round trip

# (text, its spoken form: one reading, or the readings a listener accepts). Numbers, dates,
# times, money, percentages, decimals, temperatures, phone numbers, then polyphones (银行, 还,
# 重新/重要, 长大, 乐, 了, 得, 觉, 行) and tone-sandhi words (一个, 一本, 不是, 你好).
CORPUS = [
    ("今天是2024年3月15日，星期五。", "今天是二零二四年三月十五日星期五"),
    ("这件衣服一共1250元。", "这件衣服一共一千二百五十元"),
    ("会议在下午3:30开始。", ("会议在下午三点三十分开始", "会议在下午三点半开始")),
    ("今年的增长率是12.5%。", "今年的增长率是百分之十二点五"),
    ("明天最高气温28℃，最低气温-3℃。", ("明天最高气温二十八摄氏度最低气温零下三摄氏度",
                                       "明天最高气温二十八摄氏度最低气温负三摄氏度")),
    ("请拨打电话13812345678。", "请拨打电话一三八一二三四五六七八"),
    ("他的身高是1.85米。", ("他的身高是一点八五米", "他的身高是一米八五")),
    ("这辆车卖20000元。", "这辆车卖两万元"),
    ("全国有14亿人口。", "全国有十四亿人口"),
    ("这本书有105页，我读了一半。", "这本书有一百零五页我读了一半"),
    ("我们在12:05见面。", "我们在十二点零五分见面"),
    ("这个月的支出减少了30%。", "这个月的支出减少了百分之三十"),
    ("现在室外温度是25.5℃。", "现在室外温度是二十五点五摄氏度"),
    ("客服电话是400-820-8820。", "客服电话是四零零八二零八八二零"),
    ("我去银行取钱，顺便还信用卡。", "我去银行取钱顺便还信用卡"),
    ("请重新启动电脑，这很重要。", "请重新启动电脑这很重要"),
    ("他长大了，还想当医生。", "他长大了还想当医生"),
    ("这首歌很好听，我听了很快乐。", "这首歌很好听我听了很快乐"),
    ("你好，我不是一个老师。", "你好我不是一个老师"),
    ("我觉得他说得很对。", "我觉得他说得很对"),
    ("他每天走路去上班，身体很好。", "他每天走路去上班身体很好"),
    ("我喜欢音乐，睡觉前常常听。", "我喜欢音乐睡觉前常常听"),
    ("一共有3个人，每人一本书。", "一共有三个人每人一本书"),
    ("我了解这件事情的经过，你真行。", "我了解这件事情的经过你真行"),
]

# Measured on this machine (2 cores, shared with a C++ build): 26 errors in 294 reference
# characters, CER 0.088, the same in every run (four runs of the 23 sentences this corpus has
# had from the start, two of it as it stands: Whisper decodes greedily and FastSpeech2 is
# deterministic); the test prints the per-sentence table. eSpeak NG's Mandarin (row 1, f3) on
# the same corpus: 168/293, CER 0.57 (0.60 in an earlier run; its output varies), 8 of 24
# sentences heard as nothing or nearly nothing; not run here, as its empty or garbled windows
# make Whisper retry (130 s for the corpus). What is left is Whisper base's: 摄氏度 heard as
# 射射系度, 下午 as 向5, 电脑 as 变脑, 气温 as 起温, 客服 as 科福. Those are not misreadings:
# each of these words gives exactly the samples of a homophone spelling (摄氏度 = 射是度,
# 下午 = 夏舞, 电脑 = 店恼, 气温 = 弃温, 客服 = 克服). 0.15 leaves 1.7x the measured CER for
# recognizer variation and benign voice changes, and is a quarter of eSpeak NG's.
CORPUS_CER_BOUND = 0.15
# One sentence at or above this is unintelligible (measured worst: 8/21 = 0.38, the
# temperatures; eSpeak NG: 11 of 24 sentences at or above it).
SENTENCE_CER_LIMIT = 0.6


def test_whisper_round_trip_of_mandarin_corpus(mandarin_srv):
    """Each sentence from row 0 at 16 kHz through POST /paddlespeech/asr (Whisper, lang zh),
    scored against its spoken form by scoring.zh_spoken_errors: Whisper's numerals are read out
    by the usual rules (a year and a phone number digit by digit, every other number as a
    cardinal), ZH_FOLD's homophones folded. A number dropped from the speech costs its
    characters. One read digit by digit is heard by Whisper as the same numerals (measured:
    一二五零元 came back as 1250元), which is why the readings are checked exactly above and
    this test bounds intelligibility."""
    rows, errors, chars = [], 0, 0
    for text, spoken in CORPUS:
        pcm, rate = rest_pcm(mandarin_srv, text, rate=16000, spk_id=FS2_SPK)
        assert rate == 16000 and len(pcm) / 2 / rate >= 0.8, (text, rate, len(pcm))
        hyp = recognise(mandarin_srv, pcm, rate, lang="zh")
        e, n = zh_spoken_errors(hyp, spoken)
        rows.append((e, n, text, hyp))
        errors, chars = errors + e, chars + n
    table = "\n".join(f"  {e:2}/{n:2} {e / n:5.2f}  {t}  heard {''.join(zh_spoken(h))!r} ({h!r})"
                      for e, n, t, h in rows)
    cer = errors / chars
    print(f"\nFastSpeech2 corpus CER {errors}/{chars} = {cer:.3f}\n{table}")
    assert cer <= CORPUS_CER_BOUND, f"corpus CER {errors}/{chars} = {cer:.3f} > {CORPUS_CER_BOUND}:\n{table}"
    bad = [r for r in rows if r[0] / r[1] >= SENTENCE_CER_LIMIT]
    assert not bad, f"sentences at CER >= {SENTENCE_CER_LIMIT} (unintelligible):\n{table}"


def test_scorer_counts_misread_and_dropped_numbers():
    """The scoring, without a server: Whisper's numerals match the spoken reference; a number
    written back as characters read digit by digit, or missing, does not."""
    ref = "这件衣服一共一千二百五十元"
    assert zh_spoken_errors("这件衣服一共1250元。", ref) == (0, 13)
    assert zh_spoken_errors("这件衣服一共1,250元", ref) == (0, 13)
    assert zh_spoken_errors("这件衣服一共一二五零元", ref)[0] >= 3
    assert zh_spoken_errors("这件衣服一共元", ref)[0] == 6
    assert zh_spoken_errors("今天是2024年3月15日", "今天是二零二四年三月十五日") == (0, 13)
    assert zh_spoken_errors("今天是两千零二十四年三月十五日", "今天是二零二四年三月十五日")[0] >= 2
    assert zh_spoken_errors("增长率是12.5%", "增长率是百分之十二点五") == (0, 11)
    assert zh_spoken_errors("我们在12:05见面", "我们在十二点零五分见面") == (1, 11)  # 分 unsaid
    assert zh_spoken_errors("电话13812345678", "电话一三八一二三四五六七八") == (0, 13)
    assert zh_spoken_errors("电话一百三十八亿", "电话一三八一二三四五六七八")[0] >= 8
    assert zh_spoken_errors("最低-3°C", "最低负三摄氏度") == (0, 7)


# ---------------------------------------------------------------- every protocol picks row 0

PROTOCOL_TEXT = "我去银行取了1250元，明天下午三点见。"  # two clauses, a number, a polyphone


@pytest.fixture(scope="module")
def protocol_ref(mandarin_srv):
    """PROTOCOL_TEXT from row 0 (POST /paddlespeech/tts, spk_id 0, 24 kHz), and a check that
    eSpeak NG's row gives something else entirely (so equality below identifies FastSpeech2)."""
    ref = fs2(mandarin_srv, PROTOCOL_TEXT)
    other, rate = rest_pcm(mandarin_srv, PROTOCOL_TEXT, spk_id=ESPEAK_SPK)
    assert rate == 24000 and snr_db(other, ref) < 10, snr_db(other, ref)  # measured -4 dB
    return ref


def _http_streaming(srv):
    res = stream_tts(srv.stream_url, {"text": PROTOCOL_TEXT, "spk_id": 0})
    assert res.status == 200, (res.status, res.body)
    return res.pcm


def _websocket(srv):
    pcm, code = asyncio.run(asyncio.wait_for(tts_websocket_session(srv.ws_url, PROTOCOL_TEXT), 60))
    assert code == 1000, code
    return pcm


def _volcengine(srv):
    res = vc.run(vc.synthesize(vc.ws_url(srv), PROTOCOL_TEXT, voice_type="BV001_streaming", encoding="pcm",
                               rate=24000))
    assert res.ok, res  # this server rejects voice types it does not know (3050): no silent fallback
    return res.audio


def _alibaba(srv):
    res = post_stream(srv.base + "/stream-audio", {"Text": PROTOCOL_TEXT, "VoiceId": "zh_female_1",
                                                   "SampleRate": 24000})
    assert res.status == 200 and res.complete, res
    return res.body


def _openai(voice):
    def speech(srv):
        r = requests.post(srv.base + "/v1/audio/speech", json={"model": "tts-1", "voice": voice,
                                                                "input": PROTOCOL_TEXT, "response_format": "pcm"},
                          timeout=60)
        assert r.status_code == 200 and r.headers.get("Content-Type", "").startswith("audio/pcm"), \
            (r.status_code, r.headers, r.content[:200])
        return r.content
    return speech


PROTOCOLS = {
    "paddlespeech-http-streaming-spk0": _http_streaming,
    "paddlespeech-websocket-spk0": _websocket,
    "session-api-default": lambda srv: session_pcm(srv, PROTOCOL_TEXT, voice_type="default", rate=24000),
    "session-api-alias-BV001_streaming": lambda srv: session_pcm(srv, PROTOCOL_TEXT, voice_type="BV001_streaming",
                                                                 rate=24000),
    "volcengine-ws-BV001_streaming": _volcengine,
    "alibaba-VoiceId-zh_female_1": _alibaba,
    "openai-alloy": _openai("alloy"),  # voxgate.openai.voices ships alloy: default
}
# Measured: every protocol's PCM byte-identical to the reference (difference 0, same length),
# eSpeak NG's -4 dB. 60 dB, with the same length, would still pass a tiny numeric difference
# (threads, a resampler at the same rate) and nothing that is another voice or another reading.
MIN_SNR_DB = 60


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
def test_protocol_gets_the_fastspeech2_voice(mandarin_srv, protocol_ref, protocol):
    """The same sentence through each protocol that selects a voice, raw PCM at 24 kHz: row 0's
    FastSpeech2 samples, as POST /paddlespeech/tts spk_id 0 gives them."""
    got = PROTOCOLS[protocol](mandarin_srv)
    snr = snr_db(got, protocol_ref)
    assert len(got) == len(protocol_ref), \
        f"{protocol}: {len(got) // 2} samples, row 0 gives {len(protocol_ref) // 2} (SNR {snr:.1f} dB)"
    assert snr >= MIN_SNR_DB, f"{protocol}: SNR {snr:.1f} dB against row 0's FastSpeech2 audio: another voice"


# ---------------------------------------------------------------- a stock PaddleSpeech section

# PaddleSpeech's paddlespeech/server/conf/tts_online_application.yaml as shipped (its comments
# left out), and no voxgate section at all.
STOCK_TTS_ONLINE = """\
host: 0.0.0.0
port: 8092
protocol: 'http'
engine_list: ['tts_online']

tts_online:
    am: 'fastspeech2_csmsc'
    am_config:
    am_ckpt:
    am_stat:
    phones_dict:
    tones_dict:
    speaker_dict:
    spk_id: 0
    voc: 'mb_melgan_csmsc'
    voc_config:
    voc_ckpt:
    voc_stat:
    lang: 'zh'
    device: 'cpu'
    am_block: 72
    am_pad: 12
    voc_block: 36
    voc_pad: 14
"""


def test_stock_paddlespeech_section_is_served_by_fastspeech2(tmp_path, monkeypatch, mandarin_srv, protocol_ref):
    """PENDING (issue 12 §3, being implemented in src/core/config.cpp): fails until that lands;
    the snapshot binary stops start-up ("uses PaddleSpeech model `fastspeech2_csmsc` with no
    model files").

    A stock `tts_online` section (no `engine:` key, the csmsc models, empty model-file keys) and
    no voice table: spk_id 0 is FastSpeech2 (healthz, the access log and its samples, equal to
    row 0's of the other server: voc_block 36 and voc_pad raised to 20 are that server's
    settings); the log says the section is served by voxgate's FastSpeech2 voice and that the
    section's voc_pad 14 was raised to 20."""
    monkeypatch.setenv("VOXGATE_MODELS", MODELS)  # inherited by the server: the config names no models_dir
    srv = ServerProcess(tmp_path, STOCK_TTS_ONLINE, name="stock")
    srv.start(timeout=START_TIMEOUT)
    try:
        f = healthz(srv)["engines"].get("fastspeech2")
        assert f and f["loaded"] is True, healthz(srv)["engines"]
        assert (f["voc_block"], f["voc_pad"]) == (36, 20), f
        got = fs2(srv, PROTOCOL_TEXT)
        assert got == protocol_ref, f"spk_id 0 is not the FastSpeech2 voice (SNR {snr_db(got, protocol_ref):.1f} dB)"
    finally:
        stop_server(srv)
    log = srv.log_path.read_text(errors="replace")
    assert re.search(r"paddlespeech_tts_rest .*voice=default .*engine=fastspeech2", log), log[-3000:]
    assert re.search(r"tts_online\b.*served by voxgate's FastSpeech2", log), \
        f"no log line saying tts_online is served by voxgate's FastSpeech2 engine:\n{log[-3000:]}"
    assert re.search(r"voc_pad 14 raised to 20", log), f"no log line saying voc_pad 14 was raised to 20:\n{log[-3000:]}"
