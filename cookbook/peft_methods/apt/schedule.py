"""APT's schedule in the training loop: salience of the adapters read while gradients exist, then smoothing,
pruning and rank growth after each optimizer step (a TrainerCallback, attached through the method's hook)."""

from __future__ import annotations

from transformers import TrainerCallback


class AptScheduleCallback(TrainerCallback):
    def __init__(self, peft_model):
        self.tuner = peft_model.base_model
        self.events: list[dict] = []

    def on_train_begin(self, args, state, control, **kwargs):
        self.tuner.start_tracking(True)

    def on_pre_optimizer_step(self, args, state, control, **kwargs):
        self.tuner.accumulate_adapter_salience()

    def on_optimizer_step(self, args, state, control, **kwargs):
        change = self.tuner.apt_update(state.global_step + 1)  # global_step counts the step after this hook
        if change:
            self.events.append({"step": state.global_step + 1, **change})

    def on_train_end(self, args, state, control, **kwargs):
        self.tuner.start_tracking(False)
