"""Configuration for NeRA (Nonlinear low-rank Expressive Representation Adapter)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from peft.config import PeftConfig

NERA_NAME = "nera"
NERA_PEFT_TYPE_NAME = "NERA"
KNOT_INITS = ("uniform", "random")


@dataclass
class NeraConfig(PeftConfig):
    """Configuration of a [`NeraModel`].

    NeRA ("Dressing the Imagination", FLORA paper) replaces LoRA's linear down-projection by a Kolmogorov-Arnold
    layer: every input feature ``x_i`` goes through ``G + k`` B-spline basis functions of order ``k`` on a knot
    vector, and a coefficient tensor ``C`` of shape ``(in_features, G + k, r)`` contracts them to rank ``r``; a
    linear up-projection ``U`` (``out_features x r``, zero-initialised) reads the rank-r code out:

        y = base(x) + scaling * U @ sum_i sum_j B_j(x_i) C[i, j, :]

    Args:
        r: Rank of the spline code (the read-out's input width).
        nera_alpha: Scaling numerator, ``scaling = nera_alpha / r``.
        grid_size: Number of grid intervals G inside ``grid_range`` (the knot vector has G + 2k + 1 knots).
        spline_order: Order k of the B-splines (3 = cubic).
        grid_range: Interval the interior knots span; inputs outside it get a zero spline response.
        knot_init: "uniform" (equal spacing, efficient-kan's grid) or "random" (seeded random spacing with the same
            span).
        learnable_knots: Train the knot positions (kept increasing: a start plus cumulative softplus spacings).
        coef_init_std: Standard deviation of the initial coefficients ``C`` (``U`` starts at zero, so the adapted
            model equals the base at initialisation whatever this is).
        init_weights: True (default): ``U`` zeros. False: ``U`` random too (non-identity init; tests only).
        nera_dropout: Dropout on the adapter input.
        target_modules / exclude_modules / layers_to_transform / layers_pattern / modules_to_save: as in LoRA.
    """

    r: int = field(default=4, metadata={"help": "Rank of the spline code."})
    nera_alpha: float = field(default=4, metadata={"help": "Scaling numerator (scaling = nera_alpha / r)."})
    target_modules: list[str] | str | None = field(
        default=None, metadata={"help": "Module names or regex of the linear layers to adapt."}
    )
    exclude_modules: list[str] | str | None = field(default=None, metadata={"help": "Modules to exclude."})
    grid_size: int = field(default=5, metadata={"help": "Grid intervals G of the knot vector."})
    spline_order: int = field(default=3, metadata={"help": "B-spline order k."})
    grid_range: list[float] = field(default_factory=lambda: [-3.0, 3.0], metadata={"help": "Span of the grid."})
    knot_init: Literal["uniform", "random"] = field(default="uniform", metadata={"help": "uniform or random."})
    learnable_knots: bool = field(default=True, metadata={"help": "Train the knot positions."})
    coef_init_std: float = field(default=0.1, metadata={"help": "Std of the initial spline coefficients."})
    init_weights: bool = field(default=True, metadata={"help": "Up-projection zeros (identity at init)."})
    nera_dropout: float = field(default=0.0, metadata={"help": "Dropout applied to the adapter input."})
    bias: Literal["none"] = field(default="none", metadata={"help": "Only 'none' is supported."})
    modules_to_save: list[str] | None = field(default=None, metadata={"help": "Extra modules to train and save."})
    layers_to_transform: list[int] | int | None = field(default=None, metadata={"help": "Layer indices to adapt."})
    layers_pattern: list[str] | str | None = field(default=None, metadata={"help": "Layer pattern name."})

    def __post_init__(self):
        super().__post_init__()
        from peft.utils import PeftType  # the member is created by the package __init__ (peft's enum is closed)

        self.peft_type = PeftType[NERA_PEFT_TYPE_NAME]
        if isinstance(self.target_modules, list):
            self.target_modules = set(self.target_modules)
        if isinstance(self.exclude_modules, list):
            self.exclude_modules = set(self.exclude_modules)
        self.grid_range = [float(v) for v in self.grid_range]
        if self.r <= 0:
            raise ValueError(f"NeRA: `r` must be a positive integer, got {self.r}")
        if self.grid_size <= 0 or self.spline_order < 0:
            raise ValueError(f"NeRA: grid_size must be > 0 and spline_order >= 0, got {self.grid_size}, "
                             f"{self.spline_order}")
        if len(self.grid_range) != 2 or not self.grid_range[0] < self.grid_range[1]:
            raise ValueError(f"NeRA: grid_range must be [low, high] with low < high, got {self.grid_range}")
        if self.knot_init not in KNOT_INITS:
            raise ValueError(f"NeRA: knot_init must be one of {', '.join(KNOT_INITS)}, got {self.knot_init!r}")
        if self.bias != "none":
            raise ValueError(f"NeRA only supports bias='none', got {self.bias!r}")
        if self.layers_pattern and not self.layers_to_transform:
            raise ValueError("When `layers_pattern` is specified, `layers_to_transform` must also be specified.")

    @property
    def n_bases(self) -> int:
        """Basis functions per input feature: G + k."""
        return self.grid_size + self.spline_order
