"""Training callbacks that belong to a PEFT method (attached through its registry entry)."""

from __future__ import annotations

from transformers import TrainerCallback


class AdaLoraBudgetCallback(TrainerCallback):
    """AdaLoRA's rank budget schedule: `update_and_allocate` after each optimizer step, while gradients exist
    (peft's documented place: after `optimizer.step()`, before `zero_grad()`)."""

    def __init__(self, peft_model):
        self.tuner = peft_model.base_model

    def on_optimizer_step(self, args, state, control, **kwargs):
        self.tuner.update_and_allocate(state.global_step)
