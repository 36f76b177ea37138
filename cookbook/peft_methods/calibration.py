"""The calibration pass of methods that choose *where* to tune from the data (GIFT-SW, SCT): a few training batches
are forwarded through the frozen base model (adapters disabled, no gradients) while hooks on the adapted layers
accumulate per-channel activation statistics. The method turns them into per-layer channel choices that it keeps in
persistent buffers of its layers, so they are saved with the adapter and a reload needs no data."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn


class ChannelNorms:
    """Per-channel sum of squares of a module's input or output over the non-padding tokens of every batch."""

    def __init__(self, side: str):
        if side not in ("input", "output"):
            raise ValueError(f"side must be 'input' or 'output', got {side!r}")
        self.side = side
        self.sumsq: torch.Tensor | None = None
        self.tokens = 0
        self.mask: torch.Tensor | None = None  # the current batch's attention mask, set by collect_channel_norms

    def __call__(self, module, args, output) -> None:
        x = args[0] if self.side == "input" else output
        x = x.detach().float()
        if self.mask is not None and x.dim() == 3 and tuple(x.shape[:2]) == tuple(self.mask.shape):
            rows = x[self.mask.bool()]
        else:
            rows = x.reshape(-1, x.shape[-1])
        sq = rows.pow(2).sum(0)
        self.sumsq = sq if self.sumsq is None else self.sumsq + sq
        self.tokens += rows.shape[0]

    def l2(self) -> torch.Tensor:
        if self.sumsq is None:
            raise ValueError("calibration saw no tokens: give it at least one non-empty training batch")
        return self.sumsq.sqrt()


def model_inputs(batch: dict) -> dict:
    """The keys of a training batch a causal-LM forward needs (labels and masks of the loss are left out)."""
    return {k: v for k, v in batch.items() if k in ("input_ids", "attention_mask", "position_ids")}


@torch.no_grad()
def collect_channel_norms(model: nn.Module, modules: dict[str, tuple[nn.Module, str]],
                          batches: Iterable[dict]) -> dict[str, ChannelNorms]:
    """Forward `batches` through `model` and return, per name in `modules` ({name: (module, "input"|"output")}),
    the channel norms seen at that module. Only the last position's logits are computed (`logits_to_keep=1`): the
    statistics live inside the network, and a 262k-vocabulary output layer would dominate the pass."""
    stats = {name: ChannelNorms(side) for name, (_, side) in modules.items()}
    handles = [module.register_forward_hook(stats[name]) for name, (module, _) in modules.items()]
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        for batch in batches:
            inputs = {k: v.to(device) for k, v in model_inputs(batch).items()}
            mask = inputs.get("attention_mask")
            for s in stats.values():
                s.mask = mask
            model(**inputs, logits_to_keep=1, use_cache=False)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return stats


def top_channels(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of the `k` largest scores, sorted ascending (a stable layout for gathers and for the saved file)."""
    k = max(1, min(int(k), scores.numel()))
    return torch.topk(scores.float(), k).indices.sort().values
