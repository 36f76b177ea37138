"""The code domain's unit-test split: focal functions asked as unit-test prompts, each sample scored by the
sandboxed coverage / mutation scorer through the recipe's `score`."""

from cookbook.config import DataConfig
from domains.code import data, metrics
from domains.code.unit_metrics import UNIT_METRICS

STRONG = '''from focal import clamp
import pytest


def test_clamp():
    assert clamp(5, 0, 3) == 3
    assert clamp(3, 0, 3) == 3
    assert clamp(-1, 0, 3) == 0
    assert clamp(0, 0, 3) == 0
    assert clamp(2, 0, 3) == 2
    with pytest.raises(ValueError):
        clamp(1, 3, 0)
'''
WEAK = '''from focal import clamp


def test_clamp():
    assert clamp(2, 0, 3) == 2
'''


def test_unit_focal_split_asks_for_a_test_of_each_held_out_function():
    examples = data.load_examples(DataConfig(), "unit_focal")
    assert len(examples) >= 40
    first = examples[0]
    assert first.id == "unit_focal/clamp" and "def clamp(value, low, high):" in first.prompt
    assert "from focal import clamp" in first.prompt and first.answer_prefix.startswith("```python")
    assert len({e.id for e in examples}) == len(examples)


def test_score_averages_samples_and_ranks_a_strong_test_above_a_weak_one():
    example = data.load_examples(DataConfig(), "unit_focal")[0]
    strong = metrics.score([[STRONG]], [example])
    weak = metrics.score([[WEAK]], [example])
    junk = metrics.score([["def test(:\n"]], [example])
    mixed = metrics.score([[STRONG, "def test(:\n"]], [example])
    assert [k for k, _ in UNIT_METRICS] == list(strong["overall"])[:len(UNIT_METRICS)]
    assert strong["overall"]["passes"] == 1.0 and strong["overall"]["line coverage"] == 1.0
    assert strong["overall"]["mutation score"] > weak["overall"]["mutation score"]
    assert weak["overall"]["line coverage"] < 1.0
    assert junk["overall"]["parses"] == 0.0 and junk["overall"]["mutation score"] == 0.0
    assert mixed["overall"]["parses"] == 0.5
    assert abs(mixed["overall"]["mutation score"] - strong["overall"]["mutation score"] / 2) < 1e-9
