"""CookbookSFTTrainer: TRL's SFTTrainer with the chunked completion-only loss, the PEFT method's own loss term,
token accounting, and checkpoints that are complete or absent (cookbook.checkpoints.AtomicCheckpoints)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from trl import SFTTrainer

from cookbook.checkpoints import AtomicCheckpoints
from cookbook.method_optimizer import MethodParamGroups
from cookbook.tasks.text.completion_loss import add_completion_loss_head
from cookbook.tasks.text.lean_lora import use_lean_lora
from cookbook.tasks.text.packed_attention import use_packed_attention


def keep_adapter_fp32(model) -> None:
    """TRL casts the trainable parameters of a 4-bit base to bf16 (QLoRA's GPU recipe). On a CPU, bf16 matrix
    products run about 100x slower than fp32 and the 4-bit base computes in fp32 anyway, so keep them fp32."""
    for param in model.parameters():
        if param.requires_grad and param.dtype == torch.bfloat16:
            param.data = param.data.float()


def _no_penalty(model):
    return 0.0


class CookbookSFTTrainer(MethodParamGroups, AtomicCheckpoints, SFTTrainer):
    def __init__(self, *args, loss_impl: str = "chunked", loss_chunk_size: int = 256,
                 penalty: Callable = _no_penalty, fused_head: bool = True, lean_lora: bool = True,
                 truncate_to: int | None = None, loss_vocab_block: int = 0, **kwargs):
        self.truncate_to = truncate_to  # read by _prepare_dataset, which SFTTrainer.__init__ calls
        super().__init__(*args, **kwargs)
        if not torch.cuda.is_available():
            keep_adapter_fp32(self.model)
        self.loss_impl = loss_impl
        self.penalty = penalty  # the method's regulariser, called with the unwrapped model (trainer.model)
        self.tokens_seen = 0
        if lean_lora:
            use_lean_lora(self.model)
        if loss_impl == "chunked":
            causal_lm = self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model
            add_completion_loss_head(causal_lm, loss_chunk_size, fused_head, loss_vocab_block)
        if self.padding_free:  # TRL's flag: batches come packed, with sequence bounds
            base = self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model
            use_packed_attention(base)

    def _prepare_dataset(self, dataset, *args, **kwargs):
        dataset = super()._prepare_dataset(dataset, *args, **kwargs)
        if self.truncate_to is None:
            return dataset
        n = self.truncate_to

        def cut(row):  # every per-token column, as TRL's own truncation does with max_length
            size = len(row["input_ids"])
            return {k: v[:n] for k, v in row.items() if isinstance(v, list) and len(v) == size}

        return dataset.map(cut)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if self.model.training and "attention_mask" in inputs:
            self.tokens_seen += int(inputs["attention_mask"].sum())
        elif self.model.training and "position_ids" in inputs:  # padding-free: every token is real
            self.tokens_seen += int(inputs["input_ids"].numel())
        if self.loss_impl != "chunked":
            result = super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            if isinstance(result, tuple):
                return (result[0] + self.penalty(self.model), result[1])
            return result + self.penalty(self.model)
        inputs = {k: v for k, v in inputs.items() if k != "completion_mask"}
        outputs = model(**inputs, completion_loss=True, num_items_in_batch=num_items_in_batch)
        loss = outputs.loss + self.penalty(self.model)
        # As Trainer does: with num_items_in_batch counted over all ranks, undo DDP's gradient averaging.
        if self.args.average_tokens_across_devices and num_items_in_batch is not None:
            loss = loss * self.accelerator.num_processes
        return (loss, outputs) if return_outputs else loss
