"""Text-to-image: fine-tuning a Stable-Diffusion-shaped pipeline's UNet (its attention projections) on (image,
caption) pairs with any PEFT method that supports the `diffusion` kind (NeRA, LoRA, DoRA, LoKr, LoHa), by the
noise-prediction loss (optionally min-SNR weighted); sample grids while training; evaluated by the denoising loss on
each test split with and without the adaptation, plus the recipe's own image metrics."""

from __future__ import annotations

from cookbook.tasks import TaskKind, lazy
from cookbook.tasks.diffusion.examples import ImageExample

TASK = TaskKind(
    name="diffusion", description="text-to-image: UNet adapters trained on (image, caption) pairs",
    example_type=ImageExample,
    train=lazy("cookbook.tasks.diffusion.train", "train_diffusion"),
    load_run=lazy("cookbook.tasks.diffusion.inference", "load_diffusion_run"),
    evaluate=lazy("cookbook.tasks.diffusion.evaluate", "evaluate_diffusion"),
    compare=lazy("cookbook.tasks.evaluated_compare", "compare_evaluated"),
)
