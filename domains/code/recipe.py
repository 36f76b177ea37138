"""Code generation (the PEFT-for-code-generation paper): LoRA / IA3 / prompt tuning / QLoRA on Qwen2.5-Coder-0.5B-
Instruct, trained on function bodies and unit tests mined from offline Python source, scored by HumanEval and
HumanEval+ pass@k and by the coverage and mutation score of the tests it writes for held-out focal functions, with
every program run in the sandbox."""

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
    test_splits=["humaneval", "unit_focal"],
    validation_split="test_codegen",
    # the ICL baseline of `make compare`: mined pairs of the same kind as demonstrations (the benchmarks are only
    # ever scored)
    few_shot_splits={"humaneval": "train_codegen", "unit_focal": "train_unittest"},
    lm_eval=LmEvalTask(folder=HERE / "lm_eval", name="humaneval_sandboxed", stops=["\n```"]),
)
