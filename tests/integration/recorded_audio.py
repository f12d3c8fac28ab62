"""The recorded speech some tests need, and what happens where it is absent.

The recordings are read in place from ``$VOXGATE_TEST_AUDIO`` (default ``<repo>/../shared/data/asr/``,
where CI has them) and never copied into the repository; converted variants go to temporary
directories. A user's own clone usually has no such folder: a test that needs the recordings is then
skipped, with one reason that says which folder lacks which file. ``VOXGATE_REQUIRE_TEST_AUDIO=1``
(set by ``.ci/run``) turns that skip into a failure, so CI cannot pass by skipping.

Tests mark themselves ``@pytest.mark.recorded_audio`` (conftest.py checks before any fixture starts
a server); every helper that opens a recording checks again, so an unmarked test is skipped too.
"""
import functools
import os
from pathlib import Path

import pytest

from server_process import REPO_ROOT

ENV_DIR = "VOXGATE_TEST_AUDIO"
ENV_REQUIRE = "VOXGATE_REQUIRE_TEST_AUDIO"
DEFAULT_DIR = REPO_ROOT.parent / "shared" / "data" / "asr"
AUDIO_DIR = Path(os.environ.get(ENV_DIR) or DEFAULT_DIR)
SKIP_PREFIX = "recorded speech not found"

EN_DIGITS = AUDIO_DIR / "en_digits.wav"
ZH_24K = AUDIO_DIR / "zh_24k_prompt.wav"
ZH_AISHELL = AUDIO_DIR / "zh_aishell_BAC009S0764W0122.wav"
EN_LIBRISPEECH = AUDIO_DIR / "en_librispeech_1995-1837-0001.wav"
TRANSCRIPTS = AUDIO_DIR / "transcripts.tsv"
FILES = (EN_DIGITS, ZH_24K, ZH_AISHELL, EN_LIBRISPEECH, TRANSCRIPTS)


def required():
    return os.environ.get(ENV_REQUIRE, "") not in ("", "0")


def missing():
    return [p.name for p in FILES if not p.is_file()]


def absence_reason():
    """One line saying what is missing and how to fix it, or None when every recording is there."""
    gone = missing()
    if not gone:
        return None
    return (f"{SKIP_PREFIX}: {AUDIO_DIR} lacks {', '.join(gone)} "
            f"(set {ENV_DIR} to the folder that holds them)")


def require_audio():
    """Skip the running test where the recordings are absent; fail instead under VOXGATE_REQUIRE_TEST_AUDIO=1."""
    reason = absence_reason()
    if reason is None:
        return
    if required():
        pytest.fail(f"{reason}; {ENV_REQUIRE}=1 makes this a failure", pytrace=False)
    pytest.skip(reason)


def recording(path):
    """`path` itself, after require_audio() when it lies in the recordings' folder."""
    path = Path(path)
    if path.parent == AUDIO_DIR:
        require_audio()
    return path


@functools.lru_cache(maxsize=None)
def _references():
    out = {}
    lines = TRANSCRIPTS.read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        cols = line.split("\t")
        if len(cols) >= 5:
            out[cols[0]] = (cols[1], cols[4])
    return out


def references():
    """file name -> (lang, reference text) from transcripts.tsv."""
    require_audio()
    return _references()
