"""Offline source `tiny-sd`: a random-init Stable-Diffusion-shaped pipeline (UNet 32/64 channels, 2-block VAE,
2-layer CLIP text encoder, CLIP tokenizer built locally), 16x16 images. For tests and pipeline checks only."""

from __future__ import annotations

from pathlib import Path

from cookbook.models.sd_build import SdShape, build_components, save_pipeline
from cookbook.paths import cached_build

FOLDER = "tiny-sd-v1"
SHAPE = SdShape(image_size=16, vocab_size=600)
_CORPUS = ["a photo of a red square on a white background", "a blue circle, a green line, a black dot",
           "the quick brown fox jumps over the lazy dog", "long short wide narrow striped dotted plain",
           "0 1 2 3 4 5 6 7 8 9 . , ; : ! ? ( ) - + /"]


def _fill(work: Path) -> None:
    import torch

    torch.manual_seed(0)
    save_pipeline(build_components(SHAPE, work / "tokenizer", _CORPUS * 4), work)


def ensure() -> Path:
    return cached_build(FOLDER, _fill, marker="model_index.json")
