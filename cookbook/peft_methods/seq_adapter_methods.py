"""The registry entries: `conv_adapter` and `transformer_adapter` (audio-LM kind), built from the cookbook's
PeftConfig (peft.adapter_size, peft.adapter_layers, peft.adapter_kernel)."""

from __future__ import annotations

from cookbook.peft_methods.method import PeftMethod, _peft_load, register

AUDIO_LM = "audio_lm"
SIZES = ("small", "medium", "large")  # SeqAdapterConfig's presets by parameter count


def _targets(cfg, model_type: str):
    from cookbook.peft_methods.seq_adapters.model import DEFAULT_TARGETS

    if cfg.target_modules:
        return list(cfg.target_modules)
    if model_type not in DEFAULT_TARGETS:
        return None  # the tuner says which model types it knows
    pattern = DEFAULT_TARGETS[model_type]
    if cfg.adapter_layers:
        pattern = pattern.replace(r"\d+", "(" + "|".join(str(i) for i in cfg.adapter_layers) + ")")
    return pattern


def _builder(adapter_type: str):
    def build(cfg, model_type: str, total_steps: int):
        from cookbook.peft_methods.seq_adapters import SeqAdapterConfig

        return SeqAdapterConfig(adapter_type=adapter_type, size=cfg.adapter_size, kernel_size=cfg.adapter_kernel,
                                target_modules=_targets(cfg, model_type))

    return build


def _load(base, folder):
    from cookbook.peft_methods import seq_adapters  # noqa: F401  registers the peft type before loading

    return _peft_load(base, folder)


register(PeftMethod("conv_adapter", "convolutional adapter (Mehta et al. 2025, arXiv:2506.21298): a causal "
                    "depthwise-conv bottleneck after decoder layers (zero-init residual; peft.adapter_size "
                    "small/medium/large by parameter count)", _builder("conv"), (AUDIO_LM,), load=_load,
                    sizes=SIZES))
register(PeftMethod("transformer_adapter", "transformer adapter (Mehta et al. 2025, arXiv:2506.21298): a causal "
                    "self-attention bottleneck after decoder layers (zero-init residual; peft.adapter_size "
                    "small/medium/large by parameter count)", _builder("transformer"), (AUDIO_LM,),
                    load=_load, sizes=SIZES))
