"""A finished diffusion run loaded back: its base pipeline's parts with the adapter on the UNet."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cookbook.models.resolve import resolve_model
from cookbook.peft_methods import PEFT_METHODS, AdaptedModel
from cookbook.runs import finished_run, load_run_config
from cookbook.tasks.diffusion.pipeline import SdParts, load_parts


@dataclass
class DiffusionRun:
    parts: SdParts  # parts.unet is the adapted UNet (the adapter injected in place)
    adapted: AdaptedModel  # .model: the PeftModel; .base_mode(): a context where the UNet is the base
    resolution: int
    method: str
    run_dir: Path

    @property
    def unet(self):
        return self.parts.unet


def load_diffusion_run(run_dir: str | Path) -> DiffusionRun:
    adapter, metrics = finished_run(Path(run_dir))
    cfg = load_run_config(run_dir)
    parts = load_parts(resolve_model(cfg.model.source))
    adapted = PEFT_METHODS.get(metrics["method"]).load(parts.unet, adapter)
    resolution = int(metrics.get("resolution") or cfg.diffusion.resolution or parts.default_resolution)
    return DiffusionRun(parts, adapted, resolution, metrics["method"], Path(run_dir))
