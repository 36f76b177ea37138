"""Configuration for S2-LoRA (Sparsely Shared LoRA)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from peft.config import PeftConfig

S2LORA_NAME = "s2lora"
S2LORA_PEFT_TYPE_NAME = "S2LORA"


@dataclass
class S2LoraConfig(PeftConfig):
    """Configuration of an [`S2LoraModel`].

    S2-LoRA ("Sparsely Shared LoRA on Whisper for Child Speech Recognition") keeps one pair of low-rank matrices
    ``A`` (r x in) and ``B`` (out x r) that is shared by all adapted linear layers, and gives each adapted layer only a
    rank-coefficient vector ``c`` (length r): ``delta W = B diag(c) A * lora_alpha / r``. An L1 penalty on all ``c``
    (weight ``l1_weight``) makes the per-layer rank usage sparse; the tuner exposes it as ``s2lora_l1_penalty()``
    which the training loop adds to the loss.

    Sharing is per *shape group*: layers with different ``(in_features, out_features)`` (e.g. Whisper's q/k/v/out_proj
    vs. fc1 vs. fc2) cannot use the same matrices, so one A/B pair is created per distinct shape.

    Args:
        r: Shared rank.
        lora_alpha: Scaling numerator, ``scaling = lora_alpha / r``.
        target_modules: Module names / regex of the linear layers to adapt.
        l1_weight: Weight of the L1 penalty on the rank coefficients.
        s2lora_dropout: Dropout on the adapter input.
        init_weights: If True (default): A kaiming-uniform (like LoRA), B zeros, c ones, so the initial output equals
            the base model. If False, B is also kaiming-uniform (non-identity init; for tests/debugging only).
        c_init: Initial value of every rank coefficient.
        bias: Only "none" is supported.
        modules_to_save: Extra modules that are trained and saved.
        fan_in_fan_out: True for layers storing weights as (fan_in, fan_out), e.g. GPT-2 Conv1D.
        layers_to_transform / layers_pattern: As in LoRA.
    """

    r: int = field(default=8, metadata={"help": "Shared rank of the S2-LoRA matrices."})
    lora_alpha: float = field(default=8, metadata={"help": "Scaling numerator (scaling = lora_alpha / r)."})
    target_modules: list[str] | str | None = field(
        default=None, metadata={"help": "Module names or regex of the linear layers to adapt."}
    )
    exclude_modules: list[str] | str | None = field(default=None, metadata={"help": "Modules to exclude."})
    l1_weight: float = field(default=1e-3, metadata={"help": "Weight of the L1 penalty on the rank coefficients."})
    s2lora_dropout: float = field(default=0.0, metadata={"help": "Dropout applied to the adapter input."})
    init_weights: bool = field(
        default=True, metadata={"help": "A kaiming-uniform, B zeros, c ones (identity at init). False: B random too."}
    )
    c_init: float = field(default=1.0, metadata={"help": "Initial value of the rank coefficients."})
    fan_in_fan_out: bool = field(default=False, metadata={"help": "True if weights are stored as (fan_in, fan_out)."})
    bias: Literal["none"] = field(default="none", metadata={"help": "Only 'none' is supported."})
    modules_to_save: list[str] | None = field(
        default=None, metadata={"help": "Modules apart from S2-LoRA layers to train and save."}
    )
    layers_to_transform: list[int] | int | None = field(default=None, metadata={"help": "Layer indices to adapt."})
    layers_pattern: list[str] | str | None = field(default=None, metadata={"help": "Layer pattern name."})

    def __post_init__(self):
        super().__post_init__()
        # imported lazily: the PeftType member is created by the package __init__ (peft's enum is closed)
        from peft.utils import PeftType

        self.peft_type = PeftType[S2LORA_PEFT_TYPE_NAME]
        self.target_modules = (
            set(self.target_modules) if isinstance(self.target_modules, list) else self.target_modules
        )
        self.exclude_modules = (
            set(self.exclude_modules) if isinstance(self.exclude_modules, list) else self.exclude_modules
        )
        if self.r <= 0:
            raise ValueError(f"`r` must be a positive integer, got {self.r}")
        if self.l1_weight < 0:
            raise ValueError(f"`l1_weight` must be >= 0, got {self.l1_weight}")
        if self.bias != "none":
            raise ValueError(f"S2-LoRA only supports bias='none', got {self.bias!r}")
        if self.layers_pattern and not self.layers_to_transform:
            raise ValueError("When `layers_pattern` is specified, `layers_to_transform` must also be specified.")
