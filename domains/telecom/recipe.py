"""Telecom assistant (TSLAM-Mini style): QLoRA on all linear projections, judged per use-case."""

from pathlib import Path

from cookbook.recipe import LmEvalTask, Recipe
from domains.telecom import data, judge_assets, metrics, prompts

HERE = Path(__file__).parent

RECIPE = Recipe(
    name="telecom",
    description="telecom assistant: LoRA on Qwen2.5-Coder-0.5B-Instruct (QLoRA: METHOD=qlora), 20 use-cases, "
                "ROUGE-L / token F1 per use-case",
    task="text",
    config_dir=HERE / "configs",
    load_examples=data.load_examples,
    score=metrics.score,
    primary_metric="rougeL",
    metric_labels={"rougeL": "ROUGE-L", "token_f1": "token F1"},
    auto_methods=("qlora", "lora"),  # QLoRA where bitsandbytes runs 4-bit (CUDA, and this CPU), else LoRA
    system_prompt=prompts.SYSTEM,
    demo_module="apps.telecom",
    demo_examples=prompts.DEMO_QUESTIONS,
    judge=judge_assets.JUDGE,
    lm_eval=LmEvalTask(folder=HERE / "lm_eval", name="telecom", group_field="use_case", group_label="use-case"),
)
