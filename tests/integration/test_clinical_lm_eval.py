"""`make lm-eval DOMAIN=clinical` with the hf backend on a tiny SFT+DPO run: the task registered from
domains/clinical/lm_eval/, base and tuned (the run's final adapter), two held-out records, scored by the domain's
exact metrics in the task's utils; and those utils score the reference and an invented drug as the metrics do."""

import json
import math
import shlex

import pytest

from cookbook.discovery import get_recipe
from domains.clinical.metrics import score_one
from domains.clinical.record import parse
from domains.clinical.vocab_drugs import DRUGS
from tests.conftest import train_tiny
from tests.integration.test_lm_eval_tiny import lm_eval_cli

pytestmark = pytest.mark.integration
METRICS = ["fact_recall", "hallucination_rate", "leak_rate", "rougeL"]


def test_task_utils_score_with_the_domains_metrics():
    from domains.clinical.lm_eval.utils import load_test_split, process_results

    rows = load_test_split()["test"]
    recipe = get_recipe("clinical")
    held_out = recipe.load_examples(recipe.load_config("default").data, "test")
    assert len(rows) == len(held_out) and rows[0]["id"] == held_out[0].id and rows[0]["record"] == held_out[0].prompt
    doc = rows[0]
    assert process_results(doc, [doc["summary"]]) == {"fact_recall": 1.0, "hallucination_rate": 0.0,
                                                      "leak_rate": 0.0, "rougeL": 1.0}
    adm = parse(doc["record"], doc["id"])
    given = {e.med.drug for e in adm.events if e.med} | {e.drug for e in adm.events if e.drug}
    drug = next(d.name for d in DRUGS if d.name not in given)
    text = f"{adm.identity.last} was admitted. Started {drug}."
    got = process_results(doc, [text])
    # the only fact stated is a drug the record never gives, and the surname leaks
    assert (got["fact_recall"], got["hallucination_rate"], got["leak_rate"]) == (0.0, 1.0, 1.0)
    assert got == {m: float(score_one(text, adm, doc["summary"])[m]) for m in METRICS}


def test_hf_backend_on_the_tiny_run(tmp_path_factory):
    run = train_tiny(tmp_path_factory, "clinical")
    proc = lm_eval_cli("--domain", "clinical", "--run", str(run), "--backend", "hf", "--limit", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((run / "lm_eval" / "results_hf.json").read_text())
    assert report["task"] == "clinical" and report["include_path"] == "domains/clinical/lm_eval"
    assert set(report["systems"]) == {"base", "tuned"} and report["limit"] == 2
    for name, system in report["systems"].items():
        assert system["metrics"] == METRICS, name
        argv = shlex.split(system["command"])
        assert argv[argv.index("--system_instruction") + 1] == get_recipe("clinical").system_prompt
        overall = system["overall"]
        assert overall["n"] == 2 and len(system["answers"]) == 2, name
        for metric in METRICS:
            assert 0.0 <= overall[metric] <= 1.0, (name, metric)
            assert math.isclose(overall[metric], sum(a[metric] for a in system["answers"]) / 2, abs_tol=1e-9)
    assert "peft=" in report["systems"]["tuned"]["model_args"]
    assert set(report["delta"]) == set(METRICS)
