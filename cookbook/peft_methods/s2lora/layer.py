"""S2-LoRA layers: per-layer rank coefficients ``c`` referencing globally shared ``A`` / ``B`` matrices."""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F
from peft.tuners.tuners_utils import BaseTunerLayer, _get_in_out_features, check_adapters_to_merge
from peft.utils.other import transpose
from torch import nn

from .config import S2LoraConfig


def shape_group_key(in_features: int, out_features: int) -> str:
    """Key of the shape group a layer belongs to (no dots: it is used as a ParameterDict key)."""
    return f"in{in_features}_out{out_features}"


def _drop_shared_refs_from_state_dict(module, state_dict, prefix, local_metadata) -> None:
    """State-dict post-hook of a layer: the shared A/B are owned (and saved once) by the tuner, not per layer."""
    for key in [k for k in state_dict if k.startswith((prefix + "s2lora_A.", prefix + "s2lora_B."))]:
        del state_dict[key]


class S2LoraLayer(BaseTunerLayer):
    # s2lora_A / s2lora_B are references to the tuner's shared ModuleDict({adapter: ParameterDict({group: P})}).
    # They are listed as adapter layers (like VB-LoRA's vector bank) so that set_adapter toggles their requires_grad.
    adapter_layer_names = ("s2lora_c", "s2lora_A", "s2lora_B")
    other_param_names = ("r", "scaling", "s2lora_dropout")

    def __init__(self, base_layer: nn.Module, **kwargs):
        self.base_layer = base_layer
        self.r: dict[str, int] = {}
        self.scaling: dict[str, float] = {}
        self.s2lora_dropout = nn.ModuleDict({})
        self.s2lora_c = nn.ParameterDict({})
        self.s2lora_A: nn.ModuleDict | None = None
        self.s2lora_B: nn.ModuleDict | None = None
        self._disable_adapters = False
        self.merged_adapters: list[str] = []

        in_features, out_features = _get_in_out_features(self.get_base_layer())
        if in_features is None or out_features is None:
            raise TypeError(f"Unsupported layer type {type(self.get_base_layer())}")
        self.in_features = in_features
        self.out_features = out_features
        self.group_key = shape_group_key(in_features, out_features)
        self.kwargs = kwargs

    def update_layer(
        self,
        adapter_name: str,
        s2lora_A: nn.ModuleDict,
        s2lora_B: nn.ModuleDict,
        config: S2LoraConfig,
        inference_mode: bool = False,
        **kwargs,
    ) -> None:
        r = config.r
        if r <= 0:
            raise ValueError(f"`r` should be a positive integer value but the value passed is {r}")
        if adapter_name not in s2lora_A or self.group_key not in s2lora_A[adapter_name]:
            raise ValueError(f"Shared S2-LoRA matrices for {adapter_name!r}/{self.group_key} were not created.")
        self.r[adapter_name] = r
        self.scaling[adapter_name] = config.lora_alpha / r
        dropout = nn.Dropout(p=config.s2lora_dropout) if config.s2lora_dropout > 0.0 else nn.Identity()
        self.s2lora_dropout.update(nn.ModuleDict({adapter_name: dropout}))
        self.s2lora_c[adapter_name] = nn.Parameter(torch.full((r,), float(config.c_init)), requires_grad=True)
        # non-owning (shared) references; the tuner owns and saves them
        self.s2lora_A = s2lora_A
        self.s2lora_B = s2lora_B

        self._move_adapter_to_device_of_base_layer(adapter_name)
        self.set_adapter(self.active_adapters, inference_mode=inference_mode)

    def _shared(self, adapter: str) -> tuple[torch.Tensor, torch.Tensor]:
        return self.s2lora_A[adapter][self.group_key], self.s2lora_B[adapter][self.group_key]


class Linear(nn.Module, S2LoraLayer):
    """S2-LoRA on a dense layer (``nn.Linear`` or ``Conv1D``)."""

    def __init__(
        self,
        base_layer: nn.Module,
        s2lora_A: nn.ModuleDict,
        s2lora_B: nn.ModuleDict,
        adapter_name: str,
        config: S2LoraConfig,
        is_target_conv_1d_layer: bool = False,
        **kwargs,
    ) -> None:
        super().__init__()
        S2LoraLayer.__init__(self, base_layer, **kwargs)
        self.register_state_dict_post_hook(_drop_shared_refs_from_state_dict)
        self.fan_in_fan_out = config.fan_in_fan_out
        self._active_adapter = adapter_name
        self.update_layer(adapter_name, s2lora_A, s2lora_B, config=config)
        self.is_target_conv_1d_layer = is_target_conv_1d_layer

    def merge(self, safe_merge: bool = False, adapter_names: list[str] | None = None) -> None:
        adapter_names = check_adapters_to_merge(self, adapter_names)
        if not adapter_names:
            return
        for active_adapter in adapter_names:
            if active_adapter not in self.s2lora_c.keys():
                continue
            base_layer = self.get_base_layer()
            delta = self.get_delta_weight(active_adapter)
            if safe_merge:
                weight = base_layer.weight.data.clone() + delta
                if not torch.isfinite(weight).all():
                    raise ValueError(f"NaNs detected in the merged weights. The adapter {active_adapter} is broken")
                base_layer.weight.data = weight
            else:
                base_layer.weight.data += delta
            self.merged_adapters.append(active_adapter)

    def unmerge(self) -> None:
        if not self.merged:
            warnings.warn("Already unmerged. Nothing to do.", stacklevel=2)
            return
        while self.merged_adapters:
            active_adapter = self.merged_adapters.pop()
            if active_adapter in self.s2lora_c.keys():
                self.get_base_layer().weight.data -= self.get_delta_weight(active_adapter)

    def get_delta_weight(self, adapter: str) -> torch.Tensor:
        """``B diag(c) A * scaling``, in the base weight's layout."""
        A, B = self._shared(adapter)
        c = self.s2lora_c[adapter]
        weight = self.get_base_layer().weight
        dtype, device = weight.dtype, weight.device
        cast_to_fp32 = device.type == "cpu" and dtype in (torch.float16, torch.bfloat16)
        A, B, c = (t.to(device) for t in (A, B, c))
        if cast_to_fp32:
            A, B, c = A.float(), B.float(), c.float()
        delta = transpose((B * c.unsqueeze(0)) @ A, self.fan_in_fan_out) * self.scaling[adapter]
        return delta.to(dtype)

    def forward(self, x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        previous_dtype = x.dtype
        if self.disable_adapters:
            if self.merged:
                self.unmerge()
            result = self.base_layer(x, *args, **kwargs)
        elif self.merged:
            result = self.base_layer(x, *args, **kwargs)
        else:
            result = self.base_layer(x, *args, **kwargs)
            for active_adapter in self.active_adapters:
                if active_adapter not in self.s2lora_c.keys():
                    continue
                A, B = self._shared(active_adapter)
                c = self.s2lora_c[active_adapter]
                x_in = self._cast_input_dtype(x, c.dtype)
                h = F.linear(self.s2lora_dropout[active_adapter](x_in), A.to(x_in.device)) * c
                result = result + F.linear(h, B.to(x_in.device)) * self.scaling[active_adapter]
        return result.to(previous_dtype)

    def __repr__(self) -> str:
        return "s2lora." + super().__repr__()
