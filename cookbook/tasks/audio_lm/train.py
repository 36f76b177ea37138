"""Text-to-audio LM fine-tuning of MusicGen-style models with any PEFT method that supports the `audio_lm` kind:
EnCodec codes with the delay pattern, per-codebook cross-entropy (padding masked), CFG dropout of the text, fp32, on
transformers' Trainer with the shared run bookkeeping (resume, progress, TensorBoard, run card)."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import Trainer, TrainingArguments

from cookbook.checkpoints import AtomicCheckpoints
from cookbook.config import RunConfig
from cookbook.errors import CookbookError
from cookbook.method_optimizer import MethodParamGroups
from cookbook.recipe import Recipe
from cookbook.runs import is_main_process
from cookbook.tasks.audio_lm.codes import codebook_cross_entropy
from cookbook.tasks.audio_lm.data import MusicCodesDataset, MusicCollator
from cookbook.tasks.audio_lm.model import load_musicgen
from cookbook.tasks.eval_rows import eval_rows
from cookbook.training import (
    add_method_callbacks,
    begin_run,
    finish_run,
    save_adaptation,
    start_metrics,
    train_and_measure,
    training_arguments,
)

KIND = "audio_lm"


class NonFiniteLoss(CookbookError):
    exit_code = 1


class AudioLmTrainer(MethodParamGroups, AtomicCheckpoints, Trainer):
    """Computes the codebook cross-entropy itself (MusicGen's built-in loss expects undelayed labels), adds the
    method's penalty, counts label tokens, and stops on a non-finite loss with a message saying what to change."""

    def __init__(self, *args, penalty=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tokens_seen = 0
        self.penalty = penalty or (lambda model: 0.0)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        loss, n = codebook_cross_entropy(outputs.logits, labels)
        if model.training:
            self.tokens_seen += n
            loss = loss + self.penalty(self.model)
        if not torch.isfinite(loss):
            raise NonFiniteLoss(f"non-finite training loss ({loss.item()}) at step {self.state.global_step}: lower "
                                "train.lr, keep fp32 (no fp16/bf16 on CPU), or check the audio for NaNs/silence")
        return (loss, outputs) if return_outputs else loss


def attach_method(model, cfg: RunConfig, method: str):
    from cookbook.peft_methods import PEFT_METHODS

    return PEFT_METHODS.get(method).attach_to(model, cfg.peft, model.config.model_type, cfg.train.max_steps)


def build_audio_lm_trainer(cfg: RunConfig, recipe: Recipe, run_dir: Path, method: str, resolved):
    train_rows = recipe.load_examples(cfg.data, "train")
    if cfg.data.max_train_samples:
        train_rows = train_rows[: cfg.data.max_train_samples]
    # data.eval_samples = 0: no evaluation loss (as in the text kinds), not every row
    loss_rows = (eval_rows(recipe.load_examples(cfg.data, recipe.loss_split()), cfg.data.eval_samples)
                 if cfg.data.eval_samples else [])
    base, tokenizer, rate = load_musicgen(resolved)
    base.config.use_cache = False
    train_set = MusicCodesDataset(train_rows, base, rate, cfg.data.max_audio_s, progress=is_main_process())
    eval_set = MusicCodesDataset(loss_rows, base, rate, cfg.data.max_audio_s, progress=False) if loss_rows else None
    model = attach_method(base, cfg, method)
    args = TrainingArguments(**training_arguments(cfg, run_dir, bool(loss_rows)), lr_scheduler_type="linear",
                             remove_unused_columns=False, label_names=["labels"])
    collator = MusicCollator(tokenizer, base.decoder, cfg.train.cfg_dropout)
    from cookbook.peft_methods import PEFT_METHODS

    trainer = AudioLmTrainer(model=model, args=args, data_collator=collator, train_dataset=train_set,
                             eval_dataset=eval_set, penalty=PEFT_METHODS.get(method).penalty)
    return trainer, tokenizer, len(train_rows), len(loss_rows)


def train_audio_lm(cfg: RunConfig, recipe: Recipe, run_dir: Path) -> dict:
    run = begin_run(cfg, recipe, run_dir, KIND)
    trainer, tokenizer, n_train, n_eval = build_audio_lm_trainer(cfg, recipe, run_dir, run.method, run.resolved)
    add_method_callbacks(trainer, run)
    metrics = start_metrics(cfg, run_dir, trainer, run.resolved, run.method, run.reason, n_train, n_eval,
                            run.previous)
    metrics = train_and_measure(cfg, trainer, run, n_eval, metrics)
    adapter = run_dir / "adapter"
    if is_main_process():
        metrics.update(save_adaptation(trainer, run, adapter))
        tokenizer.save_pretrained(str(adapter))
    finish_run(cfg, run, metrics, [f"Method choice: {run.reason}.", *recipe.notes,
                                   "train_tokens counts EnCodec code labels (frames x codebooks, delay padding "
                                   "excluded)."])
    return metrics
