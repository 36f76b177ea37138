"""The judge adapter recipe end to end on the tiny model: it trains on synthesised verdicts, its eval reports the
judge metrics, and the merged copy `transformers serve` would get computes what base + adapter computes."""

import json

import pytest
import torch

from tests.conftest import read_metrics, run_cli, train_tiny

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def judge_run(tmp_path_factory):
    return train_tiny(tmp_path_factory, "judge")


def test_judge_recipe_trains_and_evaluates(judge_run):
    m = read_metrics(judge_run)
    assert m["completed"] is True and m["domain"] == "judge" and m["train_examples"] == 24
    proc = run_cli("eval", "judge", "--run", str(judge_run))
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((judge_run / "eval" / "report.json").read_text())
    overall = report["systems"]["tuned"]["overall"]
    assert {"score_exact", "score_within_one", "winner_accuracy", "parsed", "n"} <= set(overall)
    assert overall["n"] == 6
    groups = set(report["systems"]["tuned"]["by_group"])
    assert groups and all(g == "pairwise" or g.startswith("pointwise:") for g in groups)


def test_merged_copy_matches_base_plus_adapter(judge_run):
    from transformers import AutoModelForCausalLM

    from cookbook.tasks.text.generate import load_run
    from judges.judge_models import judge_model, merged_copy

    assert judge_model(str(judge_run)).adapter == judge_run / "adapter"
    merged = merged_copy(judge_run)
    assert merged_copy(judge_run) == merged  # written once, then reused
    tm = load_run(judge_run)
    plain = AutoModelForCausalLM.from_pretrained(merged, dtype=torch.float32)
    ids = tm.tokenizer("grade this answer", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        want, got = tm.model(input_ids=ids).logits, plain(input_ids=ids).logits
        with tm.base_mode():
            base = tm.model(input_ids=ids).logits
    assert torch.allclose(want, got, atol=1e-4)
    assert not torch.allclose(base, got, atol=1e-4)  # the adapter changed the model: the test can tell
