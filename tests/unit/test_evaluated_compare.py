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
from cookbook.tasks.method_runs import method_dir, method_spec, publish, with_sizes


def test_a_method_spec_carries_its_own_peft_settings_and_names_its_run_directory(tmp_path):
    assert method_spec("lora") == ("lora", [])
    assert method_spec("conv_adapter:adapter_size=large:adapter_layers=[0]") == (
        "conv_adapter", ["peft.adapter_size=large", "peft.adapter_layers=[0]"])
    assert method_dir(tmp_path, "conv_adapter:adapter_size=large") == tmp_path / "conv_adapter_adapter_size-large"
    assert method_spec("lora:r=4:train.seed=1") == ("lora", ["peft.r=4", "train.seed=1"])  # a second seed
    with pytest.raises(CookbookError, match="'r16' is not key=value"):
        method_spec("lora:r16")


def test_sizes_expand_the_methods_that_have_size_presets_and_leave_the_rest():
    from cookbook.peft_methods import PEFT_METHODS

    def presets(name):
        return PEFT_METHODS.get(name).sizes

    got = with_sizes(["lora", "conv_adapter", "transformer_adapter:adapter_size=small"], ["small", "large"], presets)
    assert got == ["lora", "conv_adapter:adapter_size=small", "conv_adapter:adapter_size=large",
                   "transformer_adapter:adapter_size=small"]
    assert with_sizes(["conv_adapter"], [], presets) == ["conv_adapter"]
    with pytest.raises(CookbookError, match="no size huge"):
        with_sizes(["conv_adapter"], ["huge"], presets)


def _eval_report(base_pcp, tuned_pcp, n=4):
    def system(pcp):
        return {"overall": {"pcp_distance": pcp, "mode_accuracy": 1 - pcp, "n": n}, "by_group": {"x": {}},
                "per_example": [], "generate_s": 2.5}
    return {"splits": {"heldout_test": {"base": system(base_pcp), "tuned": system(tuned_pcp)}}, "summary": "s"}


def test_rows_take_scores_and_measurements_from_the_eval_report_of_each_system():
    cols = system_columns(_eval_report(0.6, 0.4), "tuned")
    assert cols == {"heldout_test": {"overall": {"pcp_distance": 0.4, "mode_accuracy": pytest.approx(0.6)}, "n": 4,
                                     "measures": {"generate_s": 2.5}, "intervals": {}}}


def _per_example_report(base_values, shift):
    """An eval report whose tuned clips score exactly `shift` away from the base's, clip by clip."""
    def system(values):
        per = [{"id": f"c{i}", "pcp_distance": v, "read": "x"} for i, v in enumerate(values)]
        return {"overall": {"pcp_distance": sum(values) / len(values), "frechet": 40.0, "n": len(values)},
                "per_example": per}
    return {"splits": {"heldout_test": {"base": system(base_values),
                                        "tuned": system([v + shift for v in base_values])}}}


def test_per_example_metrics_get_intervals_and_the_difference_from_the_base_is_paired():
    values = [0.2, 0.9, 0.4, 0.7, 0.1, 0.8, 0.3, 0.6]
    report = _per_example_report(values, -0.1)
    base = system_columns(report, "base")["heldout_test"]
    tuned = system_columns(report, "tuned")["heldout_test"]
    lo, hi = base["intervals"]["pcp_distance"]
    assert lo < sum(values) / len(values) < hi and hi - lo > 0.2  # the clips vary a lot: a wide interval
    assert "frechet" not in base["intervals"] and "paired" not in base  # set-level; the base has no difference
    # Every clip moved by exactly -0.1: resampling the same clips for both systems leaves no doubt about it.
    assert tuned["paired"]["pcp_distance"] == pytest.approx([-0.1, -0.1])
    shuffled = _per_example_report(values, -0.1)
    shuffled["splits"]["heldout_test"]["tuned"]["per_example"].reverse()  # paired by id, not by position
    assert system_columns(shuffled, "tuned")["heldout_test"]["paired"]["pcp_distance"] == pytest.approx([-0.1, -0.1])


def test_the_table_shows_the_primary_metrics_interval_and_its_paired_difference(tmp_path):
    report = _report("musicgen-corpus-base")
    values = [0.2, 0.9, 0.4, 0.7, 0.1, 0.8, 0.3, 0.6]
    scored = _per_example_report(values, -0.1)
    report["rows"][0]["splits"] = system_columns(scored, "base")
    report["rows"][1]["splits"] = system_columns(scored, "tuned")
    write_run_report(tmp_path, report)
    md = (tmp_path / "report.md").read_text()
    assert "| PCP distance ↓ [95% CI] | mode accuracy ↑ | Δ PCP distance vs base [95% CI] |" in md
    lora = next(line for line in md.splitlines() if line.startswith("| lora |"))
    assert "| -0.100 [-0.100, -0.100] |" in lora and "0.4000 [" in lora
    assert "paired" in md and "bootstrap" in md


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
            "base_differs_in": [], "rows": rows, "created": "2026-12-03 12:00:00",
            "provenance": "a small MusicGen pretrained here"}


def test_reports_mark_directions_and_the_frontier_follows_a_lower_is_better_metric(tmp_path, monkeypatch):
    report = _report("musicgen-corpus-base")
    write_run_report(tmp_path, report)
    md = (tmp_path / "report.md").read_text()
    assert "| eval loss ↓ | PCP distance ↓ [95% CI] | mode accuracy ↑ | generate s (all rows) |" in md
    assert "| conv_adapter:adapter_size=small | 300 | 10.0 | 600.0 | - | 0.4000 | 0.6000 | 2.5 |" in md
    # Lower is better: the smallest adapter with the lowest distance ends the frontier; the large one is off it.
    points = [(max(r["trainable_params"], 1), r["splits"]["heldout_test"]["overall"]["pcp_distance"])
              for r in report["rows"]]
    assert pareto_front(points, higher_is_better=False) == [(1, 0.6), (300, 0.40)]
    monkeypatch.setenv("COOKBOOK_REPORTS_DIR", str(tmp_path / "reports"))
    folder = publish(report, write_domain_report)
    assert json.loads((folder / "compare_musicgen-corpus-base.json").read_text())["rows"][1]["system"] == "lora"
    assert (folder / "compare_heldout_test_vs_params.png").read_bytes()[:4] == b"\x89PNG"
    from PIL import Image

    one_panel = Image.open(folder / "compare_heldout_test_vs_params.png").size
    report["plot_metrics"] = ["mode_accuracy"]  # a second metric plotted beside the primary one: a second panel
    publish(report, write_domain_report)
    two_panels = Image.open(folder / "compare_heldout_test_vs_params.png").size
    assert two_panels[0] == 2 * one_panel[0] and two_panels[1] == one_panel[1]
    md = (folder / "compare.md").read_text()
    assert "## `musicgen-corpus-base`\n\nModel: a small MusicGen pretrained here" in md


def test_published_reports_draw_convergence_and_keep_each_methods_sample_grid(tmp_path, monkeypatch):
    from PIL import Image

    report = _report("sd-fashion-base")
    grid = tmp_path / "run" / "eval" / "style_test_grid.png"
    grid.parent.mkdir(parents=True)
    Image.new("RGB", (16, 8), (200, 10, 10)).save(grid)
    report["rows"][1]["grids"] = {"heldout_test": str(grid)}
    report["rows"][1]["loss_history"] = {"loss": [[10, 0.9], [20, 0.5]], "eval_loss": [[20, 0.6]]}
    monkeypatch.setenv("COOKBOOK_REPORTS_DIR", str(tmp_path / "reports"))
    folder = publish(report, write_domain_report)
    md = (folder / "compare.md").read_text()
    kept = folder / "compare_grid_sd-fashion-base_lora_heldout_test.png"
    assert kept.read_bytes() == grid.read_bytes() and f"]({kept.name})" in md
    assert (folder / "compare_convergence_sd-fashion-base.png").read_bytes()[:4] == b"\x89PNG"
    assert "![convergence](compare_convergence_sd-fashion-base.png)" in md
    grid.unlink()  # the runs are gone: rebuilding from the JSON keeps the copied grid and its link
    write_domain_report(folder, [json.loads((folder / "compare_sd-fashion-base.json").read_text())])
    assert kept.is_file() and f"]({kept.name})" in (folder / "compare.md").read_text()
