"""Start the telecom Gradio demo on 127.0.0.1 and drive it in headless Chromium through Selenium."""

import pytest

from tests.browser import ask_side_by_side, make_driver, start_demo, stop_app
from tests.conftest import REPO

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture
def demo(tiny_run):
    proc, url = start_demo("apps.telecom", tiny_run)
    try:
        yield url
    finally:
        stop_app(proc)


def test_demo_answers_a_question_side_by_side(demo):
    from selenium.webdriver.support.ui import WebDriverWait

    driver = make_driver()
    try:
        driver.get(demo)
        wait = WebDriverWait(driver, 120)
        base, tuned = ask_side_by_side(driver, wait, "What does the UPF do in the 5G core?")
        assert base.strip() and tuned.strip()
        assert "(ask a question)" not in base
        driver.save_screenshot(str(REPO / "runs" / "demo_screenshot.png")) if (REPO / "runs").is_dir() else None
    finally:
        driver.quit()
