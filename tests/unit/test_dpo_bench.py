"""The DPO benchmark machinery on the tiny model: both workers continue the same adapter on the same pairs, the report
holds both sides and their ratios, and both trained on the same sequences (ours without TRL's extra EOS per
sequence, tiny-gemma3's EOS not being its end of turn). No speed is asserted; the measurement is `make bench-dpo`."""

import json
import math

from tests.conftest import run_cli


def test_bench_dpo_writes_both_sides_and_ratios(tmp_path):
    out = tmp_path / "dpo.json"
    proc = run_cli("bench-dpo", "domain=clinical", "model=tiny-gemma3", "steps=2", "batch_size=2",
                   "max_seq_len=2560", f"output={out}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    for side in ("ours", "baseline"):
        assert report[side]["tokens"] > 0 and report[side]["train_s"] > 0 and report[side]["peak_rss_mb"] > 0
        assert len(report[side]["losses"]) == 2
    sequences = 2 * report["settings"]["steps"] * report["settings"]["batch_size"]  # a chosen and a rejected each
    assert report["baseline"]["tokens"] - report["ours"]["tokens"] == sequences
    # Same start (policy = reference): the first DPO loss is log 2 on both sides, to float error. TRL scores the
    # reference in its own padded pass, so its log-probabilities (sums over thousands of tokens) can differ from the
    # policy's in the last digits: 6e-6 seen once on a clean machine. A wrong reference is off by far more.
    for side in ("ours", "baseline"):
        assert abs(report[side]["losses"][0] - math.log(2)) < 1e-4, side
    assert abs(report["ours"]["losses"][0] - report["baseline"]["losses"][0]) < 1e-4
    assert report["tokens_per_s_ratio"] == report["ours"]["tokens_per_s"] / report["baseline"]["tokens_per_s"]
    assert report["peak_rss_ratio"] == report["ours"]["peak_rss_mb"] / report["baseline"]["peak_rss_mb"]


def test_bench_dpo_needs_a_domain():
    proc = run_cli("bench-dpo", "model=tiny-gemma3")
    assert proc.returncode == 2 and "domain=<name>" in proc.stderr
