"""NeRA layers: a B-spline (Kolmogorov-Arnold) down-projection to rank r and a zero-initialised linear read-out,
added to a frozen linear layer. Nonlinear in the input, so there is no delta weight to merge."""

from __future__ import annotations

import math
import warnings

import torch
import torch.nn.functional as F
from peft.tuners.tuners_utils import BaseTunerLayer, _get_in_out_features
from torch import nn

from .config import NeraConfig

NOT_MERGEABLE = ("NeRA is nonlinear in the input (a spline of each feature), so it has no weight delta to merge into "
                 "the base layer: keep the adapter unmerged (PeftModel.from_pretrained), or drop it with unload()")
KNOT_PARAMS = ("nera_knot_start", "nera_knot_spacing")


def b_spline_bases(x: torch.Tensor, knots: torch.Tensor, order: int) -> torch.Tensor:
    """B-spline basis values by the Cox-de Boor recursion: x (..., in), knots (K,) increasing ->
    (..., in, K - 1 - order). Zero outside [knots[0], knots[-1]). Same recursion as efficient-kan's KANLinear, with
    one knot vector per layer instead of one per input feature."""
    x = x.unsqueeze(-1)
    t = knots.to(x.dtype)
    bases = ((x >= t[:-1]) & (x < t[1:])).to(x.dtype)
    for k in range(1, order + 1):
        left = (x - t[: -(k + 1)]) / (t[k:-1] - t[: -(k + 1)]) * bases[..., :-1]
        right = (t[k + 1:] - x) / (t[k + 1:] - t[1:-k]) * bases[..., 1:]
        bases = left + right
    return bases


def initial_knots(config: NeraConfig, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(start (1,), spacings (G + 2k,)) of the knot vector; knots = start, start + cumsum(spacings). The grid spans
    grid_range with k extra knots on each side, as efficient-kan's grid does."""
    low, high = config.grid_range
    g, k = config.grid_size, config.spline_order
    h = (high - low) / g
    n = g + 2 * k
    if config.knot_init == "uniform":
        spacings = torch.full((n,), h)
    else:  # random spacings with the uniform grid's total span
        raw = 0.5 + torch.rand(n, generator=generator)
        spacings = raw * (h * n / raw.sum())
    return torch.tensor([low - k * h]), spacings


def inverse_softplus(y: torch.Tensor) -> torch.Tensor:
    return y + torch.log(-torch.expm1(-y))


class NeraLayer(BaseTunerLayer):
    adapter_layer_names = ("nera_coef", "nera_up", *KNOT_PARAMS)
    other_param_names = ("r", "scaling", "spline_order", "nera_dropout")

    def __init__(self, base_layer: nn.Module, **kwargs):
        self.base_layer = base_layer
        self.r: dict[str, int] = {}
        self.scaling: dict[str, float] = {}
        self.spline_order: dict[str, int] = {}
        self.nera_dropout = nn.ModuleDict({})
        self.nera_coef = nn.ParameterDict({})  # (in, G + k, r)
        self.nera_up = nn.ParameterDict({})  # (out, r), zeros at init
        self.nera_knot_start = nn.ParameterDict({})  # (1,)
        self.nera_knot_spacing = nn.ParameterDict({})  # (G + 2k,), stored through inverse softplus
        self._disable_adapters = False
        self.merged_adapters: list[str] = []
        in_features, out_features = _get_in_out_features(self.get_base_layer())
        if in_features is None or out_features is None:
            raise TypeError(f"NeRA: unsupported layer type {type(self.get_base_layer()).__name__}")
        self.in_features, self.out_features = in_features, out_features
        self.kwargs = kwargs

    def update_layer(self, adapter_name: str, config: NeraConfig, inference_mode: bool = False, **kwargs) -> None:
        self.r[adapter_name] = config.r
        self.scaling[adapter_name] = config.nera_alpha / config.r
        self.spline_order[adapter_name] = config.spline_order
        dropout = nn.Dropout(p=config.nera_dropout) if config.nera_dropout > 0.0 else nn.Identity()
        self.nera_dropout.update(nn.ModuleDict({adapter_name: dropout}))
        coef = torch.randn(self.in_features, config.n_bases, config.r) * config.coef_init_std
        up = torch.zeros(self.out_features, config.r)
        if not config.init_weights:
            nn.init.kaiming_uniform_(up, a=math.sqrt(5))
        start, spacings = initial_knots(config)
        self.nera_coef[adapter_name] = nn.Parameter(coef)
        self.nera_up[adapter_name] = nn.Parameter(up)
        self.nera_knot_start[adapter_name] = nn.Parameter(start)
        self.nera_knot_spacing[adapter_name] = nn.Parameter(inverse_softplus(spacings))
        if not config.learnable_knots:
            frozen = dict(self.frozen_peft_weight_names)  # copy: the class-level default is shared
            frozen[adapter_name] = KNOT_PARAMS
            self.frozen_peft_weight_names = frozen
        self._move_adapter_to_device_of_base_layer(adapter_name)
        self.set_adapter(self.active_adapters, inference_mode=inference_mode)

    def knots(self, adapter: str) -> torch.Tensor:
        """The increasing knot vector (G + 2k + 1,)."""
        start = self.nera_knot_start[adapter]
        return torch.cat([start, start + torch.cumsum(F.softplus(self.nera_knot_spacing[adapter]), 0)])

    def adapter_output(self, adapter: str, x: torch.Tensor) -> torch.Tensor:
        coef, up = self.nera_coef[adapter], self.nera_up[adapter]
        x = self._cast_input_dtype(self.nera_dropout[adapter](x), coef.dtype)
        bases = b_spline_bases(x, self.knots(adapter), self.spline_order[adapter])  # (..., in, G + k)
        code = bases.flatten(-2) @ coef.reshape(-1, coef.shape[-1])  # (..., r)
        return F.linear(code, up) * self.scaling[adapter]


class Linear(nn.Module, NeraLayer):
    """NeRA on an ``nn.Linear``."""

    def __init__(self, base_layer: nn.Module, adapter_name: str, config: NeraConfig, **kwargs) -> None:
        super().__init__()
        NeraLayer.__init__(self, base_layer, **kwargs)
        self._active_adapter = adapter_name
        self.update_layer(adapter_name, config)

    def merge(self, safe_merge: bool = False, adapter_names: list[str] | None = None) -> None:
        raise ValueError(NOT_MERGEABLE)

    def unmerge(self) -> None:
        warnings.warn("NeRA is never merged; nothing to unmerge.", stacklevel=2)

    def get_delta_weight(self, adapter: str) -> torch.Tensor:
        raise ValueError(NOT_MERGEABLE)

    def forward(self, x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        result = self.base_layer(x, *args, **kwargs)
        if self.disable_adapters:
            return result
        previous_dtype = result.dtype
        for adapter in self.active_adapters:
            if adapter in self.nera_coef:
                result = result + self.adapter_output(adapter, x).to(previous_dtype)
        return result

    def __repr__(self) -> str:
        return "nera." + super().__repr__()
