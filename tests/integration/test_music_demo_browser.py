"""Start the music demo on a tiny run and drive it in headless Chromium: generate from a held-out description and
check that two audio players appear (base and adapted) whose audio, fetched from the page (16-bit PCM as generated,
not peak-normalised), is not silent, with a pitch-class-profile plot beside each."""

import urllib.request
from urllib.parse import urljoin

import numpy as np
import pytest

from tests.browser import make_driver, start_demo, stop_app
from tests.conftest import train_tiny

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    proc, url = start_demo("apps.music", train_tiny(tmp_path_factory, "music"))
    try:
        yield url
    finally:
        stop_app(proc)


def _wav_rms(url: str, folder) -> float:
    from cookbook.tasks.audio_lm.audio import read_wav

    path = folder / "clip.wav"
    with urllib.request.urlopen(url, timeout=30) as resp:
        path.write_bytes(resp.read())
    audio, _ = read_wav(path)
    return float(np.sqrt(np.mean(np.square(audio)))) if len(audio) else 0.0


def test_demo_plays_base_and_adapted_audio_side_by_side(demo, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait

    driver = make_driver()
    try:
        driver.get(demo)
        wait = WebDriverWait(driver, 300)
        wait.until(lambda d: d.find_element("css selector", "#generate")).click()

        def sources(d):
            found = {}
            for elem_id in ("base-audio", "tuned-audio"):
                # Gradio 6 draws a waveform player; its audio file is the component's download link
                if not d.find_elements("css selector", f"#{elem_id} audio, #{elem_id} [data-testid^=waveform]"):
                    return False
                links = d.find_elements("css selector", f"#{elem_id} a[download]")
                href = links[0].get_attribute("href") if links else ""
                if not href:
                    return False
                found[elem_id] = href
            return found

        found = wait.until(sources)
        for elem_id, src in found.items():
            assert _wav_rms(urljoin(demo, src), tmp_path) > 1e-3, f"{elem_id} is silent"
        for elem_id in ("base-chroma", "tuned-chroma"):
            assert driver.find_elements("css selector", f"#{elem_id} img, #{elem_id} svg, #{elem_id} canvas")
    finally:
        driver.quit()
