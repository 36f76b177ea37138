"""Per-layer rank summaries of a trained adapter, for the rank-distribution plots of the ASR comparison.

S2-LoRA: each adapted layer's rank-coefficient magnitudes |c|; a layer uses the ranks whose c is not exactly 0
(the proximal L1 step sets the others to 0, so a pruned export could drop them), and for reference the count
above 10% of the initial value; plus, when the proximal step ran, the number of zero coefficients after each step
(when the distribution settled). AdaLoRA: the final rank allocation (non-zero singular values lora_E left after
its budget schedule masked the rest).
"""

from __future__ import annotations

USED_FRACTION = 0.1  # S2-LoRA: a coefficient counts as used if |c| > 10% of its initial value


def s2lora_ranks(peft_model, adapter: str = "default") -> dict:
    from cookbook.peft_methods.s2lora import S2LoraLayer

    cfg = peft_model.peft_config[adapter]
    c_init = float(cfg.c_init) or 1.0
    layers = {}
    for name, module in peft_model.named_modules():
        if isinstance(module, S2LoraLayer) and adapter in module.s2lora_c:
            mags = module.s2lora_c[adapter].detach().abs().float()
            layers[_short(name)] = {"abs_c": [round(float(v), 5) for v in mags], "used": int((mags > 0).sum()),
                                    "above_10pct": int((mags > USED_FRACTION * c_init).sum())}
    out = {"method": "s2lora", "threshold": f"c != 0 (of r={cfg.r}; {cfg.sparsity} L1, l1_weight {cfg.l1_weight})",
           "max_rank": int(cfg.r), "layers": layers}
    trace = getattr(peft_model.base_model, "s2lora_zero_trace", None)
    if trace:
        out["zeros_by_step"] = [list(t) for t in trace]
        out["coefficients"] = sum(len(v["abs_c"]) for v in layers.values())
    return out


def adalora_ranks(peft_model, adapter: str = "default") -> dict:
    from peft.tuners.adalora import AdaLoraLayer

    layers = {}
    for name, module in peft_model.named_modules():
        if isinstance(module, AdaLoraLayer) and adapter in module.lora_E:
            e = module.lora_E[adapter].detach().abs().flatten()
            layers[_short(name)] = {"abs_e": [round(float(v), 5) for v in e], "used": int((e > 0).sum())}
    init_r = max((len(v["abs_e"]) for v in layers.values()), default=0)
    return {"method": "adalora", "threshold": f"lora_E != 0 (of init_r={init_r}; AdaLoRA's budget mask)",
            "max_rank": init_r, "layers": layers}


def _short(name: str) -> str:
    """'base_model.model.model.encoder.layers.0.self_attn.q_proj' -> 'encoder.0.self_attn.q_proj'."""
    parts = name.split(".")
    for anchor in ("encoder", "decoder"):
        if anchor in parts:
            i = parts.index(anchor)
            return ".".join([anchor] + [p for p in parts[i + 1:] if p != "layers"])
    return name
