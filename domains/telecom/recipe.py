"""Telecom assistant (TSLAM-Mini style): QLoRA on all linear projections, judged per use-case."""

from pathlib import Path

from cookbook.errors import CookbookError
from cookbook.models.resolve import bnb_4bit_available
from cookbook.recipes import DOMAINS, Recipe
from domains.telecom import data, metrics, prompts


def choose_method(requested: str) -> tuple[str, str]:
    """`auto` is QLoRA where bitsandbytes runs 4-bit (CUDA, and CPU with bitsandbytes >= 0.4x), else LoRA."""
    if requested not in ("auto", "qlora"):
        return requested, f"peft.method={requested} requested"
    ok, why = bnb_4bit_available()
    if requested == "qlora":
        if not ok:
            raise CookbookError(f"METHOD=qlora needs 4-bit bitsandbytes, which is not usable here ({why}); "
                                "use METHOD=lora")
        return "qlora", f"requested; {why}"
    return ("qlora", f"auto: {why}") if ok else ("lora", f"auto: QLoRA unavailable, fell back to LoRA ({why})")


DOMAINS.register("telecom")(Recipe(
    name="telecom",
    description="telecom assistant: QLoRA on Gemma 3 270M, 20 use-cases, ROUGE-L / token F1 per use-case",
    trainer="sft",
    config_dir=Path(__file__).parent / "configs",
    load_examples=data.load_examples,
    choose_method=choose_method,
    score=metrics.score,
    system_prompt=prompts.SYSTEM,
    demo_examples=prompts.DEMO_QUESTIONS,
))
