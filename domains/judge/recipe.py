"""A judge adapter: LoRA on an instruction-tuned model, taught to emit the rubric verdict JSON (judges/rubrics.py)
from candidates graded by how they were made (synthesis.py) out of another domain's training split."""

from pathlib import Path

from cookbook.recipe import Recipe
from domains.judge import data, metrics

HERE = Path(__file__).parent

RECIPE = Recipe(
    name="judge",
    description="judge adapter: LoRA on Qwen2.5-Coder-0.5B-Instruct emitting rubric verdicts, trained on graded "
                "answers synthesised from a domain's training split (data.source_domain)",
    task="text",
    config_dir=HERE / "configs",
    load_examples=data.load_examples,
    score=metrics.score,
    primary_metric="score_exact",
    metric_labels={"score_exact": "score exact", "score_within_one": "within one", "winner_accuracy":
                   "pairwise winner", "parsed": "parsed"},
    auto_methods=("lora",),
    trains_judges=True,
    notes=["Serve it as a judge: JUDGE_MODEL=<this run dir> (vLLM: base + --lora-modules; transformers serve: a "
           "merged copy). Calibrate it: make judge-calibrate."],
)
