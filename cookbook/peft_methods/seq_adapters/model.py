"""The tuner that inserts sequence adapters after the targeted layers and sizes them by parameter count."""

from __future__ import annotations

from peft.tuners.tuners_utils import BaseTuner, BaseTunerLayer
from torch import nn

from .blocks import bottleneck_for
from .config import SIZE_FRACTIONS, SeqAdapterConfig
from .layer import SeqAdapterLayer, hidden_size_of

# MusicGen's decoder blocks (not its EnCodec's `audio_encoder.decoder.layers`, which are convolutions).
DEFAULT_TARGETS = {"musicgen": r"(.*\.)?model\.decoder\.layers\.\d+",
                   "musicgen_decoder": r"(.*\.)?decoder\.layers\.\d+"}


class SeqAdapterModel(BaseTuner):
    prefix: str = "seqadapter_"
    tuner_layer_cls = SeqAdapterLayer
    target_module_mapping = DEFAULT_TARGETS

    def _check_new_adapter_config(self, config: SeqAdapterConfig) -> None:
        super()._check_new_adapter_config(config)

    def _prepare_adapter_config(self, peft_config, model_config):
        if peft_config.target_modules is None:
            model_type = model_config.get("model_type")
            if model_type not in DEFAULT_TARGETS:
                raise ValueError(f"no default adapter positions for model type {model_type!r}: set target_modules")
            peft_config.target_modules = DEFAULT_TARGETS[model_type]
        return peft_config

    def _bottleneck(self, config: SeqAdapterConfig, layer: nn.Module) -> int:
        if config.bottleneck:
            return config.bottleneck
        budget = int(SIZE_FRACTIONS[config.size] * sum(p.numel() for p in layer.parameters()))
        # every targeted layer has the same shape in a transformer stack; the first one fixes the width for all
        config.bottleneck = bottleneck_for(config.adapter_type, hidden_size_of(layer), budget, config.kernel_size,
                                           config.num_heads)
        return config.bottleneck

    def _create_and_replace(self, config, adapter_name, target, target_name, parent, current_key, **kwargs):
        base = target.get_base_layer() if isinstance(target, BaseTunerLayer) else target
        bottleneck = self._bottleneck(config, base)
        if isinstance(target, SeqAdapterLayer):
            target.update_layer(adapter_name, config, bottleneck)
            return
        new_module = SeqAdapterLayer(target, adapter_name, config, bottleneck)
        if adapter_name not in self.active_adapters:
            new_module.requires_grad_(False)
        self._replace_module(parent, target_name, new_module, target)

    def _replace_module(self, parent, child_name, new_module, child):
        setattr(parent, child_name, new_module)

    def _mark_only_adapters_as_trainable(self, model: nn.Module) -> None:
        for name, param in model.named_parameters():
            param.requires_grad = self.prefix in name

    def _unload_and_optionally_merge(self, merge=True, progressbar=False, safe_merge=False, adapter_names=None):
        if merge:
            raise NotImplementedError("sequence adapters cannot be merged into the base weights")
        for name, module in list(self.model.named_modules()):
            if isinstance(module, SeqAdapterLayer):
                parent_name, _, child = name.rpartition(".")
                setattr(self.model.get_submodule(parent_name) if parent_name else self.model, child,
                        module.base_layer)
        return self.model
