"""The rank-distribution part of the ASR comparison report (cookbook/tasks/asr/rank_report.py), on made-up
summaries of two methods over four layers."""

import pytest

from cookbook.tasks.asr.compare_report import write_compare_report
from cookbook.tasks.asr.rank_report import rank_markdown, settled_step, spearman, split_layer

LAYERS = ["encoder.0.self_attn.q_proj", "encoder.1.self_attn.q_proj", "encoder.0.fc1", "decoder.0.fc1"]


def ranks():
    return {
        "a": {"threshold": "c != 0", "max_rank": 8, "coefficients": 32,
              "layers": {n: {"used": u} for n, u in zip(LAYERS, [0, 2, 6, 8], strict=True)},
              "zeros_by_step": [[1, 0], [2, 10], [3, 15], [4, 16], [5, 16]]},
        "b": {"threshold": "e != 0", "max_rank": 12,
              "layers": {n: {"used": u} for n, u in zip(LAYERS, [1, 3, 12, 12], strict=True)}},
    }


def test_layer_names_split_into_layer_and_module_kind():
    assert split_layer("encoder.3.self_attn.q_proj") == ("encoder.3", "self_attn.q_proj")
    assert split_layer("lm_head") == ("", "lm_head")


def test_spearman_with_ties_and_constant_sides():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([0, 2, 6, 8], [1, 3, 12, 12]) == pytest.approx(0.9486833)  # b's tie: average ranks
    assert spearman([8, 8, 8, 8], [1, 2, 3, 4]) is None


def test_settled_step_is_where_the_zero_count_stops_moving():
    assert settled_step([[1, 0], [2, 10], [3, 15], [4, 16], [5, 16]], 32) == 4  # 15 is 1 off 16: over 2% of 32
    assert settled_step([[1, 0], [2, 10], [3, 16], [4, 16]], 100) == 3  # 16 vs 15: within 2 of 100
    assert settled_step([], 10) is None


def test_markdown_has_the_summary_per_kind_and_per_layer_tables():
    text = "\n".join(rank_markdown(ranks()))
    assert "| a | c != 0 | 16 / 32 | 50.0% | 0-8 |" in text
    assert "| b | e != 0 | 28 / 48 | 41.7% | 1-12 |" in text
    assert "a vs b, over 4 layers: 0.95" in text
    assert "| encoder self_attn.q_proj | 1.0 (0-2) | 2.0 (1-3) |" in text
    assert "| decoder.0.fc1 | 8 | 12 |" in text


def test_report_writes_the_rank_plots(tmp_path):
    report = {"domain": "toy", "config": "tiny", "overrides": [], "base_model": "m", "splits": {"test": 2},
              "rows": [{"system": "base", "trainable_params": 0, "test_wer": 0.5, "test_cer": 0.3}],
              "ranks": ranks()}
    write_compare_report(tmp_path, report)
    for name in ("rank_heatmap.png", "rank_settling.png", "rank_distribution.png"):
        assert (tmp_path / name).stat().st_size > 5000
    md = (tmp_path / "report.md").read_text()
    assert "](rank_heatmap.png)" in md and "](rank_settling.png)" in md
