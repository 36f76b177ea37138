"""Configuration for APT (Adaptive Pruning and Tuning)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cookbook.peft_methods.channel_tuner import ChannelPeftConfig

APT_NAME = "apt"
APT_PEFT_TYPE_NAME = "APT"


@dataclass
class AptConfig(ChannelPeftConfig):
    """APT (Zhao, Hajishirzi and Cao, "APT: Adaptive Pruning and Tuning Pretrained Language Models for Efficient
    Training and Inference", ICML 2024, arXiv:2401.12200).

    Every adapted linear layer is ``y = W (x * m_in) + s * B diag(m_r) A (x * m_in)`` with A (max_r x in), B
    (out x max_r, zero at init), a rank mask m_r (the first `r` ranks on at the start) and, on the unit modules, an
    input mask m_in over structured units: attention heads (groups of head_dim input channels of `head_modules`,
    i.e. o_proj) and FFN neurons (single input channels of `neuron_modules`, i.e. down_proj). Masking a unit there
    removes that head or neuron from the block.

    Salience is tracked while training and smoothed by an exponential moving average (`ema_beta`): for a unit, the
    first-order activation x gradient score ``sum over tokens |h * dL/dh|`` of its input channels; for an adapter,
    ``sum |theta * dL/dtheta|`` over its A and B. Between `prune_start` and `prune_end` (fractions of the run),
    every `update_every` steps the least salient heads and neurons are pruned (globally per kind, at least one left
    per layer) towards `target_sparsity` on a cubic schedule, and the `grow_fraction` most salient adapters gain
    `rank_step` ranks (up to `max_r`) while the active adapter parameters stay within `budget_ratio` times the
    initial ones. Trainable (allocated) parameters per layer: max_r * (in + out); the masks are saved.
    """

    PEFT_TYPE_NAME = APT_PEFT_TYPE_NAME
    r: int = field(default=8, metadata={"help": "Initial active rank of every adapter."})
    max_r: int = field(default=16, metadata={"help": "Largest rank an adapter can grow to (allocated up front)."})
    lora_alpha: float = field(default=16, metadata={"help": "Scaling numerator (scaling = lora_alpha / r)."})
    head_modules: list[str] = field(default_factory=lambda: ["o_proj"],
                                    metadata={"help": "Modules whose input units are attention heads."})
    neuron_modules: list[str] = field(default_factory=lambda: ["down_proj"],
                                      metadata={"help": "Modules whose input units are FFN neurons."})
    target_sparsity: float = field(default=0.3, metadata={"help": "Fraction of heads and of neurons pruned at the "
                                                                    "end of the schedule."})
    total_step: int = field(default=100, metadata={"help": "Training steps of the run (for the schedule)."})
    prune_start: float = field(default=0.1, metadata={"help": "Schedule start, as a fraction of total_step."})
    prune_end: float = field(default=0.6, metadata={"help": "Schedule end, as a fraction of total_step."})
    update_every: int = field(default=1, metadata={"help": "Steps between pruning / growing updates."})
    ema_beta: float = field(default=0.85, metadata={"help": "Smoothing of the salience scores."})
    rank_step: int = field(default=2, metadata={"help": "Ranks added to a growing adapter per update."})
    grow_fraction: float = field(default=0.25, metadata={"help": "Share of adapters that grow per update."})
    budget_ratio: float = field(default=1.5, metadata={"help": "Active adapter parameters allowed, x the initial."})

    def __post_init__(self):
        super().__post_init__()
        if not 0 < self.r <= self.max_r:
            raise ValueError(f"need 0 < r <= max_r, got r={self.r}, max_r={self.max_r}")
        if not 0.0 <= self.target_sparsity < 1.0:
            raise ValueError(f"`target_sparsity` must be in [0, 1), got {self.target_sparsity}")
        if not 0.0 <= self.prune_start < self.prune_end <= 1.0:
            raise ValueError(f"need 0 <= prune_start < prune_end <= 1, got {self.prune_start}, {self.prune_end}")
        if self.budget_ratio < 1.0:
            raise ValueError(f"`budget_ratio` must be >= 1, got {self.budget_ratio}")
