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
    rank-coefficient vector ``c`` (length r): ``delta W = B diag(c) A * lora_alpha / r``. The objective is the task
    loss plus ``l1_weight * sum |c|`` over all layers, which makes the per-layer rank usage sparse.

    How the L1 term is optimised (``sparsity``):

    - ``"proximal"`` (default): proximal gradient. The coefficients form their own optimizer parameter group (the
      tuner's ``s2lora_param_groups()``: learning rate ``coef_lr``, no weight decay), and after every optimizer step
      ``s2lora_proximal_step(lr)`` soft-thresholds them, ``c <- sign(c) * max(|c| - lr * l1_weight, 0)``, with ``lr``
      the group's learning rate of that step (so the trainer's warm-up and decay schedule the threshold too).
      Coefficients below the threshold become exactly 0, so a layer's rank really shrinks. Why not the penalty: with
      Adam the subgradient ``l1_weight * sign(c)`` is divided by the running RMS of the whole gradient, so next to a
      task gradient that is much larger (or much noisier) it has almost no effect, and it never produces an exact 0:
      coefficients only oscillate around it. (Measured: 30 steps at ``l1_weight=1e-4`` left every coefficient within
      1.5% of its initial 1.0.) The soft threshold acts outside Adam's normalisation. Since an Adam step on one
      coefficient is at most about ``lr`` in size, ``l1_weight`` here is a fraction in (0, 1): a rank survives only
      while the task gradient pushes it away from 0 more consistently than ``l1_weight`` (values >= 1 zero
      everything). This is the "proximal Adam" shortcut (the threshold is not preconditioned by Adam's second
      moments); it is what the exact-zero claim needs, not a convergence guarantee.
    - ``"penalty"``: ``s2lora_l1_penalty()`` is added to the loss (the subgradient route; no exact zeros), as before.

    Sparsity is not scale-free: ``B diag(c) A`` is unchanged when one rank's column of the shared ``B`` grows and every
    layer's ``c`` of that rank shrinks alike, so the L1 term prices *relative* use of a rank across layers; that per
    layer difference is the learned rank distribution.

    Sharing is per *shape group*: layers with different ``(in_features, out_features)`` (e.g. Whisper's q/k/v/out_proj
    vs. fc1 vs. fc2) cannot use the same matrices, so one A/B pair is created per distinct shape.

    Args:
        r: Shared rank.
        lora_alpha: Scaling numerator, ``scaling = lora_alpha / r``.
        target_modules: Module names / regex of the linear layers to adapt.
        l1_weight: Weight of the L1 term on the rank coefficients (with "proximal": the soft threshold per unit of
            learning rate).
        sparsity: "proximal" (soft-threshold after each optimizer step, exact zeros) or "penalty" (L1 in the loss).
        coef_lr: Learning rate of the rank coefficients (their own optimizer group); None = the trainer's.
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
    l1_weight: float = field(default=1e-3, metadata={"help": "Weight of the L1 term on the rank coefficients."})
    sparsity: Literal["proximal", "penalty"] = field(
        default="proximal",
        metadata={"help": "proximal: soft-threshold c by lr * l1_weight after each optimizer step (exact zeros); "
                          "penalty: add l1_weight * sum|c| to the loss."},
    )
    coef_lr: float | None = field(
        default=None, metadata={"help": "Learning rate of the rank coefficients (own optimizer group); None = the "
                                        "trainer's learning rate."}
    )
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
        if self.sparsity not in ("proximal", "penalty"):
            raise ValueError(f"`sparsity` must be 'proximal' or 'penalty', got {self.sparsity!r}")
        if self.coef_lr is not None and self.coef_lr <= 0:
            raise ValueError(f"`coef_lr` must be > 0 (or None for the trainer's), got {self.coef_lr}")
        if self.layers_pattern and not self.layers_to_transform:
            raise ValueError("When `layers_pattern` is specified, `layers_to_transform` must also be specified.")
