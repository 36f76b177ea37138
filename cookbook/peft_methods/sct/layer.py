"""SCT layer: a zero-initialised N x N map on the N most salient output channels of a linear layer."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from peft.tuners._buffer_dict import BufferDict
from torch import nn

from cookbook.peft_methods.calibration import top_channels
from cookbook.peft_methods.channel_tuner import ChannelLayer, linear_class

from .config import SctConfig


def salient_channel_count(fraction: float, out_features: int) -> int:
    return max(1, min(out_features, math.ceil(fraction * out_features)))


class SctLayer(ChannelLayer):
    adapter_layer_names = ("sct_A",)
    other_param_names = ("sct_index",)
    calibration_side = "output"

    def __init__(self, base_layer: nn.Module):
        ChannelLayer.__init__(self, base_layer)
        self.sct_A = nn.ParameterDict({})
        self.sct_index = BufferDict({}, persistent=True)  # the salient channels: saved with the adapter

    def update_layer(self, adapter_name: str, config: SctConfig, inference_mode: bool = False, **kwargs) -> None:
        n = salient_channel_count(config.channel_fraction, self.out_features)
        self.sct_A[adapter_name] = nn.Parameter(torch.zeros(n, n))
        self.sct_index[adapter_name] = torch.arange(n)  # until calibrated: the first n channels
        self._move_adapter_to_device_of_base_layer(adapter_name)
        self.set_adapter(self.active_adapters, inference_mode=inference_mode)

    def set_salience(self, adapter: str, norms: torch.Tensor) -> None:
        """norms: ||Y_c||_2 per output channel over the calibration tokens."""
        n = self.sct_A[adapter].shape[0]
        self.sct_index[adapter] = top_channels(norms, n).to(self.get_base_layer().weight.device)
        with torch.no_grad():
            self.sct_A[adapter].zero_()

    def delta_for(self, adapter, weight, bias):
        idx, a = self.sct_index[adapter], self.sct_A[adapter].to(weight.dtype)
        delta_w = torch.zeros_like(weight)
        delta_w[idx] = a @ weight[idx]
        delta_b = None
        if bias is not None:
            delta_b = torch.zeros_like(bias)
            delta_b[idx] = a @ bias[idx]
        return delta_w, delta_b

    def adapt(self, adapter, x, base_out, result):
        idx = self.sct_index[adapter]
        return result.index_add(-1, idx, F.linear(base_out.index_select(-1, idx), self.sct_A[adapter]))


Linear = linear_class(SctLayer, "sct")
