"""CookbookSFTTrainer: TRL's SFTTrainer with the chunked completion-only loss and token accounting."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from transformers import TrainerCallback
from transformers.trainer_utils import get_last_checkpoint
from trl import SFTTrainer

from cookbook.train.completion_loss import add_completion_loss_head


def last_checkpoint(folder: Path) -> str | None:
    return get_last_checkpoint(str(folder)) if Path(folder).is_dir() else None


class CookbookSFTTrainer(SFTTrainer):
    def __init__(self, *args, loss_impl: str = "chunked", loss_chunk_size: int = 256, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_impl = loss_impl
        self.tokens_seen = 0
        if loss_impl == "chunked":
            causal_lm = self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model
            add_completion_loss_head(causal_lm, loss_chunk_size)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if self.model.training and "attention_mask" in inputs:
            self.tokens_seen += int(inputs["attention_mask"].sum())
        if self.loss_impl != "chunked":
            result = super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            if isinstance(result, tuple):
                return (result[0] + method_penalty(self.model), result[1])
            return result + method_penalty(self.model)
        inputs = {k: v for k, v in inputs.items() if k != "completion_mask"}
        outputs = model(**inputs, completion_loss=True, num_items_in_batch=num_items_in_batch)
        loss = outputs.loss + method_penalty(self.model)
        # As Trainer does: with num_items_in_batch counted over all ranks, undo DDP's gradient averaging.
        if self.args.average_tokens_across_devices and num_items_in_batch is not None:
            loss = loss * self.accelerator.num_processes
        return (loss, outputs) if return_outputs else loss


def method_penalty(model):
    """A PEFT method's own regulariser to add to the training loss (S2-LoRA's L1 on its rank coefficients), or 0.
    `model` is the unwrapped model (trainer.model), not a DDP wrapper."""
    tuner = getattr(model, "base_model", None)
    fn = getattr(tuner, "s2lora_l1_penalty", None)
    return fn() if callable(fn) and model.training else 0.0


class ProgressCallback(TrainerCallback):
    """Stores cumulative runtime and token counts beside each checkpoint, so a resumed run reports totals."""

    def __init__(self, previous: dict, filename: str, trainer: CookbookSFTTrainer):
        self.previous, self.filename, self.trainer = previous, filename, trainer
        self.start = time.time()

    def on_save(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        model = kwargs.get("model")
        ckpt = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        tokens = self.trainer.tokens_seen * self.trainer.accelerator.num_processes  # same count as metrics.json
        data = {
            "steps": state.global_step,
            "train_runtime_s": self.previous.get("train_runtime_s", 0.0) + time.time() - self.start,
            "train_tokens": self.previous.get("train_tokens", 0) + tokens,
            "model_class": type(model).__name__ if model is not None else "",
        }
        if ckpt.is_dir():
            (ckpt / self.filename).write_text(json.dumps(data), encoding="utf-8")


class FaultInjectionCallback(TrainerCallback):
    """Test hook: `COOKBOOK_FAULT=STEP:SIGNAL` sends SIGNAL (KILL, INT, TERM) to this process right after the
    checkpoint of STEP is saved, so tests can prove an interrupted run resumes and is never marked completed."""

    def __init__(self, spec: str):
        step, _, sig = spec.partition(":")
        self.step, self.signal = int(step), getattr(signal, f"SIG{sig or 'KILL'}")

    def on_save(self, args, state, control, **kwargs):
        if state.global_step >= self.step:
            os.kill(os.getpid(), self.signal)
