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
    assert report["tokens_per_s_ratio"] == report["ours"]["tokens_per_s"] / report["baseline"]["tokens_per_s"]
    assert report["peak_rss_ratio"] == report["ours"]["peak_rss_mb"] / report["baseline"]["peak_rss_mb"]
