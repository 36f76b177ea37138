"""BitFit (Ben Zaken et al.): fine-tune only the bias terms. Not a peft method (peft has none): the trainer freezes
everything else, and the "adapter" is just the trained biases plus a small adapter_config.json.

Saved as adapter/bitfit_biases.safetensors so a run directory still holds only what training changed.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import torch

from cookbook.errors import CookbookError
from cookbook.peft_methods.method import AdaptedModel, PeftMethod, register

CONFIG_FILE = "adapter_config.json"
WEIGHTS_FILE = "bitfit_biases.safetensors"
PEFT_TYPE = "BITFIT"


def bias_names(model: torch.nn.Module) -> list[str]:
    return [n for n, _ in model.named_parameters() if n.endswith(".bias")]


def apply_bitfit(model: torch.nn.Module) -> torch.nn.Module:
    """Freeze every parameter except biases (in place). Fails on models without biases (Gemma, Llama)."""
    names = set(bias_names(model))
    if not names:
        raise CookbookError(f"BitFit: {type(model).__name__} has no bias parameters to train; pick another method")
    for name, p in model.named_parameters():
        p.requires_grad_(name in names)
    return model


def save_bitfit(model: torch.nn.Module, folder: str | Path, base_model: str) -> None:
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {n: p.detach().cpu().contiguous() for n, p in model.named_parameters() if n.endswith(".bias")}
    save_file(tensors, str(folder / WEIGHTS_FILE))
    (folder / CONFIG_FILE).write_text(json.dumps({"peft_type": PEFT_TYPE, "base_model_name_or_path": base_model,
                                                  "n_biases": len(tensors)}, indent=2) + "\n", encoding="utf-8")


def is_bitfit_adapter(folder: str | Path) -> bool:
    cfg = Path(folder) / CONFIG_FILE
    return cfg.is_file() and json.loads(cfg.read_text(encoding="utf-8")).get("peft_type") == PEFT_TYPE


def load_bitfit(model: torch.nn.Module, folder: str | Path) -> dict[str, torch.Tensor]:
    """Put the saved biases into `model`; return the base model's own biases (for `base_biases`)."""
    from safetensors.torch import load_file

    saved = load_file(str(Path(folder) / WEIGHTS_FILE))
    params = dict(model.named_parameters())
    unknown = sorted(set(saved) - set(params))
    if unknown:
        raise CookbookError(f"{folder}: BitFit biases do not match this model (e.g. {unknown[0]})")
    original = {n: params[n].detach().clone() for n in saved}
    with torch.no_grad():
        for n, t in saved.items():
            params[n].copy_(t)
    return original


@contextmanager
def base_biases(model: torch.nn.Module, original: dict[str, torch.Tensor]):
    """Temporarily restore the base model's biases (BitFit's `disable_adapter`)."""
    params = dict(model.named_parameters())
    tuned = {n: params[n].detach().clone() for n in original}
    with torch.no_grad():
        for n, t in original.items():
            params[n].copy_(t)
    try:
        yield model
    finally:
        with torch.no_grad():
            for n, t in tuned.items():
                params[n].copy_(t)


def _attach(method, model, cfg, model_type: str, total_steps: int):
    return apply_bitfit(model)


def _load(base, folder) -> AdaptedModel:
    original = load_bitfit(base, folder)
    base.eval()
    return AdaptedModel(base, lambda: base_biases(base, original))


# Text models without biases (Gemma, Llama, Qwen's MLP) leave BitFit little to train, so it is offered for ASR.
register(PeftMethod("bitfit", "BitFit (Ben Zaken et al. 2021, arXiv:2106.10199): train only the bias terms (models "
                    "with biases)", None, ("asr",),
                    attach=_attach, save=lambda model, folder, base_model: save_bitfit(model, folder, base_model),
                    load=_load))
