"""Configuration for SCT (Salient Channel Tuning)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cookbook.peft_methods.channel_tuner import ChannelPeftConfig

SCT_NAME = "sct"
SCT_PEFT_TYPE_NAME = "SCT"


@dataclass
class SctConfig(ChannelPeftConfig):
    """SCT (Zhao et al., "SCT: A Simple Baseline for Parameter-Efficient Fine-Tuning via Salient Channels", IJCV
    2023, arXiv:2309.08513): task data is forwarded through the frozen model, the channels of a feature map are
    ranked by the L2 norm of their activations, and a small adapter is tuned on the top 1/8 of them only.

    Here the feature maps are the outputs of the targeted linear layers (by default o_proj and down_proj: the two
    writes of each block to the residual stream, where the paper's ViT blocks emit their features). For the chosen
    channels S (N = ceil(channel_fraction * out_features)): ``y_S <- y_S + A y_S`` with A (N x N) zero-initialised, so
    the adapter starts as the base. It is linear in y = W x + b, so it merges exactly: W_S <- (I + A) W_S,
    b_S <- (I + A) b_S. Trainable parameters per layer: N^2.
    """

    PEFT_TYPE_NAME = SCT_PEFT_TYPE_NAME
    channel_fraction: float = field(default=0.125, metadata={"help": "Fraction of output channels tuned per layer."})

    def __post_init__(self):
        super().__post_init__()
        if not 0.0 < self.channel_fraction <= 1.0:
            raise ValueError(f"`channel_fraction` must be in (0, 1], got {self.channel_fraction}")
