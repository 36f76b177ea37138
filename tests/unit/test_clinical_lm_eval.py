"""The clinical lm-eval task's utils (domains/clinical/lm_eval/utils.py): the held-out split as the recipe loads
it, and a summary scored exactly as the domain's metrics score it (the reference; an invented drug and a leaked
name). The task run through lm-eval's hf backend is in tests/integration/test_clinical_tiny.py."""

from cookbook.discovery import get_recipe
from domains.clinical.metrics import score_one
from domains.clinical.record import parse
from domains.clinical.vocab_drugs import DRUGS

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
