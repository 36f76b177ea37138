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


class S2LoraProximalCallback(TrainerCallback):
    """S2-LoRA's proximal L1 step: after each optimizer step (the optimizer is passed to callbacks; the scheduler has
    not moved yet, so a group's lr is the one it just stepped with), soft-threshold the rank coefficients of every
    group the tuner tagged by lr * l1_weight; coefficients below that become exactly 0. Appends
    [step, zero coefficients] to the tuner's `s2lora_zero_trace` (read by the run summary, to show when the rank
    distribution settles; a resumed run traces the steps after the resume)."""

    def __init__(self, peft_model):
        self.tuner = peft_model.base_model
        self.tuner.s2lora_zero_trace = []

    def on_optimizer_step(self, args, state, control, optimizer=None, **kwargs):
        zeros = self.tuner.s2lora_proximal_step_for(optimizer)
        if zeros:
            self.tuner.s2lora_zero_trace.append([state.global_step + 1, sum(zeros.values())])
