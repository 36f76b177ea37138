"""Code generation (the PEFT-for-code-generation paper): LoRA / IA3 / prompt tuning / QLoRA on Qwen2.5-Coder-0.5B-
Instruct, trained on function bodies mined from offline Python source, scored by HumanEval and HumanEval+ pass@k
with every program run in the sandbox."""

from pathlib import Path

from cookbook.recipe import LmEvalTask, Recipe
from domains.code import data, metrics, prompts

HERE = Path(__file__).parent

RECIPE = Recipe(
    name="code",
    description="code generation: LoRA on Qwen2.5-Coder-0.5B-Instruct, function bodies mined offline, HumanEval / "
                "HumanEval+ pass@k in the sandbox",
    task="program",
    config_dir=HERE / "configs",
    load_examples=data.load_examples,
    score=metrics.score,
    primary_metric="HumanEval+ pass@1",
    auto_methods=("lora",),
    system_prompt=prompts.SYSTEM,
    demo_module="apps.code",
    test_splits=["humaneval"],
    validation_split="test_codegen",
    # the ICL baseline of `make compare`: mined function bodies as demonstrations
    few_shot_splits={"humaneval": "train_codegen"},  # held-out mined pairs: the benchmark is only ever scored
    lm_eval=LmEvalTask(folder=HERE / "lm_eval", name="humaneval_sandboxed", stops=["\n```"]),
)
