"""Training data of the diffusion kind: images scaled to [-1, 1] at the training resolution, captions as token ids,
and each row's index (the evaluation loss draws its noise from it, so it is the same at every evaluation)."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from cookbook.tasks.diffusion.examples import ImageExample


def load_image(path: str, resolution: int) -> torch.Tensor:
    """(3, resolution, resolution) in [-1, 1]."""
    with Image.open(path) as img:
        img = img.convert("RGB")
        if img.size != (resolution, resolution):
            img = img.resize((resolution, resolution), Image.BICUBIC)
        array = np.asarray(img, dtype=np.float32) / 127.5 - 1.0
    return torch.from_numpy(array).permute(2, 0, 1).contiguous()


class ImageCaptionDataset(torch.utils.data.Dataset):
    def __init__(self, examples: list[ImageExample], tokenizer, resolution: int):
        self.examples, self.tok, self.resolution = examples, tokenizer, resolution

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, i: int) -> dict:
        ex = self.examples[i]
        ids = self.tok(ex.prompt, padding="max_length", truncation=True, max_length=self.tok.model_max_length,
                       return_tensors="pt").input_ids[0]
        return {"pixel_values": load_image(ex.image_path, self.resolution), "input_ids": ids,
                "index": torch.tensor(i)}


def collate(items: list[dict]) -> dict:
    return {key: torch.stack([it[key] for it in items]) for key in items[0]}
