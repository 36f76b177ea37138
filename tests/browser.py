"""What the browser tests share: start a Gradio app on a free 127.0.0.1 port and drive it in headless Chromium."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import REPO

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


def start_app(module: str, *args: str):
    """`python -m MODULE ARGS --port <free>` from the repo root, once it answers HTTP: (process, url)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", module, *args, "--port", str(port)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, proc)
    except AssertionError:
        proc.kill()
        raise
    return proc, url


def start_demo(module: str, run_dir):
    """A domain's own demo (`python -m apps.<domain> --run DIR`)."""
    return start_app(module, "--run", str(run_dir))


def stop_app(proc) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def ask_side_by_side(driver, wait, question: str, scope: str = "") -> tuple[str, str]:
    """Type `question` into a side-by-side text demo (inside `scope`, a CSS prefix such as a hub tab), press Ask,
    and wait for both answers: (base, tuned)."""
    from selenium.webdriver.common.by import By

    box = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f"{scope} #question textarea".strip()))
    box.send_keys(question)
    driver.find_element(By.CSS_SELECTOR, f"{scope} #ask".strip()).click()

    def answers(d):
        base = d.find_element(By.CSS_SELECTOR, f"{scope} #base-answer textarea".strip()).get_attribute("value")
        tuned = d.find_element(By.CSS_SELECTOR, f"{scope} #tuned-answer textarea".strip()).get_attribute("value")
        return (base, tuned) if base and tuned else False

    return wait.until(answers)
