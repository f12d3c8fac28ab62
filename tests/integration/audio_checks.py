"""Audio analysis for the integration tests: PCM level and pitch, WAV headers, real decoders (ffprobe/ffmpeg).

Everything here looks at bytes the server sent; nothing talks to a server.
"""
import array
import io
import json
import math
import struct
import subprocess
import tempfile
import wave

from scoring import n_words

RMS_FLOOR = 1000                # speech RMS is 2800-4700 here; a silent or near-silent answer is far below
CLIP_MAX_FRACTION = 0.001       # at most 0.1 % of samples at the int16 rails


# ---------------------------------------------------------------- PCM

def samples(pcm):
    a = array.array("h")
    a.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    return a


def pcm_stats(pcm):
    a = samples(pcm)
    if len(a) == 0:
        return 0, 0.0
    peak = max(abs(x) for x in a)
    rms = math.sqrt(sum(x * x for x in a) / len(a))
    return peak, rms


def clip_fraction(pcm):
    a = samples(pcm)
    return sum(1 for x in a if x >= 32767 or x <= -32768) / max(1, len(a))


def assert_plausible_speech(pcm, rate=24000, lo=0.3, hi=20.0):
    dur = len(pcm) / 2 / rate
    assert lo <= dur <= hi, f"implausible audio duration {dur:.3f}s"
    peak, _ = pcm_stats(pcm)
    assert peak > 500, f"audio looks silent (peak {peak})"
    return dur


def assert_duration_for_words(pcm, rate, text, what):
    """Read English runs at 2.5-4 words/s; allow 2-5 words/s plus 1 s of edge and clause pauses."""
    dur = len(pcm) / 2 / rate
    n = n_words(text)
    lo, hi = n / 5.0, n / 2.0 + 1.0
    assert lo <= dur <= hi, f"{what}: {dur:.2f}s for {n} words (plausible {lo:.2f}-{hi:.2f}s)"
    return dur


def assert_clean_speech(pcm, rate, text, what):
    """s16le speech of `text`: a plausible length for its words, audible, not clipped."""
    assert len(pcm) % 2 == 0 and pcm, f"{what}: no s16le audio ({len(pcm)} bytes)"
    dur = assert_duration_for_words(pcm, rate, text, what)
    peak, rms = pcm_stats(pcm)
    assert rms > RMS_FLOOR, f"{what}: RMS {rms:.0f} (peak {peak}): silent or near-silent"
    cf = clip_fraction(pcm)
    assert cf < CLIP_MAX_FRACTION, f"{what}: {cf:.3%} of samples at the int16 rails (clipped)"
    return dur


def median_f0(pcm, rate, fmin=50.0, fmax=500.0):
    """Rough median pitch (Hz) of the loud frames of s16le mono speech (autocorrelation).

    eSpeak NG output is not byte-for-byte repeatable, so voices and pitch changes are told
    apart by their fundamental frequency instead of by comparing bytes.
    """
    a = samples(pcm)
    step = max(1, rate // 8000)
    x = a[::step]
    sr = rate / step
    n = int(0.04 * sr)
    lo, hi = int(sr / fmax), int(sr / fmin)
    frames = [(sum(v * v for v in x[s:s + n]), s) for s in range(0, len(x) - n - hi, n)]
    if not frames:
        return 0.0
    emax = max(e for e, _ in frames)
    f0s = []
    for e, s in frames:
        if e < 0.1 * emax:
            continue
        seg = x[s:s + n + hi]
        best, best_lag = 0.0, 0
        for lag in range(lo, hi + 1):
            c = sum(seg[i] * seg[i + lag] for i in range(n))
            if c > best:
                best, best_lag = c, lag
        if best_lag and best > 0.3 * e:
            f0s.append(sr / best_lag)
    f0s.sort()
    return f0s[len(f0s) // 2] if f0s else 0.0


def assert_same_voice(a, b, rate=24000, what="", tol=0.15):
    # eSpeak NG output varies between identical requests (its state carries over), and the
    # median-f0 estimate of the f3 variant was seen 11% apart under load; different voices of
    # the table are >= 30% apart (assert_other_voice), so 15% still tells them apart.
    fa, fb = median_f0(a, rate), median_f0(b, rate)
    assert fa > 0 and abs(fa - fb) <= tol * fa, f"{what}: pitch {fa:.0f} Hz vs {fb:.0f} Hz: not the same voice"


def assert_other_voice(a, b, rate=24000, what="", ratio=1.3):
    fa, fb = median_f0(a, rate), median_f0(b, rate)
    assert fa > 0 and fb > 0 and max(fa, fb) >= ratio * min(fa, fb), \
        f"{what}: pitch {fa:.0f} Hz vs {fb:.0f} Hz: looks like the same voice"


# ---------------------------------------------------------------- WAV

def read_wav_bytes(data):
    with wave.open(io.BytesIO(data), "rb") as w:
        return {
            "channels": w.getnchannels(),
            "sampwidth": w.getsampwidth(),
            "rate": w.getframerate(),
            "frames": w.getnframes(),
            "pcm": w.readframes(w.getnframes()),
        }


def to_wav(pcm, rate):
    """s16le mono PCM as a WAV file's bytes."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return buf.getvalue()


def parse_wav_header(data):
    """Parse a RIFF/WAVE header; returns dict(fmt fields, data_offset, data_size_field)."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", f"not a RIFF/WAVE header: {data[:16]!r}"
    pos, fmt = 12, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if cid == b"fmt ":
            tag, ch, rate, _, _, bits = struct.unpack("<HHIIHH", data[pos + 8:pos + 24])
            fmt = {"format_tag": tag, "channels": ch, "rate": rate, "bits": bits}
        elif cid == b"data":
            assert fmt is not None, "data chunk before fmt chunk"
            return dict(fmt, data_offset=pos + 8, data_size_field=size)
        pos += 8 + size + (size & 1)
    raise AssertionError("no data chunk in the WAV header")


# ---------------------------------------------------------------- encoded audio (Debian ffprobe/ffmpeg)

def _run_tool(cmd, timeout=60):
    return subprocess.run(cmd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)


def audio_info(data, suffix, decode_rate=48000):
    """Probe and fully decode an encoded audio byte string with the Debian ffprobe/ffmpeg.

    Returns a dict: codec, sample_rate, channels (first audio stream, per ffprobe),
    probe_duration (container/format estimate, may be None for streamed files),
    duration (from decoding everything to PCM at decode_rate), decoded_pcm, ffmpeg_rc, ffmpeg_err.
    """
    with tempfile.NamedTemporaryFile(suffix=suffix) as f:
        f.write(data)
        f.flush()
        p = _run_tool(["ffprobe", "-v", "error", "-show_entries",
                       "format=duration:stream=codec_name,sample_rate,channels", "-of", "json", f.name])
        info = {"codec": None, "sample_rate": None, "channels": None, "probe_duration": None,
                "probe_err": p.stderr.decode(errors="replace")}
        try:
            j = json.loads(p.stdout or b"{}")
        except ValueError:
            j = {}
        streams = j.get("streams") or []
        if streams:
            s = streams[0]
            info["codec"] = s.get("codec_name")
            info["sample_rate"] = int(s["sample_rate"]) if s.get("sample_rate") else None
            info["channels"] = s.get("channels")
        dur = (j.get("format") or {}).get("duration")
        try:
            info["probe_duration"] = float(dur) if dur not in (None, "N/A") else None
        except ValueError:
            pass
        d = _run_tool(["ffmpeg", "-v", "error", "-nostdin", "-i", f.name, "-f", "s16le",
                       "-acodec", "pcm_s16le", "-ac", "1", "-ar", str(decode_rate), "-"])
        info["ffmpeg_rc"] = d.returncode
        info["ffmpeg_err"] = d.stderr.decode(errors="replace")
        info["decoded_pcm"] = d.stdout
        info["duration"] = len(d.stdout) / 2 / decode_rate
    return info


def assert_decodes(data, suffix, codec, rate=None, ref_duration=None, tol=0.15, what="audio"):
    """ffprobe says `codec` (and `rate`), ffmpeg decodes it, the duration matches ref within tol."""
    assert len(data) > 0, f"{what}: empty body"
    info = audio_info(data, suffix)
    assert info["codec"] == codec, f"{what}: ffprobe codec {info['codec']!r}, expected {codec!r}; {info['probe_err']}"
    if rate is not None:
        assert info["sample_rate"] == rate, f"{what}: ffprobe sample_rate {info['sample_rate']}, expected {rate}"
    assert info["ffmpeg_rc"] == 0, f"{what}: ffmpeg failed to decode: {info['ffmpeg_err'][-500:]}"
    assert info["duration"] > 0.1, f"{what}: decodes to {info['duration']:.3f}s only"
    peak, _ = pcm_stats(info["decoded_pcm"])
    assert peak > 500, f"{what}: decoded audio looks silent (peak {peak})"
    if ref_duration is not None:
        assert abs(info["duration"] - ref_duration) <= tol * ref_duration, \
            f"{what}: decoded duration {info['duration']:.3f}s vs reference {ref_duration:.3f}s (tol {tol:.0%})"
    return info
