"""A merged APT model is pruned only by zeroed weight columns; `shrink_ffn` removes the pruned FFN neurons for real
(gated MLPs with gate_proj / up_proj / down_proj: a neuron is pruned when its down_proj column is all zero), so the
model gets smaller and its FFN faster. Pruned attention heads stay as zero columns of o_proj: with grouped-query
attention, removing query heads would also need the key/value group mapping changed."""

from __future__ import annotations

import torch
from torch import nn


def _sliced(linear: nn.Linear, keep: torch.Tensor, dim: int) -> nn.Linear:
    weight = linear.weight.data.index_select(dim, keep)
    out = nn.Linear(weight.shape[1], weight.shape[0], bias=linear.bias is not None,
                    device=weight.device, dtype=weight.dtype)
    out.weight.data.copy_(weight)
    if linear.bias is not None:
        out.bias.data.copy_(linear.bias.data if dim == 1 else linear.bias.data.index_select(0, keep))
    return out


@torch.no_grad()
def shrink_ffn(model: nn.Module) -> dict:
    """Drop FFN neurons whose down_proj input column is zero (in place); returns neurons kept / before."""
    kept = total = 0
    for module in model.modules():
        gate, up, down = (getattr(module, n, None) for n in ("gate_proj", "up_proj", "down_proj"))
        if not all(isinstance(m, nn.Linear) for m in (gate, up, down)):
            continue
        keep = (down.weight != 0).any(dim=0).nonzero().flatten()
        total += down.in_features
        kept += keep.numel()
        if keep.numel() == down.in_features:
            continue
        module.gate_proj, module.up_proj = _sliced(gate, keep, 0), _sliced(up, keep, 0)
        module.down_proj = _sliced(down, keep, 1)
        if hasattr(module, "intermediate_size"):
            module.intermediate_size = keep.numel()
    return {"ffn_neurons_kept": kept, "ffn_neurons_before": total}


def param_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def export_pruned(peft_model) -> tuple[nn.Module, dict]:
    """The APT adapter merged into its base (pruned heads and neurons become zero input columns, see
    AptLayer.delta_for), then the pruned FFN neurons dropped: (plain model, sizes and units kept). Consumes
    `peft_model`."""
    units = peft_model.base_model.apt_summary()["units"]
    plain = peft_model.merge_and_unload()
    before = param_count(plain)
    counts = shrink_ffn(plain)
    return plain, {"params_before": before, "params_after": param_count(plain), **counts,
                   "heads_kept": units["heads"]["kept"], "heads_before": units["heads"]["total"]}
