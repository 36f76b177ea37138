"""SFT then DPO: supervised fine-tuning on the domain's reference answers (the text kind's trainer, into RUN/sft/),
then DPO on its preference pairs with TRL's DPOTrainer, continuing the SFT adapter with the SFT policy as the
reference (RUN/dpo/); RUN/adapter/ is the final policy. Evaluated by generating answers to the held-out split with
the base model, the SFT adapter and the SFT+DPO adapter (both loaded on one base), scored with the domain's metrics
and their intervals, side by side."""

from __future__ import annotations

from cookbook.tasks import TaskKind, lazy
from cookbook.tasks.text.examples import TextExample

TASK = TaskKind(
    name="preference", description="SFT on reference answers, then DPO on preference pairs from the SFT adapter "
                                   "(reference = the SFT policy); base vs SFT vs SFT+DPO",
    example_type=TextExample,
    train=lazy("cookbook.tasks.preference.train", "train_preference"),
    load_run=lazy("cookbook.tasks.text.generate", "load_run"),
    evaluate=lazy("cookbook.tasks.preference.evaluate", "evaluate_preference"),
    answers=lazy("cookbook.tasks.text.answers", "answer_split"),
    trains_as="text",
)
