"""Fine-tuning a diffusers UNet with any PEFT method that supports the `diffusion` kind, on transformers' Trainer
(resume, progress, TensorBoard and the run directory come from cookbook.training). The frozen VAE and text encoder
live on the trainer; the trained model is the PeftModel over the UNet."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import Trainer, TrainingArguments
from transformers.integrations import TensorBoardCallback

from cookbook.checkpoints import AtomicCheckpoints
from cookbook.config import RunConfig
from cookbook.method_optimizer import MethodParamGroups
from cookbook.peft_methods import PEFT_METHODS
from cookbook.recipe import Recipe
from cookbook.runs import is_main_process
from cookbook.tasks.diffusion.data import ImageCaptionDataset, collate
from cookbook.tasks.diffusion.loss import diffusion_loss
from cookbook.tasks.diffusion.pipeline import MODEL_TYPE, SdParts, encode_prompts, load_parts
from cookbook.tasks.diffusion.sampling import SampleGridCallback
from cookbook.tasks.eval_rows import eval_rows
from cookbook.training import finish_run, save_adaptation, train_run, training_arguments

KIND = "diffusion"
SAMPLES_DIR = "samples"


def latents_of(parts: SdParts, pixel_values: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return parts.vae.encode(pixel_values).latent_dist.mode() * parts.vae.config.scaling_factor


class UnetTensorBoard(TensorBoardCallback):
    """transformers' TensorBoard logger, minus its model-config text: a diffusers config (FrozenDict) has no
    `to_json_string`, and the run's config.yaml says it all anyway."""

    def on_train_begin(self, args, state, control, **kwargs):
        kwargs.pop("model", None)
        super().on_train_begin(args, state, control, **kwargs)


class DiffusionTrainer(MethodParamGroups, AtomicCheckpoints, Trainer):
    """The noise-prediction loss (min-SNR weighted while training if asked; plain MSE with per-row seeded noise for
    the evaluation loss, so runs and methods compare) plus the method's own penalty; counts images seen."""

    def __init__(self, *args, parts: SdParts, run_cfg: RunConfig, penalty=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.parts, self.run_cfg = parts, run_cfg
        self.penalty = penalty or (lambda model: 0.0)
        self.tokens_seen = 0  # images, for the shared bookkeeping's throughput
        self.empty_text = encode_prompts(parts, [""])
        for callback in self.callback_handler.callbacks:
            if type(callback) is TensorBoardCallback:
                callback.__class__ = UnetTensorBoard

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        latents = latents_of(self.parts, inputs["pixel_values"])
        with torch.no_grad():
            text = self.parts.text_encoder(inputs["input_ids"])[0]
        cfg = self.run_cfg.diffusion
        if model.training:
            self.tokens_seen += latents.shape[0]
            drop = torch.rand(latents.shape[0]) < cfg.caption_dropout
            text = torch.where(drop[:, None, None].to(text.device), self.empty_text.to(text), text)
            loss = diffusion_loss(model, self.parts.noise_scheduler, latents, text, cfg.min_snr_gamma)
            loss = loss + self.penalty(self.model)
        else:
            loss = diffusion_loss(model, self.parts.noise_scheduler, latents, text, 0.0, seeds=inputs["index"])
        return (loss, {}) if return_outputs else loss


def attach_method(unet, cfg: RunConfig, method: str):
    return PEFT_METHODS.get(method).attach_to(unet, cfg.peft, MODEL_TYPE, cfg.train.max_steps)


def resolution_for(cfg: RunConfig, parts: SdParts) -> int:
    return cfg.diffusion.resolution or parts.default_resolution


def build_diffusion_trainer(cfg: RunConfig, recipe: Recipe, run_dir: Path, method: str, resolved):
    train_rows = recipe.load_examples(cfg.data, "train")
    if cfg.data.max_train_samples:
        train_rows = train_rows[: cfg.data.max_train_samples]
    # data.eval_samples = 0: no evaluation loss (as in the text kinds), not every row
    loss_rows = (eval_rows(recipe.load_examples(cfg.data, recipe.loss_split()), cfg.data.eval_samples)
                 if cfg.data.eval_samples else [])
    parts = load_parts(resolved)
    resolution = resolution_for(cfg, parts)
    model = attach_method(parts.unet, cfg, method)
    args = TrainingArguments(**training_arguments(cfg, run_dir, bool(loss_rows)),
                             lr_scheduler_type="constant_with_warmup", label_names=["pixel_values"],
                             remove_unused_columns=False)
    trainer = DiffusionTrainer(
        model=model, args=args, data_collator=collate,
        train_dataset=ImageCaptionDataset(train_rows, parts.tokenizer, resolution),
        eval_dataset=ImageCaptionDataset(loss_rows, parts.tokenizer, resolution) if loss_rows else None,
        parts=parts, run_cfg=cfg, penalty=PEFT_METHODS.get(method).penalty,
    )
    prompts = [ex.prompt for ex in (loss_rows or train_rows)[: cfg.diffusion.sample_prompts]]
    if prompts and is_main_process():
        trainer.add_callback(SampleGridCallback(parts, model.get_base_model(), prompts, cfg.diffusion, resolution,
                                                run_dir / SAMPLES_DIR, trainer))
    return trainer, len(train_rows), len(loss_rows)


def train_diffusion(cfg: RunConfig, recipe: Recipe, run_dir: Path) -> dict:
    run, trainer, metrics = train_run(cfg, recipe, run_dir, KIND, build_diffusion_trainer)
    metrics["resolution"] = resolution_for(cfg, trainer.parts)
    metrics["sample_grids"] = SAMPLES_DIR
    if is_main_process():
        metrics.update(save_adaptation(trainer, run, run_dir / "adapter"))
    finish_run(cfg, run, metrics, [f"Method choice: {run.reason}.", *recipe.notes,
                                   "train_tokens counts training images (train_tokens_per_s: images per second).",
                                   f"Sample grids every {cfg.diffusion.sample_every or 'end-of-run'} steps in "
                                   f"{SAMPLES_DIR}/."])
    return metrics
