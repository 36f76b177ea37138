"""Configuration for GIFT-SW (Gaussian noise Injected Fine-Tuning of Salient Weights)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cookbook.peft_methods.channel_tuner import ChannelPeftConfig

GIFT_SW_NAME = "gift_sw"
GIFT_SW_PEFT_TYPE_NAME = "GIFT_SW"


@dataclass
class GiftSwConfig(ChannelPeftConfig):
    """GIFT-SW (Zhelnin et al., "GIFT-SW: Gaussian noise Injected Fine-Tuning of Salient Weights for LLMs", ACL 2025,
    arXiv:2408.15300): in every adapted linear layer (weight W, out x in) only `num_salient` input columns are
    trained; the others stay frozen and, during training only, get Gaussian noise.

    Salience (the paper's generalised sensitivity metric ``s_j = ||D_j||_tau * ||X_j||_rho ** gamma``): D is the
    perturbation of W by round-to-nearest quantisation to `quant_bits` (per output row, symmetric: D = W - Q(W)),
    tau = inf (the largest perturbation in column j), X_j the layer's input channel j over the calibration tokens,
    rho = 2, and gamma = `gamma`. The top `num_salient` columns by s_j are tuned (the paper tunes 128).

    Noise: each training forward adds ``x @ E^T`` with E[i, j] ~ N(0, sigma_i^2) on the non-salient columns only,
    ``sigma_i = noise_scale * Delta_i / sqrt(12)`` where Delta_i is row i's `quant_bits` quantisation step; i.e. the
    standard deviation of uniform rounding noise at that bit width (the paper ties the noise to the quantisation
    step; this exact scale is our choice). `noise_scale=0` turns the noise off. No noise in eval mode.

    The trainable tensor is the change of the salient columns (zero-initialised, so the adapter starts as the base);
    merging adds it to those columns.
    """

    PEFT_TYPE_NAME = GIFT_SW_PEFT_TYPE_NAME
    num_salient: int = field(default=128, metadata={"help": "Salient input columns tuned per layer."})
    gamma: float = field(default=1.0, metadata={"help": "Exponent of the activation norm in the salience metric."})
    quant_bits: int = field(default=4, metadata={"help": "Bit width of the quantisation perturbation D and of the "
                                                          "noise scale."})
    noise_scale: float = field(default=1.0, metadata={"help": "Noise std in units of the quantisation noise std."})

    def __post_init__(self):
        super().__post_init__()
        if self.num_salient <= 0:
            raise ValueError(f"`num_salient` must be a positive integer, got {self.num_salient}")
        if self.quant_bits < 2:
            raise ValueError(f"`quant_bits` must be >= 2, got {self.quant_bits}")
        if self.noise_scale < 0:
            raise ValueError(f"`noise_scale` must be >= 0, got {self.noise_scale}")
