"""Per-layer rank summaries of a trained adapter, for the rank-distribution plots of the ASR comparison.

S2-LoRA: each adapted layer's rank-coefficient magnitudes |c| (the L1 penalty pushes them down; a layer "uses" the
ranks whose |c| stays above a threshold). AdaLoRA: the final rank allocation (non-zero singular values lora_E left
after its budget schedule masked the rest).
"""

from __future__ import annotations

USED_FRACTION = 0.1  # S2-LoRA: a coefficient counts as used if |c| > 10% of its initial value


def s2lora_ranks(peft_model, adapter: str = "default") -> dict:
    from cookbook.peft_methods.s2lora import S2LoraLayer

    c_init = float(peft_model.peft_config[adapter].c_init) or 1.0
    layers = {}
    for name, module in peft_model.named_modules():
        if isinstance(module, S2LoraLayer) and adapter in module.s2lora_c:
            mags = module.s2lora_c[adapter].detach().abs().float()
            layers[_short(name)] = {"abs_c": [round(float(v), 5) for v in mags],
                                    "used": int((mags > USED_FRACTION * c_init).sum())}
    return {"method": "s2lora", "threshold": f"|c| > {USED_FRACTION} x c_init ({c_init})", "layers": layers}


def adalora_ranks(peft_model, adapter: str = "default") -> dict:
    from peft.tuners.adalora import AdaLoraLayer

    layers = {}
    for name, module in peft_model.named_modules():
        if isinstance(module, AdaLoraLayer) and adapter in module.lora_E:
            e = module.lora_E[adapter].detach().abs().flatten()
            layers[_short(name)] = {"abs_e": [round(float(v), 5) for v in e], "used": int((e > 0).sum())}
    return {"method": "adalora", "threshold": "lora_E != 0 (AdaLoRA's budget mask)", "layers": layers}


def _short(name: str) -> str:
    """'base_model.model.model.encoder.layers.0.self_attn.q_proj' -> 'encoder.0.self_attn.q_proj'."""
    parts = name.split(".")
    for anchor in ("encoder", "decoder"):
        if anchor in parts:
            i = parts.index(anchor)
            return ".".join([anchor] + [p for p in parts[i + 1:] if p != "layers"])
    return name
