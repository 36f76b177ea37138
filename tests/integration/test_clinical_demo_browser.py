"""Start the clinical demo on a tiny SFT+DPO run and drive it in headless Chromium: summarise a held-out admission
with every system of the run, see the summaries' sentences linked to record lines (the reference's) and an
invented fact highlighted (a summary of our own naming a drug the record never gives), identifiers redacted."""

import pytest

from cookbook.discovery import get_recipe
from tests.browser import make_driver, start_demo, stop_app
from tests.conftest import train_tiny

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    proc, url = start_demo("apps.clinical", train_tiny(tmp_path_factory, "clinical"))
    try:
        yield url
    finally:
        stop_app(proc)


def _first_held_out():
    from domains.clinical.record import parse

    recipe = get_recipe("clinical")
    example = recipe.load_examples(recipe.load_config("tiny").data, "test")[0]
    return example, parse(example.prompt, example.id)


def _invented_drug(adm) -> str:
    """A drug of the vocabulary that the record never mentions."""
    from domains.clinical.vocab_drugs import DRUGS

    given = {e.med.drug for e in adm.events if e.med} | {e.drug for e in adm.events if e.drug}
    return next(d.name for d in DRUGS if d.name not in given and d.unit == "mg")


def test_demo_links_sentences_to_the_record_and_highlights_an_invented_fact(demo):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    example, adm = _first_held_out()
    drug = _invented_drug(adm)
    driver = make_driver()
    try:
        driver.get(demo)
        wait = WebDriverWait(driver, 300)
        box = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#your-summary textarea"))
        box.send_keys(f"Diagnoses: {example.reference.splitlines()[2].split(': ', 1)[1]}\n"
                      f"Medications: Started {drug} 40 mg PO daily.")
        driver.find_element(By.CSS_SELECTOR, "#summarise").click()
        cards = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#summaries .summary-card") or False)
        ids = [c.get_attribute("id") for c in cards]
        # every system of the run wrote a summary, beside the reference and ours
        assert ids == ["summary-reference", "summary-base", "summary-sft", "summary-dpo", "summary-yours"], ids

        reference = driver.find_element(By.CSS_SELECTOR, "#summary-reference")
        linked = reference.find_elements(By.CSS_SELECTOR, ".sentence.supported")
        assert linked and not reference.find_elements(By.CSS_SELECTOR, ".sentence.unsupported")
        lines = [int(n) for s in linked for n in s.get_attribute("data-lines").split()]
        assert lines and all(3 <= n <= len(example.prompt.splitlines()) for n in lines)
        # the cited lines are marked in the record view, whose identifiers are redacted by default
        cited = driver.find_elements(By.CSS_SELECTOR, "#record-view .record-line.cited")
        assert {int(c.get_attribute("id").split("-L")[1]) for c in cited} >= set(lines)
        record = driver.find_element(By.CSS_SELECTOR, "#record-view").text
        assert "[NAME], [NAME] | MRN: [MRN] | DOB: [DOB]" in record
        assert adm.identity.last not in record and adm.identity.mrn not in record

        ours = driver.find_element(By.CSS_SELECTOR, "#summary-yours")
        bad = ours.find_elements(By.CSS_SELECTOR, ".sentence.unsupported")
        assert len(bad) == 1 and drug in bad[0].text, [b.text for b in bad]
        assert ours.find_elements(By.CSS_SELECTOR, ".sentence.supported")  # the copied diagnosis line
        assert "hallucination rate 0.00" not in ours.find_element(By.CSS_SELECTOR, ".summary-metrics").text
    finally:
        driver.quit()
