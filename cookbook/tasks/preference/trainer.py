"""CookbookDPOTrainer: TRL's DPOTrainer with the completion-only log-probability head (logprobs.py), training steps
that hold one sequence's activations at a time (per_sequence.py), the PEFT method's own loss term, token accounting,
checkpoints that are complete or absent, and answers that end as SFT trained them. The loss, its variants and the
reference handling are TRL's."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import torch
from trl import DPOTrainer

from cookbook.checkpoints import AtomicCheckpoints
from cookbook.method_optimizer import MethodParamGroups
from cookbook.tasks.preference.logprobs import add_completion_logprob_head
from cookbook.tasks.preference.per_sequence import per_sequence_step, per_sequence_supported
from cookbook.tasks.text.lean_lora import use_lean_lora
from cookbook.tasks.text.trainer import keep_adapter_fp32

REFERENCE_ADAPTER = "ref"  # the name TRL gives its frozen copy of the adapter it continues


def _no_penalty(model):
    return 0.0


class CookbookDPOTrainer(MethodParamGroups, AtomicCheckpoints, DPOTrainer):
    def __init__(self, *args, end_of_turn: str | None = None, logprobs: str = "chunked", chunk_rows: int = 64,
                 penalty: Callable = _no_penalty, fused_head: bool = True, lean_lora: bool = True,
                 per_sequence: bool = True, **kwargs):
        self.end_of_turn = end_of_turn  # read by _prepare_dataset, which DPOTrainer.__init__ calls
        super().__init__(*args, **kwargs)
        if not torch.cuda.is_available():
            keep_adapter_fp32(self.model)
        self.penalty = penalty
        self.tokens_seen = 0
        if lean_lora:
            use_lean_lora(self.model)
        self.last_eval: dict = {}
        self.per_sequence = per_sequence
        if per_sequence and (why := per_sequence_supported(self)):
            print(f"[dpo] batched steps (TRL's): per-sequence steps do not apply here: {why}")
            self.per_sequence = False
        if logprobs == "chunked":
            # After DPOTrainer.__init__, which patched the same forward with its own fused head.
            add_completion_logprob_head(self.model.get_base_model(), chunk_rows, fused_head)

    def _prepare_dataset(self, dataset, processing_class, args, dataset_name):
        # TRL appends the tokenizer's EOS to each answer that lacks it. Ours end with the chat template's end of turn,
        # which is the EOS SFT trained and generation stops at; another EOS after it would be scored in every pair.
        if self.end_of_turn is None:
            return super()._prepare_dataset(dataset, processing_class, args, dataset_name)
        tokenizer, self._tokenizer = self._tokenizer, SimpleNamespace(eos_token=self.end_of_turn)
        try:
            return super()._prepare_dataset(dataset, processing_class, args, dataset_name)
        finally:
            self._tokenizer = tokenizer

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if self.model.training and "attention_mask" in inputs:
            self.tokens_seen += int(inputs["attention_mask"].sum())  # chosen and rejected rows, padding excluded
        result = super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        penalty = self.penalty(self.model)
        if isinstance(result, tuple):
            return (result[0] + penalty, result[1])
        return result + penalty

    def training_step(self, model, inputs, num_items_in_batch=None):
        if not self.per_sequence:
            return super().training_step(model, inputs, num_items_in_batch)
        model.train()
        inputs = self._prepare_inputs(inputs)
        self.tokens_seen += int(inputs["attention_mask"].sum())
        scale = 1.0 / self.current_gradient_accumulation_steps
        loss = per_sequence_step(self, model, inputs, lambda stub, pair: DPOTrainer._compute_loss(self, stub, pair,
                                                                                                  False), scale)
        penalty = self.penalty(self.model)
        if torch.is_tensor(penalty) and penalty.requires_grad:
            (penalty * scale).backward()
        return (loss + float(penalty)) * scale

    def evaluate(self, *args, **kwargs):
        self.last_eval = super().evaluate(*args, **kwargs)  # kept for the reward accuracy in metrics.json
        return self.last_eval

    def drop_reference(self) -> None:
        """Remove the reference copy before the adapter is saved, so adapter/ holds the trained policy only."""
        model = self.accelerator.unwrap_model(self.model)
        if REFERENCE_ADAPTER in getattr(model, "peft_config", {}):
            model.delete_adapter(REFERENCE_ADAPTER)
