"""What GIFT-SW and SCT share: a layer that tunes a chosen subset of a linear layer's channels (the choice kept per
adapter in a persistent index buffer, so it is saved with the adapter), merge/unmerge through an exact cached delta,
and a tuner that injects such layers and runs their calibration pass (cookbook.peft_methods.calibration)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import torch
from peft.config import PeftConfig
from peft.tuners.tuners_utils import BaseTuner, BaseTunerLayer, _get_in_out_features, check_adapters_to_merge
from torch import nn

from cookbook.peft_methods.calibration import collect_channel_norms


@dataclass
class ChannelPeftConfig(PeftConfig):
    """Fields every channel method's config has (as in LoRA); subclasses set PEFT_TYPE_NAME."""

    PEFT_TYPE_NAME = ""
    target_modules: list[str] | str | None = field(default=None, metadata={"help": "Linear layers to adapt."})
    exclude_modules: list[str] | str | None = field(default=None, metadata={"help": "Modules to exclude."})
    modules_to_save: list[str] | None = field(default=None, metadata={"help": "Extra modules to train and save."})
    layers_to_transform: list[int] | int | None = field(default=None, metadata={"help": "Layer indices to adapt."})
    layers_pattern: list[str] | str | None = field(default=None, metadata={"help": "Layer pattern name."})

    def __post_init__(self):
        super().__post_init__()
        from peft.utils import PeftType  # the member is added when the method's package is imported

        self.peft_type = PeftType[self.PEFT_TYPE_NAME]
        for name in ("target_modules", "exclude_modules"):
            value = getattr(self, name)
            setattr(self, name, set(value) if isinstance(value, list) else value)
        if self.layers_pattern and not self.layers_to_transform:
            raise ValueError("When `layers_pattern` is specified, `layers_to_transform` must also be specified.")


class ChannelLayer(BaseTunerLayer):
    """A wrapped nn.Linear whose adapter touches chosen channels. Subclasses define `adapter_layer_names` (the
    trainable ParameterDict first), `calibration_side` ("input" or "output": which activations rank the channels),
    and `update_layer`, `set_salience`, `delta_for` and `adapt`."""

    calibration_side = "input"

    def __init__(self, base_layer: nn.Module):
        self.base_layer = base_layer
        self._disable_adapters = False
        self.merged_adapters: list[str] = []
        self._merged_deltas: dict[str, tuple[torch.Tensor, torch.Tensor | None]] = {}
        base = self.get_base_layer()
        if not isinstance(base, nn.Linear):
            raise TypeError(f"Target module {type(base).__name__} is not supported: only nn.Linear is.")
        self.in_features, self.out_features = _get_in_out_features(base)

    @property
    def _trainable(self) -> nn.ParameterDict:
        return getattr(self, self.adapter_layer_names[0])

    def has_adapter(self, adapter: str) -> bool:
        return adapter in self._trainable

    # -- per method
    def set_salience(self, adapter: str, norms: torch.Tensor) -> None:
        raise NotImplementedError

    def delta_for(self, adapter: str, weight: torch.Tensor, bias: torch.Tensor | None):
        """(delta weight, delta bias or None) of `adapter` given the unmerged base weight and bias."""
        raise NotImplementedError

    def adapt(self, adapter: str, x: torch.Tensor, base_out: torch.Tensor, result: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    # -- shared
    def _unmerged_base(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        base = self.get_base_layer()
        weight = base.weight.detach().clone()
        bias = base.bias.detach().clone() if base.bias is not None else None
        for dw, db in self._merged_deltas.values():
            weight -= dw
            if db is not None:
                bias -= db
        return weight, bias

    def get_delta_weight(self, adapter: str) -> torch.Tensor:
        weight, bias = self._unmerged_base()
        return self.delta_for(adapter, weight, bias)[0]

    def merge(self, safe_merge: bool = False, adapter_names: list[str] | None = None) -> None:
        adapter_names = check_adapters_to_merge(self, adapter_names)
        base = self.get_base_layer()
        for adapter in adapter_names:
            if not self.has_adapter(adapter):
                continue
            weight, bias = self._unmerged_base()
            with torch.no_grad():
                dw, db = self.delta_for(adapter, weight, bias)
                dw, db = dw.detach(), (db.detach() if db is not None else None)
                if safe_merge and not torch.isfinite(base.weight + dw).all():
                    raise ValueError(f"NaNs detected in the merged weights. The adapter {adapter} is broken")
                base.weight.data += dw
                if db is not None:
                    base.bias.data += db
            self._merged_deltas[adapter] = (dw, db)
            self.merged_adapters.append(adapter)

    def unmerge(self) -> None:
        if not self.merged:
            warnings.warn("Already unmerged. Nothing to do.", stacklevel=2)
            return
        base = self.get_base_layer()
        while self.merged_adapters:
            adapter = self.merged_adapters.pop()
            dw, db = self._merged_deltas.pop(adapter)
            base.weight.data -= dw
            if db is not None:
                base.bias.data -= db

    def forward(self, x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        if self.disable_adapters:
            if self.merged:
                self.unmerge()
            return self.base_layer(x, *args, **kwargs)
        if self.merged:
            return self.base_layer(x, *args, **kwargs)
        base_out = self.base_layer(x, *args, **kwargs)
        result = base_out
        for adapter in self.active_adapters:
            if self.has_adapter(adapter):
                result = self.adapt(adapter, x.to(base_out.dtype), base_out, result)
        return result


def linear_class(layer_cls: type, name: str) -> type:
    """The nn.Module a tuner injects for `layer_cls` (as peft's `Linear(nn.Module, LoraLayer)`)."""

    class Linear(nn.Module, layer_cls):
        def __init__(self, base_layer: nn.Module, adapter_name: str, config, **kwargs) -> None:
            super().__init__()
            layer_cls.__init__(self, base_layer, **kwargs)
            self._active_adapter = adapter_name
            self.update_layer(adapter_name, config)

        forward = layer_cls.forward  # nn.Module's placeholder forward would otherwise come first in the MRO

        def __repr__(self) -> str:
            return f"{name}." + super().__repr__()

    Linear.__qualname__ = Linear.__name__ = "Linear"
    return Linear


class ChannelTuner(BaseTuner):
    """Injects `layer_cls` (a ChannelLayer + nn.Module) into the targeted nn.Linear layers; `calibrate(batches)`
    ranks each layer's channels on the frozen base's activations and stores the choice in the layers."""

    layer_cls: type = None  # set by subclasses
    target_module_mapping: dict = {}

    def _create_and_replace(self, config, adapter_name, target, target_name, parent, current_key, **kwargs):
        if current_key is None:
            raise ValueError("Current Key shouldn't be `None`")
        if isinstance(target, self.tuner_layer_cls):
            target.update_layer(adapter_name, config)
            return
        new_module = self.layer_cls(target, adapter_name, config)
        if adapter_name not in self.active_adapters:
            new_module.requires_grad_(False)
        self._replace_module(parent, target_name, new_module, target)

    def channel_layers(self) -> dict[str, ChannelLayer]:
        return {n: m for n, m in self.model.named_modules() if isinstance(m, self.tuner_layer_cls)}

    def calibrate(self, batches) -> dict:
        """Rank channels for every active adapter from `batches` (dicts with input_ids / attention_mask) forwarded
        through the base model with all adapters disabled; returns a summary for metrics.json."""
        batches = list(batches)
        layers = self.channel_layers()
        modules = {name: (layer.get_base_layer(), layer.calibration_side) for name, layer in layers.items()}
        self.disable_adapter_layers()
        try:
            stats = collect_channel_norms(self.model, modules, batches)
        finally:
            self.enable_adapter_layers()
        for name, layer in layers.items():
            for adapter in self.active_adapters:
                if layer.has_adapter(adapter):
                    layer.set_salience(adapter, stats[name].l2())
        tokens = next(iter(stats.values())).tokens if stats else 0
        return {"calibration": {"batches": len(batches), "tokens": int(tokens), "layers": len(layers)}}
