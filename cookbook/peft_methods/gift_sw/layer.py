"""GIFT-SW layer: a trainable change of the salient input columns, Gaussian noise on the others while training."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from peft.tuners._buffer_dict import BufferDict
from torch import nn

from cookbook.peft_methods.calibration import top_channels
from cookbook.peft_methods.channel_tuner import ChannelLayer, linear_class

from .config import GiftSwConfig


def quantization_step(weight: torch.Tensor, bits: int) -> torch.Tensor:
    """Per-row step of symmetric round-to-nearest quantisation to `bits` bits (shape: out)."""
    qmax = 2 ** (bits - 1) - 1
    return weight.abs().amax(dim=1).clamp_min(1e-12) / qmax


def quantization_perturbation(weight: torch.Tensor, bits: int) -> torch.Tensor:
    """D = W - Q(W) for per-row symmetric round-to-nearest quantisation."""
    qmax = 2 ** (bits - 1) - 1
    step = quantization_step(weight, bits)[:, None]
    return weight - (weight / step).round().clamp(-qmax - 1, qmax) * step


class GiftSwLayer(ChannelLayer):
    adapter_layer_names = ("gift_sw_delta",)
    other_param_names = ("gift_sw_index", "gift_sw_sigma", "gift_sw_gamma", "gift_sw_bits")
    calibration_side = "input"

    def __init__(self, base_layer: nn.Module):
        ChannelLayer.__init__(self, base_layer)
        self.gift_sw_delta = nn.ParameterDict({})
        self.gift_sw_index = BufferDict({}, persistent=True)  # the salient columns: saved with the adapter
        self.gift_sw_sigma = BufferDict({}, persistent=False)  # per-row noise std: derived from the base weight
        self.gift_sw_gamma: dict[str, float] = {}
        self.gift_sw_bits: dict[str, int] = {}

    def update_layer(self, adapter_name: str, config: GiftSwConfig, inference_mode: bool = False, **kwargs) -> None:
        k = min(config.num_salient, self.in_features)
        weight = self.get_base_layer().weight.detach().float()
        self.gift_sw_delta[adapter_name] = nn.Parameter(torch.zeros(self.out_features, k))
        self.gift_sw_index[adapter_name] = torch.arange(k)  # until calibrated: the first k columns
        self.gift_sw_sigma[adapter_name] = (config.noise_scale * quantization_step(weight, config.quant_bits)
                                            / math.sqrt(12))
        self.gift_sw_gamma[adapter_name] = config.gamma
        self.gift_sw_bits[adapter_name] = config.quant_bits
        self._move_adapter_to_device_of_base_layer(adapter_name)
        self.set_adapter(self.active_adapters, inference_mode=inference_mode)

    def set_salience(self, adapter: str, norms: torch.Tensor) -> None:
        """norms: ||X_j||_2 per input column over the calibration tokens."""
        weight = self.get_base_layer().weight.detach().float()
        d_inf = quantization_perturbation(weight, self.gift_sw_bits[adapter]).abs().amax(dim=0)
        scores = d_inf * norms.to(weight.device).float().pow(self.gift_sw_gamma[adapter])
        k = self.gift_sw_delta[adapter].shape[1]
        self.gift_sw_index[adapter] = top_channels(scores, k).to(weight.device)
        with torch.no_grad():
            self.gift_sw_delta[adapter].zero_()

    def delta_for(self, adapter, weight, bias):
        delta = torch.zeros_like(weight)
        delta[:, self.gift_sw_index[adapter]] = self.gift_sw_delta[adapter].to(weight.dtype)
        return delta, None

    def adapt(self, adapter, x, base_out, result):
        idx = self.gift_sw_index[adapter]
        result = result + F.linear(x.index_select(-1, idx), self.gift_sw_delta[adapter])
        sigma = self.gift_sw_sigma[adapter]
        if self.training and bool((sigma > 0).any()):
            noise = torch.randn(self.out_features, self.in_features, device=x.device, dtype=x.dtype) * sigma[:, None]
            noise[:, idx] = 0.0  # salient columns are trained, not perturbed
            result = result + F.linear(x, noise)
        return result


Linear = linear_class(GiftSwLayer, "gift_sw")
