"""The multi-judge calibration table: bootstrap intervals, the calibrated default, and how a judge is resolved."""

import json

import pytest

from judges import calibration, judge_models
from judges.calibration_report import table_md
from judges.rubrics import CRITERION_NAMES


def _rows(n, noise):
    gold, results = [], []
    for i in range(n):
        g = 1 + i % 5
        gold.append({"scores": {c: g for c in CRITERION_NAMES}})
        results.append({"scores": {c: min(5, max(1, g + (noise if i % 3 == 0 else 0))) for c in CRITERION_NAMES}})
    return gold, results


def test_bootstrap_interval_brackets_the_estimate_and_narrows_with_agreement():
    from judges import stats

    gold, results = _rows(60, 2)
    ci = calibration.bootstrap(gold, results)
    point = stats.agreement([r["scores"][c] for r in results for c in CRITERION_NAMES],
                            [g["scores"][c] for g in gold for c in CRITERION_NAMES])["kappa_quadratic"]
    lo, hi = ci["kappa_quadratic"]
    assert lo <= point <= hi and hi - lo > 0.01
    perfect = calibration.bootstrap(gold, [{"scores": g["scores"]} for g in gold])
    assert perfect["kappa_quadratic"] == [1.0, 1.0]


def test_unparsed_rows_are_left_out_of_the_bootstrap():
    gold, results = _rows(10, 0)
    results[0] = {"scores": None}
    assert calibration.bootstrap(gold, results)["exact"] == [1.0, 1.0]


def _row(kappa):
    return {"kappa": kappa, "kappa_ci": [kappa - 0.1, kappa + 0.1], "spearman": kappa, "spearman_ci": None,
            "exact": 0.5, "within_one": 0.8, "n_gold": 81, "unparsed": 0, "seconds": 10.0,
            "by_category": {"good": {"n": 2, "gold_mean": 5.0, "judge_mean": 4.0}}, "spec": "x"}


def test_merge_keeps_other_judges_and_picks_the_highest_kappa(tmp_path):
    out = tmp_path / "cal.json"
    calibration.merge_into(out, "d", "gold.jsonl", "weak", _row(0.1))
    table = calibration.merge_into(out, "d", "gold.jsonl", "strong", _row(0.7))
    assert set(table["judges"]) == {"weak", "strong"} and table["default"] == "strong"
    table = calibration.merge_into(out, "d", "gold.jsonl", "strong", _row(0.05))  # re-measured, now worse
    assert table["default"] == "weak"
    other = calibration.merge_into(out, "d", "other_gold.jsonl", "x", _row(0.3))  # another gold file: new table
    assert set(other["judges"]) == {"x"}
    md = table_md(table)
    assert "| weak | 81 (0) |" in md and "0.10 [0.00, 0.20]" in md and "4.00 (5.00)" in md


def test_default_judge_is_the_calibrated_one_when_present(tmp_path, monkeypatch):
    cal = tmp_path / "judge_calibration.json"
    cal.write_text(json.dumps({"default": "b", "judges": {"b": {"spec": "gemma-3-270m"}}}))
    assert judge_models.calibrated_default(cal) == "gemma-3-270m"
    cal.write_text(json.dumps({"default": "a", "judges": {"a": {"spec": "runs/judge/not-here"}}}))
    assert judge_models.calibrated_default(cal) is None  # an adapter run that is not on this machine
    monkeypatch.setattr(judge_models, "CALIBRATION_FILE", tmp_path / "missing.json")
    assert judge_models.default_judge() == judge_models.FALLBACK_JUDGE
    monkeypatch.setenv("JUDGE_MODEL", "my/judge")
    assert judge_models.judge_model_spec() == "my/judge"


def test_a_judge_spec_that_is_not_a_run_is_served_as_it_is(tmp_path):
    assert judge_models.judge_model("qwen2.5-coder-0.5b-instruct").adapter is None
    (tmp_path / "adapter").mkdir()
    assert not judge_models.is_adapter_run(str(tmp_path))  # no metrics.json: not a run
    (tmp_path / "metrics.json").write_text("{}")
    assert judge_models.is_adapter_run(str(tmp_path))
    from cookbook.errors import CookbookError

    with pytest.raises(CookbookError):  # a run that never finished is refused, not served half-trained
        judge_models.judge_model(str(tmp_path))
