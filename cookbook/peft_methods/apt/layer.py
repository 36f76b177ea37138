"""APT layer: a LoRA-style adapter with a rank mask and (on head / neuron modules) a mask over structured input
units, with activation x gradient salience of those units collected while training."""

from __future__ import annotations

import math
import warnings

import torch
import torch.nn.functional as F
from peft.tuners._buffer_dict import BufferDict
from peft.tuners.tuners_utils import BaseTunerLayer, _get_in_out_features, check_adapters_to_merge
from torch import nn

from .config import AptConfig


class AptLayer(BaseTunerLayer):
    adapter_layer_names = ("apt_A", "apt_B")
    other_param_names = ("apt_rank_mask", "apt_unit_mask", "apt_unit_salience", "apt_scaling", "apt_unit_size")

    def __init__(self, base_layer: nn.Module, unit_size: int = 0):
        self.base_layer = base_layer
        self._disable_adapters = False
        self.merged_adapters: list[str] = []
        base = self.get_base_layer()
        if not isinstance(base, nn.Linear):
            raise TypeError(f"Target module {type(base).__name__} is not supported: only nn.Linear is.")
        self.in_features, self.out_features = _get_in_out_features(base)
        if unit_size and self.in_features % unit_size:
            raise ValueError(f"in_features {self.in_features} is not a multiple of the unit size {unit_size}")
        self.unit_size = unit_size  # 0: no unit mask (not a head / neuron module)
        self.apt_A = nn.ParameterDict({})
        self.apt_B = nn.ParameterDict({})
        self.apt_rank_mask = BufferDict({}, persistent=True)
        self.apt_unit_mask = BufferDict({}, persistent=True)
        self.apt_unit_salience = BufferDict({}, persistent=True)  # EMA; saved so a resumed run continues it
        self.apt_scaling: dict[str, float] = {}
        self.apt_unit_size: dict[str, int] = {}
        self._unit_score: dict[str, torch.Tensor] = {}  # |h * dh| summed since the last update (not saved)
        self._pruned_columns: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}  # kept while merged
        self.track_salience = False

    @property
    def n_units(self) -> int:
        return self.in_features // self.unit_size if self.unit_size else 0

    def update_layer(self, adapter_name: str, config: AptConfig, inference_mode: bool = False, **kwargs) -> None:
        a = torch.empty(config.max_r, self.in_features)
        nn.init.kaiming_uniform_(a, a=math.sqrt(5))  # every slot initialised like LoRA's A; B zero
        self.apt_A[adapter_name] = nn.Parameter(a)
        self.apt_B[adapter_name] = nn.Parameter(torch.zeros(self.out_features, config.max_r))
        mask = torch.zeros(config.max_r)
        mask[: config.r] = 1.0
        self.apt_rank_mask[adapter_name] = mask
        if self.unit_size:
            self.apt_unit_mask[adapter_name] = torch.ones(self.n_units)
            self.apt_unit_salience[adapter_name] = torch.zeros(self.n_units)
        self.apt_scaling[adapter_name] = config.lora_alpha / config.r
        self.apt_unit_size[adapter_name] = self.unit_size
        self._move_adapter_to_device_of_base_layer(adapter_name)
        self.set_adapter(self.active_adapters, inference_mode=inference_mode)

    def active_rank(self, adapter: str) -> int:
        return int(self.apt_rank_mask[adapter].sum())

    def active_params(self, adapter: str) -> int:
        return self.active_rank(adapter) * (self.in_features + self.out_features)

    def input_mask(self, adapter: str) -> torch.Tensor | None:
        if adapter not in self.apt_unit_mask:
            return None
        return self.apt_unit_mask[adapter].repeat_interleave(self.unit_size)

    def get_delta_weight(self, adapter: str) -> torch.Tensor:
        a, b = self.apt_A[adapter], self.apt_B[adapter]
        return (b * self.apt_rank_mask[adapter]) @ a * self.apt_scaling[adapter]

    def merge(self, safe_merge: bool = False, adapter_names: list[str] | None = None) -> None:
        """Adds the low-rank update and zeroes the pruned units' input columns, so merge_and_unload leaves a plain
        model that computes what the pruned, adapted one did. The zeroed columns are kept for unmerge."""
        base = self.get_base_layer()
        for adapter in check_adapters_to_merge(self, adapter_names):
            if adapter not in self.apt_A:
                continue
            with torch.no_grad():
                delta = self.get_delta_weight(adapter)
                if safe_merge and not torch.isfinite(base.weight + delta).all():
                    raise ValueError(f"NaNs detected in the merged weights. The adapter {adapter} is broken")
                mask = self.input_mask(adapter)
                pruned = (mask == 0).nonzero().flatten() if mask is not None else torch.zeros(0, dtype=torch.long)
                self._pruned_columns[adapter] = (pruned, base.weight[:, pruned].clone())
                base.weight.data += delta
                base.weight.data[:, pruned] = 0.0
            self.merged_adapters.append(adapter)

    def unmerge(self) -> None:
        if not self.merged:
            warnings.warn("Already unmerged. Nothing to do.", stacklevel=2)
            return
        base = self.get_base_layer()
        while self.merged_adapters:
            adapter = self.merged_adapters.pop()
            pruned, columns = self._pruned_columns.pop(adapter)
            with torch.no_grad():
                base.weight.data -= self.get_delta_weight(adapter)
                base.weight.data[:, pruned] = columns

    def _track(self, adapter: str, h: torch.Tensor) -> None:
        if not (self.track_salience and self.training and h.requires_grad and self.unit_size):
            return

        def hook(grad):
            score = (h.detach() * grad).abs().reshape(-1, self.n_units, self.unit_size).sum(dim=(0, 2))
            prev = self._unit_score.get(adapter)
            self._unit_score[adapter] = score if prev is None else prev + score

        h.register_hook(hook)

    def forward(self, x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        if self.disable_adapters:
            if self.merged:
                self.unmerge()
            return self.base_layer(x, *args, **kwargs)
        active = [a for a in self.active_adapters if a in self.apt_A]
        h = x
        for adapter in active:
            mask = self.input_mask(adapter)
            if mask is not None:
                h = h * mask.to(h.dtype)
                self._track(adapter, h)
        result = self.base_layer(h, *args, **kwargs)
        if self.merged:
            return result
        for adapter in active:
            a, b = self.apt_A[adapter], self.apt_B[adapter]
            z = F.linear(h.to(a.dtype), a) * self.apt_rank_mask[adapter]
            result = result + F.linear(z, b) * self.apt_scaling[adapter]
        return result


class Linear(nn.Module, AptLayer):
    def __init__(self, base_layer: nn.Module, adapter_name: str, config: AptConfig, unit_size: int = 0,
                 **kwargs) -> None:
        super().__init__()
        AptLayer.__init__(self, base_layer, unit_size=unit_size)
        self._active_adapter = adapter_name
        self.update_layer(adapter_name, config)

    forward = AptLayer.forward  # nn.Module's placeholder forward would otherwise come first in the MRO

    def __repr__(self) -> str:
        return "apt." + super().__repr__()
