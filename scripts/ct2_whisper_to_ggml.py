"""Converts a CTranslate2 Whisper model (model.bin + vocabulary.txt, as faster-whisper ships it)
into the ggml file whisper.cpp loads (f16 matrices, f32 vectors).

The registry packages that carry Whisper weights carry them in CTranslate2's format only, and
whisper.cpp is the runtime we can build from a package, so the installer converts once. The
output is a pure function of the input bytes, so the manifest can pin its sha256.

Layouts: CTranslate2 model.bin is `u32 version, str spec, u32 revision, u32 n_vars, vars...`
(`str` = u16 length + bytes with a trailing NUL; a var is name, u8 rank, u32 dims, u8 dtype,
u32 nbytes, data). whisper.cpp's file is `magic, 11 i32 hparams, mel filters, vocab, tensors`
with each tensor's dims written innermost first.
"""
import struct

import numpy as np

CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
GGML_MAGIC = 0x67676D6C
SAMPLE_RATE, N_FFT = 16000, 400


def _string(f):
    (n,) = struct.unpack("<H", f.read(2))
    return f.read(n).rstrip(b"\0").decode()


def read_ct2(path):
    variables = {}
    with open(path, "rb") as f:
        f.read(4)  # binary version
        _string(f)  # spec name
        f.read(4)  # spec revision
        (count,) = struct.unpack("<I", f.read(4))
        for _ in range(count):
            name = _string(f)
            rank = f.read(1)[0]
            dims = struct.unpack(f"<{rank}I", f.read(4 * rank))
            dtype = f.read(1)[0]
            (nbytes,) = struct.unpack("<I", f.read(4))
            if dtype not in CT2_DTYPES:
                raise ValueError(f"{path}: {name} has CTranslate2 dtype {dtype}, which this converter does not read")
            variables[name] = np.frombuffer(f.read(nbytes), dtype=CT2_DTYPES[dtype]).reshape(dims)
    if any(k.endswith("weight_scale") for k in variables):
        raise ValueError(f"{path}: quantized CTranslate2 models are not supported")
    return variables


def mel_filters(n_mels):
    """librosa.filters.mel(sr=16000, n_fft=400, n_mels) with the Slaney scale and norm (Whisper's)."""
    log_step = np.log(6.4) / 27

    def hz_to_mel(hz):
        hz = np.asarray(hz, float)
        return np.where(hz >= 1000, 15 + np.log(np.maximum(hz, 1e-10) / 1000) / log_step, hz * 3 / 200)

    def mel_to_hz(mel):
        mel = np.asarray(mel, float)
        return np.where(mel >= 15, 1000 * np.exp(log_step * (mel - 15)), mel * 200 / 3)

    bins = np.linspace(0, SAMPLE_RATE / 2, 1 + N_FFT // 2)
    edges = mel_to_hz(np.linspace(hz_to_mel(0), hz_to_mel(SAMPLE_RATE / 2), n_mels + 2))
    widths = np.diff(edges)
    ramps = np.subtract.outer(edges, bins)
    weights = np.zeros((n_mels, len(bins)))
    for i in range(n_mels):
        weights[i] = np.maximum(0, np.minimum(-ramps[i] / widths[i], ramps[i + 2] / widths[i + 1]))
    weights *= (2.0 / (edges[2:] - edges[:n_mels]))[:, None]
    return weights.astype(np.float32)


def byte_decoder():
    """GPT-2's printable-character stand-ins for raw bytes, reversed (vocabulary.txt uses them)."""
    printable = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    codes, extra = printable[:], 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            codes.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, codes)}


class _Writer:
    def __init__(self, out):
        self.out = out

    def tensor(self, name, array, keep_f32=False):
        array = np.ascontiguousarray(array)
        half = array.ndim >= 2 and not keep_f32
        array = array.astype(np.float16 if half else np.float32)
        encoded = name.encode()
        self.out.write(struct.pack("<iii", array.ndim, len(encoded), 1 if half else 0))
        for size in reversed(array.shape):
            self.out.write(struct.pack("<i", size))
        self.out.write(encoded)
        self.out.write(array.tobytes())


def convert(model_bin, vocabulary_txt, dest):
    v = read_ct2(model_bin)
    layers = lambda side: sum(1 for k in v if k.startswith(f"{side}/layer_") and k.endswith("self_attention/linear_0/weight"))
    n_enc, n_dec = layers("encoder"), layers("decoder")
    n_vocab, d = v["decoder/embeddings/weight"].shape
    n_mels = v["encoder/conv1/weight"].shape[1]
    tokens = open(vocabulary_txt, encoding="utf-8").read().split("\n")
    tokens = tokens[: tokens.index("<|endoftext|>")]  # whisper.cpp adds the special tokens itself
    decode = byte_decoder()

    with open(dest, "wb") as out:
        out.write(struct.pack("<12i", GGML_MAGIC, n_vocab, v["encoder/position_encodings/encodings"].shape[0], d,
                              int(v["encoder/num_heads"]), n_enc, v["decoder/position_encodings/encodings"].shape[0], d,
                              int(v["decoder/num_heads"]), n_dec, n_mels, 1))
        filters = mel_filters(n_mels)
        out.write(struct.pack("<ii", *filters.shape))
        out.write(filters.tobytes())
        out.write(struct.pack("<i", len(tokens)))
        for token in tokens:
            raw = bytes(decode[c] for c in token)
            out.write(struct.pack("<i", len(raw)))
            out.write(raw)

        w = _Writer(out)

        def norm(dst, src):
            w.tensor(dst + ".weight", v[src + "/gamma"])
            w.tensor(dst + ".bias", v[src + "/beta"])

        def linear(dst, src):
            w.tensor(dst + ".weight", v[src + "/weight"])
            w.tensor(dst + ".bias", v[src + "/bias"])

        def fused(dst, src, parts):
            # CTranslate2 fuses q/k/v into one matrix; whisper.cpp keeps them apart and has no key bias.
            weight, bias = v[src + "/weight"], v[src + "/bias"]
            for i, part in enumerate(parts):
                w.tensor(f"{dst}.{part}.weight", weight[i * d:(i + 1) * d])
                piece = bias[i * d:(i + 1) * d]
                if part != "key":
                    w.tensor(f"{dst}.{part}.bias", piece)
                elif np.abs(piece.astype(np.float32)).max() != 0:
                    raise ValueError(f"{src}: non-zero key bias, which whisper.cpp has no place for")

        w.tensor("encoder.positional_embedding", v["encoder/position_encodings/encodings"], keep_f32=True)
        for conv in ("conv1", "conv2"):
            w.tensor(f"encoder.{conv}.weight", v[f"encoder/{conv}/weight"])
            w.tensor(f"encoder.{conv}.bias", v[f"encoder/{conv}/bias"].reshape(-1, 1), keep_f32=True)
        for i in range(n_enc):
            s, t = f"encoder/layer_{i}", f"encoder.blocks.{i}"
            norm(t + ".attn_ln", s + "/self_attention/layer_norm")
            fused(t + ".attn", s + "/self_attention/linear_0", ("query", "key", "value"))
            linear(t + ".attn.out", s + "/self_attention/linear_1")
            norm(t + ".mlp_ln", s + "/ffn/layer_norm")
            linear(t + ".mlp.0", s + "/ffn/linear_0")
            linear(t + ".mlp.2", s + "/ffn/linear_1")
        norm("encoder.ln_post", "encoder/layer_norm")
        w.tensor("decoder.positional_embedding", v["decoder/position_encodings/encodings"], keep_f32=True)
        w.tensor("decoder.token_embedding.weight", v["decoder/embeddings/weight"])
        for i in range(n_dec):
            s, t = f"decoder/layer_{i}", f"decoder.blocks.{i}"
            norm(t + ".attn_ln", s + "/self_attention/layer_norm")
            fused(t + ".attn", s + "/self_attention/linear_0", ("query", "key", "value"))
            linear(t + ".attn.out", s + "/self_attention/linear_1")
            norm(t + ".cross_attn_ln", s + "/attention/layer_norm")
            linear(t + ".cross_attn.query", s + "/attention/linear_0")
            fused(t + ".cross_attn", s + "/attention/linear_1", ("key", "value"))
            linear(t + ".cross_attn.out", s + "/attention/linear_2")
            norm(t + ".mlp_ln", s + "/ffn/layer_norm")
            linear(t + ".mlp.0", s + "/ffn/linear_0")
            linear(t + ".mlp.2", s + "/ffn/linear_1")
        norm("decoder.ln", "decoder/layer_norm")
