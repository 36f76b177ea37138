"""Configuration of the sequence adapters (convolutional / transformer) inserted after decoder layers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from peft.config import PeftConfig

ADAPTER_NAME = "seq_adapter"
ADAPTER_PEFT_TYPE_NAME = "SEQ_ADAPTER"
ADAPTER_TYPES = ("conv", "transformer")
# Preset sizes: the adapter's parameters as a share of the decoder layer it follows (the largest bottleneck whose
# adapter fits). For facebook/musicgen-small (d=1024, 24 layers) these are about 0.14M, 0.55M and 2.2M per layer.
SIZE_FRACTIONS = {"small": 0.01, "medium": 0.04, "large": 0.16}


@dataclass
class SeqAdapterConfig(PeftConfig):
    """Configuration of a [`SeqAdapterModel`].

    After each targeted decoder layer (a module whose output is the hidden sequence, batch x time x d), adds
    ``h + up(f(down(LayerNorm(h))))`` with ``up`` zero-initialised, so the adapted model starts equal to the base.
    ``f`` is a causal depthwise 1-D convolution over time (``adapter_type="conv"``: local structure such as
    ornaments) or a causal single-block self-attention in the bottleneck (``"transformer"``: long-range structure).
    Both are causal, and keep a per-layer history while generating with a KV cache, so generation sees the same
    function as training.

    Args:
        adapter_type: "conv" or "transformer".
        size: "small" | "medium" | "large": the bottleneck is chosen by parameter count (SIZE_FRACTIONS), unless
            ``bottleneck`` is set.
        bottleneck: explicit bottleneck width (0 = from ``size``; the tuner writes the chosen width back here).
        kernel_size: the convolution's kernel (conv only).
        num_heads: attention heads in the bottleneck (transformer only; must divide the bottleneck).
        target_modules: regex (full match) or names of the layers to follow.
        init_weights: True: ``up`` starts at zero (identity). False: random (tests only).
    """

    adapter_type: Literal["conv", "transformer"] = field(default="conv")
    size: Literal["small", "medium", "large"] = field(default="medium")
    bottleneck: int = field(default=0)
    kernel_size: int = field(default=5)
    num_heads: int = field(default=1)
    target_modules: list[str] | str | None = field(default=None)
    exclude_modules: list[str] | str | None = field(default=None)
    init_weights: bool = field(default=True)
    modules_to_save: list[str] | None = field(default=None)
    layers_to_transform: list[int] | int | None = field(default=None)
    layers_pattern: list[str] | str | None = field(default=None)

    def __post_init__(self):
        super().__post_init__()
        from peft.utils import PeftType

        self.peft_type = PeftType[ADAPTER_PEFT_TYPE_NAME]
        if isinstance(self.target_modules, list):
            self.target_modules = set(self.target_modules)
        if self.adapter_type not in ADAPTER_TYPES:
            raise ValueError(f"adapter_type must be one of {ADAPTER_TYPES}, got {self.adapter_type!r}")
        if self.size not in SIZE_FRACTIONS:
            raise ValueError(f"size must be one of {tuple(SIZE_FRACTIONS)}, got {self.size!r}")
        if self.bottleneck < 0 or self.kernel_size < 1 or self.num_heads < 1:
            raise ValueError("bottleneck must be >= 0, kernel_size and num_heads >= 1")
