"""The speech recipe end to end on a random tiny Whisper: train (S2-LoRA), eval per test split, compare methods,
and the Gradio demo driven in Chromium. The corpus is the real seeded one (espeak-ng + sox, built once)."""

import json
import shutil
from pathlib import Path

import pytest

from tests.browser import make_driver, start_demo, stop_app
from tests.conftest import read_metrics, run_cli, train_tiny

pytestmark = pytest.mark.integration

if not (shutil.which("espeak-ng") and shutil.which("sox")):
    pytest.skip("espeak-ng and sox are needed for the speech corpus (apt-get install espeak-ng sox)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def speech_run(tmp_path_factory) -> Path:
    return train_tiny(tmp_path_factory, "speech")


def test_train_writes_the_run_contract(speech_run):
    m = read_metrics(speech_run)
    assert m["completed"] is True and m["steps"] == 4 and m["method"] == "s2lora"
    assert 0 < m["trainable_params"] < m["total_params"]
    assert m["train_loss_first"] > 0 and m["eval_loss"] > 0
    layers = m["rank_distribution"]["layers"]
    assert layers and all(0 <= v["used"] <= 4 for v in layers.values())
    assert (speech_run / "adapter" / "adapter_model.safetensors").is_file()
    assert json.loads((speech_run / "adapter" / "adapter_config.json").read_text())["peft_type"] == "S2LORA"
    # The shared bookkeeping, whatever the task kind: TensorBoard logs, the loss curve, whole checkpoints.
    assert list((speech_run / "tensorboard").glob("events.out.tfevents.*"))
    assert (speech_run / "loss_curve.png").stat().st_size > 5000
    assert "](loss_curve.png)" in (speech_run / "README.md").read_text()
    assert (speech_run / "checkpoints").is_dir() and not (speech_run / "checkpoints" / ".incomplete").exists()


def test_eval_reports_wer_per_split(speech_run):
    proc = run_cli("eval", "speech", "--run", str(speech_run))
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((speech_run / "eval" / "report.json").read_text())
    assert set(report["splits"]) == {"test_in", "test_out"}
    for split, section in report["splits"].items():
        for system in ("base", "tuned"):
            assert section[system]["overall"]["n"] == 4 and section[system]["overall"]["wer"] >= 0
        rows = report["transcripts"][split]
        assert len(rows) == 4 and all(r["reference"] for r in rows)
    assert (speech_run / "eval" / "wer_by_split.png").stat().st_size > 0
    assert "test_out" in (speech_run / "eval" / "report.md").read_text()


def test_compare_two_methods(tmp_path):
    out = tmp_path / "cmp"
    proc = run_cli("compare", "speech", "--config", "tiny", "--methods", "bitfit,s2lora", "--output", str(out),
                   "train.max_steps=2", "eval.max_samples=2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert [r["system"] for r in report["rows"]] == ["base", "bitfit", "s2lora"]
    bitfit, s2 = report["rows"][1], report["rows"][2]
    assert bitfit["trainable_params"] > 0 and s2["trainable_params"] > 0
    assert all(0 <= r["test_in_wer"] for r in report["rows"])
    assert (out / "wer_vs_params.png").is_file() and (out / "rank_distribution.png").is_file()
    # resumable: a second call reuses runs and transcripts
    again = run_cli("compare", "speech", "--config", "tiny", "--methods", "bitfit,s2lora", "--output", str(out),
                    "train.max_steps=2", "eval.max_samples=2")
    assert again.returncode == 0 and again.stderr.count("reused") == 2


def test_compare_rejects_unknown_method(tmp_path):
    proc = run_cli("compare", "speech", "--methods", "lora,nope", "--output", str(tmp_path / "x"))
    assert proc.returncode == 2
    assert "unknown PEFT method 'nope'" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.browser
def test_speech_demo_transcribes_an_upload(speech_run):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from cookbook.config import load_config
    from cookbook.discovery import get_recipe

    cfg = load_config(speech_run / "config.yaml")
    wav = get_recipe("speech").load_examples(cfg.data, "test_in")[0].audio_path
    driver = make_driver()
    proc, url = start_demo("apps.speech", speech_run)
    try:
        driver.get(url)
        wait = WebDriverWait(driver, 120)
        upload = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#audio input[type=file]"))
        upload.send_keys(wav)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#audio audio, #audio .waveform-container, "
                                                              "#audio [data-testid='waveform-Audio']"))
        driver.find_element(By.CSS_SELECTOR, "#transcribe").click()

        def transcripts(d):
            base = d.find_element(By.CSS_SELECTOR, "#base-transcript textarea").get_attribute("value")
            tuned = d.find_elements(By.CSS_SELECTOR, "#tuned-diff")
            return (base, tuned[0].text) if base and tuned else False

        base, tuned = wait.until(transcripts)
        assert base.strip() and "(upload" not in base
        assert tuned.strip()
    finally:
        driver.quit()
        stop_app(proc)
