"""APT layer: a LoRA-style adapter with a rank mask and (on head / neuron modules) a mask over structured input
units, with activation x gradient salience of those units collected while training."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from peft.tuners._buffer_dict import BufferDict
from torch import nn

from cookbook.peft_methods.channel_tuner import ChannelLayer, linear_class

from .config import AptConfig


class AptLayer(ChannelLayer):
    adapter_layer_names = ("apt_A", "apt_B")
    other_param_names = ("apt_rank_mask", "apt_unit_mask", "apt_unit_salience", "apt_scaling", "apt_unit_size")

    def __init__(self, base_layer: nn.Module, unit_size: int = 0):
        ChannelLayer.__init__(self, base_layer)
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

    def delta_for(self, adapter, weight, bias):
        """What merging adds: the low-rank update, and minus the pruned units' input columns, so the merged weight
        has them zeroed and merge_and_unload leaves a plain model that computes the pruned, adapted one (unmerge
        subtracts the same delta, restoring them)."""
        a, b = self.apt_A[adapter], self.apt_B[adapter]
        delta = (b * self.apt_rank_mask[adapter]) @ a * self.apt_scaling[adapter]
        mask = self.input_mask(adapter)
        if mask is not None:
            pruned = (mask == 0).nonzero().flatten()
            delta[:, pruned] = -weight[:, pruned].to(delta.dtype)
        return delta.to(weight.dtype), None

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


Linear = linear_class(AptLayer, "apt")
