"""Comparisons by evaluation (text-to-audio, text-to-image kinds): method specs with their own peft settings, rows
built from each run's own eval report, a run's evaluation reused only for the same split sizes, and reports whose
arrows and Pareto frontiers follow each metric's direction."""

import json

import pytest

from cookbook.errors import CookbookError
from cookbook.plots import pareto_front
from cookbook.runs import write_json
from cookbook.tasks.evaluated_compare import evaluated, system_columns
from cookbook.tasks.evaluated_compare_report import write_domain_report, write_run_report
from cookbook.tasks.method_runs import method_dir, method_spec, publish


def test_a_method_spec_carries_its_own_peft_settings_and_names_its_run_directory(tmp_path):
    assert method_spec("lora") == ("lora", [])
    assert method_spec("conv_adapter:adapter_size=large:adapter_layers=[0]") == (
        "conv_adapter", ["peft.adapter_size=large", "peft.adapter_layers=[0]"])
    assert method_dir(tmp_path, "conv_adapter:adapter_size=large") == tmp_path / "conv_adapter_adapter_size-large"
    with pytest.raises(CookbookError, match="'r16' is not key=value"):
        method_spec("lora:r16")


def _eval_report(base_pcp, tuned_pcp, n=4):
    def system(pcp):
        return {"overall": {"pcp_distance": pcp, "mode_accuracy": 1 - pcp, "n": n}, "by_group": {"x": {}},
                "per_example": [], "generate_s": 2.5}
    return {"splits": {"heldout_test": {"base": system(base_pcp), "tuned": system(tuned_pcp)}}, "summary": "s"}


def test_rows_take_scores_and_measurements_from_the_eval_report_of_each_system():
    cols = system_columns(_eval_report(0.6, 0.4), "tuned")
    assert cols == {"heldout_test": {"overall": {"pcp_distance": 0.4, "mode_accuracy": pytest.approx(0.6)}, "n": 4,
                                     "measures": {"generate_s": 2.5}}}


def test_a_runs_evaluation_is_reused_only_when_it_scored_the_same_number_of_rows(tmp_path, monkeypatch):
    import types

    import cookbook.tasks.evaluated_compare as ec

    calls = []
    monkeypatch.setattr(ec, "load_run_config", lambda run_dir: types.SimpleNamespace(domain=""))

    def evaluate(cfg, recipe, run_dir):
        calls.append(run_dir)
        return _eval_report(0.6, 0.5, n=8)

    (tmp_path / "eval").mkdir()
    write_json(tmp_path / "eval" / "report.json", _eval_report(0.6, 0.4, n=4))
    assert evaluated(evaluate, None, tmp_path, {"heldout_test": 4})["splits"]["heldout_test"]["tuned"]["overall"][
        "pcp_distance"] == 0.4 and calls == []
    got = evaluated(evaluate, types.SimpleNamespace(name="music"), tmp_path, {"heldout_test": 8})
    assert calls == [tmp_path] and got["splits"]["heldout_test"]["tuned"]["overall"]["n"] == 8


def _report(base_model):
    rows = [{"system": "base", "trainable_params": 0, **{"splits": system_columns(_eval_report(0.6, 0.4), "base")}}]
    for name, params, pcp in (("lora", 5000, 0.45), ("conv_adapter:adapter_size=small", 300, 0.40),
                              ("transformer_adapter:adapter_size=large", 90000, 0.50)):
        rows.append({"system": name, "trainable_params": params, "train_runtime_s": 10.0, "peak_rss_mb": 600.0,
                     "splits": system_columns(_eval_report(0.6, pcp), "tuned")})
    return {"domain": "music", "config": "default", "overrides": [], "base_model": base_model,
            "methods": [r["system"] for r in rows[1:]], "splits": {"heldout_test": 4},
            "metrics": {"heldout_test": ["pcp_distance", "mode_accuracy"]}, "primary_metric": "pcp_distance",
            "directions": {"pcp_distance": "lower", "mode_accuracy": "higher"},
            "metric_labels": {"pcp_distance": "PCP distance", "mode_accuracy": "mode accuracy"},
            "base_differs_in": [], "rows": rows, "created": "2026-12-03 12:00:00"}


def test_reports_mark_directions_and_the_frontier_follows_a_lower_is_better_metric(tmp_path, monkeypatch):
    report = _report("musicgen-corpus-base")
    write_run_report(tmp_path, report)
    md = (tmp_path / "report.md").read_text()
    assert "| eval loss ↓ | PCP distance ↓ | mode accuracy ↑ | generate_s |" in md
    assert "| conv_adapter:adapter_size=small | 300 | 10.0 | 600.0 | - | 0.4000 | 0.6000 | 2.5 |" in md
    # Lower is better: the smallest adapter with the lowest distance ends the frontier; the large one is off it.
    points = [(max(r["trainable_params"], 1), r["splits"]["heldout_test"]["overall"]["pcp_distance"])
              for r in report["rows"]]
    assert pareto_front(points, higher_is_better=False) == [(1, 0.6), (300, 0.40)]
    monkeypatch.setenv("COOKBOOK_REPORTS_DIR", str(tmp_path / "reports"))
    folder = publish(report, write_domain_report)
    assert json.loads((folder / "compare_musicgen-corpus-base.json").read_text())["rows"][1]["system"] == "lora"
    assert (folder / "compare_heldout_test_vs_params.png").read_bytes()[:4] == b"\x89PNG"
    assert "## `musicgen-corpus-base`" in (folder / "compare.md").read_text()
