"""Start the hub (`cookbook demo --runs-root ROOT`, what `make demo` runs) on a runs root holding one tiny telecom
run, and drive it in headless Chromium: every domain listed, the run shown, and the telecom tab answering."""

import json
import shutil

import pytest

from cookbook.discovery import load_domains
from tests.browser import ask_side_by_side, make_driver, start_app, stop_app
from tests.conftest import read_metrics

pytestmark = [pytest.mark.integration, pytest.mark.browser]

RUN_NAME = "20250101-000000"
EVAL_SUMMARY = "rougeL 0.1000 -> 0.2000 (+0.1000)"  # a stand-in report: the hub only shows its summary line


@pytest.fixture
def runs_root(tiny_run, tmp_path):
    """ROOT/telecom/<run>: a copy of the session's tiny run, with an eval report; no other domain has a run."""
    run = shutil.copytree(tiny_run, tmp_path / "runs" / "telecom" / RUN_NAME)
    (run / "eval").mkdir(exist_ok=True)
    (run / "eval" / "report.json").write_text(json.dumps({"summary": EVAL_SUMMARY}))
    return tmp_path / "runs"


@pytest.fixture
def hub_url(runs_root):
    proc, url = start_app("cookbook.cli", "demo", "--runs-root", str(runs_root))
    try:
        yield url
    finally:
        stop_app(proc)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_hub_lists_every_domain_and_opens_the_telecom_demo(hub_url, tiny_run):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    domains = load_domains()
    without_run = [name for name in domains.names() if name != "telecom"]
    assert without_run, "the test needs a domain without a run"
    metrics = read_metrics(tiny_run)
    driver = make_driver()
    try:
        driver.get(hub_url)
        wait = WebDriverWait(driver, 120)
        for name in domains.names():
            card = flat(wait.until(lambda d, n=name: d.find_element(By.ID, f"domain-{n}")).text)
            assert flat(domains.get(name).description) in card and domains.get(name).task in card
        telecom = flat(driver.find_element(By.ID, "domain-telecom").text)
        for text in ("latest finished run", RUN_NAME, metrics["method"], metrics["base_model"],
                     f"{metrics['steps']} steps", "final train loss", "eval loss", EVAL_SUMMARY):
            assert text in telecom, (text, telecom)
        for name in without_run:
            card = flat(driver.find_element(By.ID, f"domain-{name}").text)
            assert f"no finished run yet — make finetune DOMAIN={name}" in card
        tabs = [t.text for t in driver.find_elements(By.CSS_SELECTOR, "button[role=tab]")]
        assert tabs == ["All domains", "telecom"]  # a demo tab only where there is a finished run

        driver.find_element(By.ID, "tab-telecom-button").click()
        base, tuned = ask_side_by_side(driver, wait, "What does the UPF do in the 5G core?", "#tab-telecom")
        assert base.strip() and tuned.strip() and "(ask a question)" not in base
    finally:
        driver.quit()
