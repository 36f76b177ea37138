"""Sample grids: the first test prompts drawn with a fixed seed (their own generator, so sampling never moves the
training RNG and a resumed run draws the same grids), saved as RUN/samples/step-N.png and logged to TensorBoard."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image
from transformers import TrainerCallback

from cookbook.config import DiffusionConfig
from cookbook.tasks.diffusion.pipeline import SdParts, sampling_pipeline


def generate(parts: SdParts, unet, prompts: list[str], cfg: DiffusionConfig, resolution: int,
             seed: int | None = None) -> list[np.ndarray]:
    """One uint8 (H, W, 3) image per prompt, each from its own seeded generator."""
    pipe = sampling_pipeline(parts, unet)
    seed = cfg.sample_seed if seed is None else seed
    images = []
    was_training = unet.training
    unet.eval()
    with torch.no_grad():
        for i, prompt in enumerate(prompts):
            out = pipe(prompt, height=resolution, width=resolution, num_inference_steps=cfg.inference_steps,
                       guidance_scale=cfg.guidance_scale, generator=torch.Generator().manual_seed(seed + i),
                       output_type="np")
            images.append((np.clip(out.images[0], 0, 1) * 255).round().astype(np.uint8))
    unet.train(was_training)
    return images


def grid(images: list[np.ndarray], columns: int = 0) -> np.ndarray:
    columns = columns or min(len(images), 8)
    h, w, _ = images[0].shape
    rows = -(-len(images) // columns)
    out = np.full((rows * h, columns * w, 3), 255, dtype=np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, columns)
        out[r * h:(r + 1) * h, c * w:(c + 1) * w] = img
    return out


def save_grid(path: Path, images: list[np.ndarray], upscale: int = 1, columns: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.fromarray(grid(images, columns))
    if upscale > 1:
        img = img.resize((img.width * upscale, img.height * upscale), Image.NEAREST)
    img.save(path)
    return path


class SampleGridCallback(TrainerCallback):
    """Every `cfg.sample_every` optimizer steps (and at the end): a grid into RUN/samples/ and TensorBoard."""

    def __init__(self, parts: SdParts, unet, prompts: list[str], cfg: DiffusionConfig, resolution: int,
                 folder: Path, trainer):
        self.parts, self.unet, self.prompts, self.cfg = parts, unet, prompts, cfg
        self.resolution, self.folder, self.trainer = resolution, folder, trainer

    def draw(self, step: int) -> None:
        images = generate(self.parts, self.unet, self.prompts, self.cfg, self.resolution)
        save_grid(self.folder / f"step-{step:06d}.png", images)
        writer = next((getattr(cb, "tb_writer", None) for cb in self.trainer.callback_handler.callbacks
                       if getattr(cb, "tb_writer", None) is not None), None)
        if writer is not None:
            writer.add_image("samples", grid(images), step, dataformats="HWC")

    def on_step_end(self, args, state, control, **kwargs):
        every = self.cfg.sample_every
        if every and state.global_step % every == 0 and state.is_world_process_zero:
            self.draw(state.global_step)

    def on_train_end(self, args, state, control, **kwargs):
        if state.is_world_process_zero and not (self.folder / f"step-{state.global_step:06d}.png").is_file():
            self.draw(state.global_step)
