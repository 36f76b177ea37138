"""Start the telecom Gradio demo on 127.0.0.1 and drive it in headless Chromium through Selenium."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, proc, timeout: float = 180) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"demo exited early:\n{proc.stdout.read()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"demo did not answer on {url} within {timeout}s")


@pytest.fixture
def demo(tiny_run):
    proc, url = start_demo("apps.telecom", tiny_run)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def make_driver():
    """Headless Chromium through Selenium; skips (fails in CI) when the browser is missing."""
    if not (CHROMIUM and DRIVER):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromedriver must be installed in CI (apt-get install chromium chromium-driver)")
        pytest.skip("chromium/chromedriver not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"):
        opts.add_argument(flag)
    return webdriver.Chrome(service=Service(DRIVER), options=opts)


def start_demo(module: str, run_dir):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", module, "--run", str(run_dir), "--port", str(port)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, proc)
    except AssertionError:
        proc.kill()
        raise
    return proc, url


def test_demo_answers_a_question_side_by_side(demo):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = make_driver()
    try:
        driver.get(demo)
        wait = WebDriverWait(driver, 120)
        box = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#question textarea"))
        box.send_keys("What does the UPF do in the 5G core?")
        driver.find_element(By.CSS_SELECTOR, "#ask").click()

        def answers(d):
            base = d.find_element(By.CSS_SELECTOR, "#base-answer textarea").get_attribute("value")
            tuned = d.find_element(By.CSS_SELECTOR, "#tuned-answer textarea").get_attribute("value")
            return (base, tuned) if base and tuned else False

        base, tuned = wait.until(answers)
        assert base.strip() and tuned.strip()
        assert "(ask a question)" not in base
        driver.save_screenshot(str(REPO / "runs" / "demo_screenshot.png")) if (REPO / "runs").is_dir() else None
    finally:
        driver.quit()
