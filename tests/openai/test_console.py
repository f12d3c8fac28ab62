"""The browser console at / (issue 14 item 6) in a real browser: Debian's headless Chromium driven
by selenium. The fake microphone plays a recording, so the page must show that recording's
transcript; a speech request must start playback through Web Audio.

VOXGATE_CONSOLE_SCREENSHOT=<path.png> saves the page once both have run (docs/console.png).
"""
import os
import shutil
import time

import pytest

from recorded_audio import EN_DIGITS, EN_LIBRISPEECH, references
from scoring import digit_misses, word_error_rate

from conftest import API_KEY

selenium = pytest.importorskip("selenium", reason="python3-selenium (scripts/setup.sh installs it)")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.recorded_audio

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM or not DRIVER:
        pytest.fail("chromium and chromedriver are needed (scripts/setup.sh installs them)", pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                # the microphone plays the recording once, then silence (which ends the turn)
                f"--use-file-for-fake-audio-capture={EN_LIBRISPEECH}%noloop",
                "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page(browser, server):
    browser.get(server.base + "/")
    # This server has API keys: the page says so until one is entered.
    WebDriverWait(browser, 60).until(lambda d: "API key" in _text(d, "server"))
    key = browser.find_element(By.ID, "key")
    key.send_keys(API_KEY)
    browser.execute_script("arguments[0].dispatchEvent(new Event('change'))", key)
    WebDriverWait(browser, 60).until(lambda d: "voices" in _text(d, "server"))
    yield browser
    shot = os.environ.get("VOXGATE_CONSOLE_SCREENSHOT")
    if shot:
        browser.save_screenshot(shot)


def _text(driver, element_id):
    return driver.find_element(By.ID, element_id).text


def _wait(driver, what, seconds=90):
    def check(d):
        for id_ in ("ttsStatus", "asrStatus"):
            el = d.find_element(By.ID, id_)
            if "error" in (el.get_attribute("class") or ""):
                raise AssertionError(f"#{id_}: {el.text}")
        return what(d)
    return WebDriverWait(driver, seconds, poll_frequency=0.2).until(check)


def _finals(driver):
    return [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#finals li.final .text")]


def test_voices_come_from_the_server(page):
    names = [o.get_attribute("value") for o in page.find_elements(By.CSS_SELECTOR, "#voice option")]
    assert {"default", "female", "joe"} <= set(names), names


def test_speech_streams_into_web_audio(page):
    page.find_element(By.ID, "format").send_keys("pcm")
    page.find_element(By.ID, "speak").click()
    _wait(page, lambda d: _text(d, "ttsStatus") == "done")
    received = int(_text(page, "ttsReceived"))
    assert received > 24000, "at least half a second of 24 kHz s16le"
    # Every byte that came was played by the AudioContext, and the latencies are shown.
    assert int(_text(page, "ttsPlayed")) == received - received % 2
    for id_ in ("ttsFirstByte", "ttsFirstSound", "ttsTotal"):
        assert _text(page, id_).endswith(" ms"), (id_, _text(page, id_))


def test_stop_ends_speech_mid_sentence(page):
    text = page.find_element(By.ID, "text")
    text.clear()
    text.send_keys("This sentence is long enough that it is still playing when the stop button is pressed. " * 3)
    page.find_element(By.ID, "speak").click()
    _wait(page, lambda d: int(_text(d, "ttsPlayed")) > 0)
    page.find_element(By.ID, "stop").click()
    assert _text(page, "ttsStatus") == "stopped"
    played = int(_text(page, "ttsPlayed"))
    time.sleep(1)
    assert int(_text(page, "ttsPlayed")) == played, "nothing plays after stop"
    assert not page.find_element(By.ID, "stop").is_enabled()


def test_microphone_shows_partials_and_the_transcript(page):
    page.find_element(By.ID, "mic").click()
    _wait(page, lambda d: _finals(d))
    finals = _finals(page)
    reference = references()[EN_LIBRISPEECH.name][1]
    assert word_error_rate(finals[0], reference) <= 0.3, finals
    assert _text(page, "asrFirstPartial").endswith("after speech began")
    assert _text(page, "asrFinal").endswith(" ms")
    page.find_element(By.ID, "mic").click()
    assert _text(page, "asrStatus") == "stopped"


def test_a_picked_file_is_transcribed(page):
    before = len(_finals(page))
    # The digits are read with pauses: a 3 s turn-ending silence keeps them in one turn.
    silence = page.find_element(By.ID, "silence")
    silence.clear()
    silence.send_keys("3000")
    page.find_element(By.ID, "file").send_keys(str(EN_DIGITS))
    _wait(page, lambda d: len(_finals(d)) > before and _text(d, "asrStatus").endswith("transcribed"))
    text = " ".join(_finals(page)[before:])
    assert digit_misses(text, references()[EN_DIGITS.name][1]) <= 2, text
