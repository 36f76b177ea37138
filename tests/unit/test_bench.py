"""The SFT benchmark machinery on the tiny model: both workers run and the report holds both ratios.
(The real measurement is `make bench`; no speed is asserted here.)"""

import json

from tests.conftest import run_cli


def test_bench_writes_both_sides_and_ratios(tmp_path):
    out = tmp_path / "sft.json"
    proc = run_cli("bench", "domain=telecom", "model=tiny-gemma3", "steps=2", "batch_size=2", f"output={out}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    for side in ("ours", "baseline"):
        assert report[side]["tokens"] > 0 and report[side]["train_s"] > 0 and report[side]["peak_rss_mb"] > 0
        assert len(report[side]["losses"]) == 2
        # the FLOP count is over the tokens the trainer saw, and set against a peak measured in the same worker
        assert report[side]["flops"]["tokens"] == report[side]["tokens"]
        assert report[side]["flops"]["supervised_tokens"] > 0
        assert report[side]["peak_fraction"] == (report[side]["achieved_gflops"]
                                                 / max(report[side]["matmul_peak_gflops_before_after"]))
    assert report["ours"]["flops"]["flops"] == report["baseline"]["flops"]["flops"]  # same data, same formula
    assert len(report["machine"]["load_average_before"]) == 3
    assert report["tokens_per_s_ratio"] == report["ours"]["tokens_per_s"] / report["baseline"]["tokens_per_s"]
    assert report["peak_rss_ratio"] == report["ours"]["peak_rss_mb"] / report["baseline"]["peak_rss_mb"]


def test_training_flops_formula():
    from cookbook.bench_flops import training_flops

    shape = {"base_linear_params": 100, "adapter_params": 10, "vocab": 50, "hidden": 8, "layers": 2, "heads": 3,
             "head_dim": 4}
    got = training_flops(shape, [3, 1], supervised=2)
    # 4 tokens; causal (query, key) pairs 6 + 1; 2 supervised tokens
    assert got["parts"] == {"base_linear": 1600.0, "adapter": 240.0, "attention": 12.0 * 3 * 4 * 2 * 7,
                            "output_layer": 4.0 * 50 * 8 * 2}
    assert got["flops_per_token"] == got["flops"] / 4
