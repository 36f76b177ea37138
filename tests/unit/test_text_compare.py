"""The text kind's comparison without a model: bootstrap intervals, when a run's own eval answers are reused, the
per-method deltas, and the run and domain reports (tables, exported-model table, plots, rebuilt over base models)."""

import json
import os

import pytest

from cookbook.intervals import mean_interval, paired_interval
from cookbook.tasks.method_runs import publish
from cookbook.tasks.text.compare import answer_key, delta_from, eval_answers
from cookbook.tasks.text.compare_report import write_domain_report, write_run_report
from cookbook.tasks.text.examples import TextExample

DECODING = {"max_new_tokens": 16, "repetition_penalty": 1.0, "no_repeat_ngram_size": 4}


def test_mean_interval_brackets_the_mean_and_narrows_with_more_examples():
    few, many = [0.0, 1.0] * 5, [0.0, 1.0] * 200
    lo, hi = mean_interval(few)
    assert lo < 0.5 < hi
    lo2, hi2 = mean_interval(many)
    assert lo < lo2 < 0.5 < hi2 < hi
    assert mean_interval([0.3] * 7) == pytest.approx([0.3, 0.3])
    assert mean_interval([]) == [0.0, 0.0]


def test_paired_interval_resamples_the_same_examples_for_both_systems():
    a = [0.1, 0.9, 0.4, 0.7, 0.2]
    assert paired_interval(a, [x + 0.05 for x in a]) == pytest.approx([0.05, 0.05])  # a constant gain is certain
    lo, hi = paired_interval(a, [0.9, 0.1, 0.7, 0.4, 0.2])
    assert lo < 0 < hi


def _run_with_eval(tmp_path, ids, decoding=DECODING, eval_first=False):
    run = tmp_path / "run"
    (run / "adapter").mkdir(parents=True)
    (run / "eval").mkdir()
    (run / "adapter" / "adapter_config.json").write_text("{}")
    report = {**decoding, "answers": [{"id": i, "tuned": f"answer {i}", "base": "b"} for i in ids],
              "systems": {"tuned": {"generation_s": 4.5}}}
    (run / "eval" / "report.json").write_text(json.dumps(report))
    if eval_first:  # the eval is older than the adapter: the run was retrained after it
        t = os.stat(run / "adapter" / "adapter_config.json").st_mtime
        os.utime(run / "eval" / "report.json", (t - 60, t - 60))
    return run


class _Cfg:
    class eval:  # noqa: N801  (the shape of RunConfig.eval that decoding_settings reads)
        max_new_tokens, repetition_penalty, no_repeat_ngram_size = 16, 1.0, 4


def _examples(ids):
    return [TextExample(id=i, prompt="q", reference="r") for i in ids]


def test_a_runs_own_eval_answers_are_reused_only_when_drawn_the_same_way_after_its_adapter(tmp_path):
    ids = ["a", "b", "c"]
    run = _run_with_eval(tmp_path, ids)
    key = answer_key(_Cfg, _examples(ids), run)
    assert eval_answers(run, key) == (["answer a", "answer b", "answer c"], 4.5)
    assert eval_answers(run, answer_key(_Cfg, _examples(["a", "b"]), run)) is None  # other examples
    other = tmp_path / "other"
    other.mkdir()
    changed = _run_with_eval(other, ids, {**DECODING, "no_repeat_ngram_size": 0})
    assert eval_answers(changed, answer_key(_Cfg, _examples(ids), changed)) is None  # other decoding
    older = tmp_path / "older"
    older.mkdir()
    stale = _run_with_eval(older, ids, eval_first=True)
    assert eval_answers(stale, answer_key(_Cfg, _examples(ids), stale)) is None  # adapter saved after the eval


def test_delta_from_the_base_is_paired_per_example():
    base = {"overall": {"rougeL": 0.2}, "per_example": {"rougeL": [0.1, 0.2, 0.3]}}
    row = {"overall": {"rougeL": 0.3}, "per_example": {"rougeL": [0.2, 0.3, 0.4]}}
    d = delta_from(base, row, ["rougeL"])["rougeL"]
    assert d["value"] == pytest.approx(0.1) and d["interval"] == pytest.approx([0.1, 0.1])


def _report(base_model: str, score: float) -> dict:
    def row(system, params, value, **extra):
        return {"system": system, "trainable_params": params, "generation_s": 3.25,
                "overall": {"rougeL": value, "token_f1": value / 2, "n": 4},
                "intervals": {"rougeL": [value - 0.1, value + 0.1], "token_f1": [0.0, value]},
                "by_group": {"wifi": {"rougeL": value, "token_f1": 0.0, "n": 4}}, **extra}

    export = {"params_before": 1000, "params_after": 800, "ffn_neurons_kept": 6, "ffn_neurons_before": 8,
              "heads_kept": 3, "heads_before": 4, "prompts": 4, "new_tokens": 16, "same_tokens_as_adapter": 1.0,
              "speed": {"base": {"tokens_per_s": 50.0}, "adapter": {"tokens_per_s": 40.0},
                        "exported": {"tokens_per_s": 60.0}}}
    delta = {"rougeL": {"value": 0.05, "interval": [-0.01, 0.11]}, "token_f1": {"value": 0.0}}
    return {"domain": "toy", "config": "tiny", "overrides": ["train.max_steps=2"], "base_model": base_model,
            "split": "test", "n_examples": 4, "decoding": DECODING,
            "budget": {"max_steps": 2, "batch_size": 4, "grad_accum": 1, "lr": 0.001},
            "metrics": ["rougeL", "token_f1"], "primary_metric": "rougeL",
            "metric_labels": {"rougeL": "ROUGE-L", "token_f1": "token F1"}, "created": "2026-12-02 12:00:00",
            "rows": [row("base", 0, score),
                     row("lora", 8192, score + 0.05, train_runtime_s=12.5, peak_rss_mb=600.0, delta=delta),
                     row("apt", 16384, score, train_runtime_s=13.0, peak_rss_mb=610.0, delta=delta, export=export)]}


def test_run_report_tables(tmp_path):
    write_run_report(tmp_path, _report("tiny-a", 0.2))
    md = (tmp_path / "report.md").read_text()
    assert "| system | trainable params | train s | peak RSS MB | answer s | ROUGE-L | token F1 | ROUGE-L - base" in md
    assert "| lora | 8,192 | 12.5 | 600.0 | 3.2 | 0.2500 [0.1500, 0.3500] |" in md
    assert "+0.0500 [-0.0100, +0.1100] | +0.0000 |" in md  # the change, with its paired interval where known
    assert "| base | 0 | - | - | 3.2 | 0.2000 [0.1000, 0.3000] |" in md
    assert "| apt | 1,000 | 800 | 6 / 8 | 3 / 4 | 50.0 | 40.0 | 60.0 | x1.50 | 1.000 |" in md
    assert "| wifi | 4 | 0.2000 | 0.2500 | 0.2000 |" in md
    assert (tmp_path / "quality_vs_params.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_domain_report_is_rebuilt_over_every_base_model(tmp_path, monkeypatch):
    monkeypatch.setenv("COOKBOOK_REPORTS_DIR", str(tmp_path))
    publish(_report("models/tiny-a", 0.2), write_domain_report)
    folder = publish(_report("tiny-b", 0.4), write_domain_report)
    assert sorted(p.name for p in folder.glob("compare_*.json")) == ["compare_tiny-a.json", "compare_tiny-b.json"]
    md = (folder / "compare.md").read_text()
    assert "## `models/tiny-a`" in md and "## `tiny-b`" in md and "](compare_rougeL_vs_params.png)" in md
    assert md.count("| apt | 1,000 | 800 |") == 2
    assert (folder / "compare_rougeL_vs_params.png").stat().st_size > 5000


def test_a_comparison_in_parts_keeps_the_earlier_rows_only_for_the_same_setup_and_base(tmp_path, monkeypatch):
    monkeypatch.setenv("COOKBOOK_REPORTS_DIR", str(tmp_path))
    publish(_report("tiny-a", 0.2), write_domain_report)
    second = _report("tiny-a", 0.2)
    second["created"] = "2026-12-03 08:00:00"
    second["rows"] = [second["rows"][0], {**second["rows"][1], "system": "dora"}]
    folder = publish(second, write_domain_report)
    merged = json.loads((folder / "compare_tiny-a.json").read_text())
    assert [r["system"] for r in merged["rows"]] == ["base", "dora", "lora", "apt"]
    assert [r["measured"] for r in merged["rows"]] == ["2026-12-03 08:00:00"] * 2 + ["2026-12-02 12:00:00"] * 2
    assert "| dora |" in (folder / "compare.md").read_text()
    # Another base answer set (or setup): the earlier rows' deltas no longer hold, so they are not kept.
    third = _report("tiny-a", 0.3)
    third["rows"] = third["rows"][:2]
    publish(third, write_domain_report)
    assert [r["system"] for r in json.loads((folder / "compare_tiny-a.json").read_text())["rows"]] == ["base", "lora"]


def test_a_report_in_parts_says_which_rows_were_measured_when():
    from cookbook.tasks.text.compare_report import describe

    report = _report("tiny-a", 0.2)
    assert describe(report).endswith("Measured 2026-12-02 12:00:00.")
    report["rows"][2]["measured"] = "2026-12-03 08:00:00"
    assert describe(report).endswith("Measured in parts: base, lora 2026-12-02 12:00:00; apt 2026-12-03 08:00:00.")


def test_program_rows_in_parts_are_kept_only_when_every_benchmark_split_of_the_base_matches():
    from cookbook.tasks.method_runs import with_earlier_rows

    def report(base_pass, systems):
        base = {"system": "base", "splits": {"humaneval": {"overall": {"pass@1": base_pass}, "sampling_s": 1.0}}}
        rows = [base] + [{"system": s, "splits": {"humaneval": {"overall": {"pass@1": 0.5}}}} for s in systems]
        return {"domain": "code", "created": "2026-12-03 09:00:00", "methods": systems, "rows": rows}

    earlier = report(0.25, ["lora"])
    assert [r["system"] for r in with_earlier_rows(report(0.25, ["ia3"]), earlier)["rows"]] == ["base", "ia3", "lora"]
    assert [r["system"] for r in with_earlier_rows(report(0.30, ["ia3"]), earlier)["rows"]] == ["base", "ia3"]
