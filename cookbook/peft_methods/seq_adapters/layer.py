"""The wrapped decoder layer: the base layer, then each active adapter's residual update of its output sequence.

While generating with a KV cache the layer sees one new position per call; it keeps the history of its outputs
(reset when a new sequence starts, i.e. when the cache holds no more positions than this call brings) so that the
causal conv / attention see the same context as in training."""

from __future__ import annotations

import torch
from peft.tuners.tuners_utils import BaseTunerLayer
from torch import nn

from .blocks import make_block
from .config import SeqAdapterConfig


def hidden_size_of(layer: nn.Module) -> int:
    """The width of a transformer block's hidden sequence: the size of its first LayerNorm."""
    for module in layer.modules():
        if isinstance(module, nn.LayerNorm):
            return int(module.normalized_shape[0])
    raise TypeError(f"{type(layer).__name__}: no LayerNorm found, cannot tell the hidden size to adapt")


def _cache_length(kwargs: dict, args: tuple) -> int | None:
    cache = kwargs.get("past_key_values")
    if cache is None and len(args) >= 4:
        cache = args[3]
    if cache is None or not hasattr(cache, "get_seq_length"):
        return None
    return int(cache.get_seq_length())


class SeqAdapterLayer(nn.Module, BaseTunerLayer):
    adapter_layer_names = ("seqadapter_blocks",)
    other_param_names = ("adapter_type",)

    def __init__(self, base_layer: nn.Module, adapter_name: str, config: SeqAdapterConfig, bottleneck: int):
        super().__init__()
        self.base_layer = base_layer
        self.seqadapter_blocks = nn.ModuleDict({})
        self.adapter_type: dict[str, str] = {}
        self._disable_adapters = False
        self.merged_adapters: list[str] = []
        self.hidden_size = hidden_size_of(base_layer)
        self._history: torch.Tensor | None = None
        self._active_adapter = adapter_name
        self.update_layer(adapter_name, config, bottleneck)

    def update_layer(self, adapter_name: str, config: SeqAdapterConfig, bottleneck: int,
                     inference_mode: bool = False) -> None:
        block = make_block(config.adapter_type, self.hidden_size, bottleneck, config.kernel_size, config.num_heads,
                           zero_init=config.init_weights)
        weight = next(self.base_layer.parameters())
        self.seqadapter_blocks[adapter_name] = block.to(device=weight.device, dtype=weight.dtype)
        self.adapter_type[adapter_name] = config.adapter_type
        self.set_adapter(self.active_adapters, inference_mode=inference_mode)

    def merge(self, safe_merge: bool = False, adapter_names=None) -> None:
        raise NotImplementedError("sequence adapters are nonlinear modules after a layer; they cannot be merged")

    def unmerge(self) -> None:
        pass

    def forward(self, hidden_states: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        out = self.base_layer(hidden_states, *args, **kwargs)
        if self.disable_adapters:
            self._history = None
            return out
        active = [a for a in self.active_adapters if a in self.seqadapter_blocks]
        if not active:
            return out
        new, cached = out.shape[1], _cache_length(kwargs, args)
        streaming = cached is not None and cached > new and self._history is not None
        history = torch.cat([self._history, out], dim=1) if streaming else out
        self._history = history.detach() if cached is not None else None
        update = sum(self.seqadapter_blocks[a](history, new) for a in active)
        return out + update

    def __repr__(self) -> str:
        return "seq_adapter." + super().__repr__()
