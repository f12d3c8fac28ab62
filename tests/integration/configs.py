"""Server configs the integration tests start voxgate with (plain dicts; server_process.to_yaml writes them)."""

# Voice table, session API (spec §3), Alibaba workflow TTS (§4), Volcengine binary WebSocket (§2).
AGENT_VOICES = [
    {"spk_id": 0, "name": "default", "variant": "", "aliases": ["BV001_streaming", "zh_female_1"]},
    {"spk_id": 1, "name": "female", "variant": "f3", "aliases": ["BV002_streaming"]},
    {"spk_id": 2, "name": "male", "variant": "m3"},
    {"spk_id": 3, "name": "female2", "variant": "f5"},
]
SESSION_TOKEN = "s3cret"
ALIBABA_TOKEN = "alisecret"
VOLC_TOKEN = "volctoken"

START_TIMEOUT = 60  # servers with neural voices: Piper loads in ~4 s alone; generous for a loaded 2-core machine


def base_config(save_dir, **limit_overrides):
    limits = {
        "max_text_chars": 500,
        "max_body_bytes": 65536,
        "max_ws_message_bytes": 65536,
        "max_sessions": 64,
        "idle_timeout_s": 30,
    }
    limits.update(limit_overrides)
    return {
        "host": "127.0.0.1",
        "port": 8092,
        "protocol": "http",
        "engine_list": ["tts_online"],
        "tts_online": {"engine": "espeak", "lang": "zh", "sample_rate": 24000},
        "voxgate": {
            "io_threads": 2,
            "limits": limits,
            "rest": {"save_dir": str(save_dir)},
        },
    }


def agent_config(save_dir, tokens=False, max_text_bytes=1024, **limit_overrides):
    """base_config plus voice table, session API, Alibaba and Volcengine sections.

    tokens=False: no auth anywhere, unknown Volcengine voices fall back to the default;
    tokens=True: the test tokens above, unknown Volcengine voices are rejected (3050).
    """
    limits = {"max_text_chars": 20000, "max_body_bytes": 262144, "max_ws_message_bytes": 262144}
    limits.update(limit_overrides)
    cfg = base_config(save_dir, **limits)
    v = cfg["voxgate"]
    v["voices"] = [dict(x) for x in AGENT_VOICES]
    v["session_api"] = {"tokens": [SESSION_TOKEN] if tokens else []}
    v["alibaba"] = {"path": "/stream-audio", "tokens": [ALIBABA_TOKEN] if tokens else [],
                    "content_type": "audio/mpeg"}
    v["volcengine"] = {"tokens": [VOLC_TOKEN] if tokens else [],
                       "unknown_voice": "reject" if tokens else "fallback",
                       "max_text_bytes": max_text_bytes}
    return cfg


def piper_config(save_dir, voices, models_dir=None, asr=False, protocols=False):
    """base_config with a voice table (neural rows allowed), optionally offline ASR and the agent protocols."""
    cfg = base_config(save_dir, max_text_chars=2000, max_body_bytes=1048576,
                      max_ws_message_bytes=1048576)
    v = cfg["voxgate"]
    v["voices"] = voices
    if models_dir is not None:
        v["models_dir"] = str(models_dir)
    if asr:
        cfg["engine_list"] = ["tts_online", "asr_online"]
        cfg["asr_online"] = {"engine": "pocketsphinx", "lang": "en", "continuous_decoding": True}
    if protocols:
        v["session_api"] = {"tokens": []}
        v["alibaba"] = {"path": "/stream-audio", "tokens": [], "content_type": "audio/mpeg"}
        # reject: a voice_type that does not map to the Piper row must not be answered quietly
        v["volcengine"] = {"tokens": [], "unknown_voice": "reject", "max_text_bytes": 1024}
    return cfg


def asr_config(archive_dir, max_sessions=64, idle_timeout_s=30, **asr_overrides):
    """TTS + streaming ASR (pocketsphinx, en) with the audio archive on."""
    asr = {"archive": True, "archive_dir": str(archive_dir), "max_session_s": 600, "max_frame_bytes": 65536}
    asr.update(asr_overrides)
    return {
        "host": "127.0.0.1",
        "port": 8090,
        "protocol": "http",
        "engine_list": ["tts_online", "asr_online"],
        "tts_online": {"engine": "espeak"},
        "asr_online": {"engine": "pocketsphinx", "lang": "en", "continuous_decoding": True},
        "voxgate": {
            "limits": {"max_sessions": max_sessions, "idle_timeout_s": idle_timeout_s},
            "asr": asr,
        },
    }
