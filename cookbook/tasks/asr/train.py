"""Seq2seq fine-tuning of Whisper with any PEFT method that supports the `asr` kind (its callbacks, loss penalty
and saving come from its registry entry), on transformers' Seq2SeqTrainer. Writes the same run directory as SFT."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments

from cookbook.checkpoints import AtomicCheckpoints
from cookbook.config import RunConfig
from cookbook.method_optimizer import MethodParamGroups
from cookbook.models.resolve import ResolvedModel
from cookbook.models.whisper import load_whisper
from cookbook.peft_methods import PEFT_METHODS
from cookbook.recipe import Recipe
from cookbook.runs import is_main_process
from cookbook.tasks.asr.data import WhisperAsrDataset, WhisperCollator
from cookbook.training import (
    add_method_callbacks,
    begin_run,
    finish_run,
    save_adaptation,
    start_metrics,
    train_and_measure,
    training_arguments,
)

KIND = "asr"


class AsrTrainer(MethodParamGroups, AtomicCheckpoints, Seq2SeqTrainer):
    """Adds the PEFT method's own regulariser (e.g. S2-LoRA's L1) to the loss and counts label tokens; checkpoints
    are complete or absent (AtomicCheckpoints)."""

    def __init__(self, *args, penalty=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tokens_seen = 0
        self.penalty = penalty or (lambda model: 0.0)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if model.training:
            self.tokens_seen += int((inputs["labels"] != -100).sum())
        result = super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        if isinstance(result, tuple):
            return (result[0] + self.penalty(self.model), result[1])
        return result + self.penalty(self.model)


def attach_method(model, cfg: RunConfig, method: str):
    """The base model with the method applied (a PeftModel, or the model itself with only biases trainable)."""
    return PEFT_METHODS.get(method).attach_to(model, cfg.peft, model.config.model_type, cfg.train.max_steps)


def build_asr_trainer(cfg: RunConfig, recipe: Recipe, run_dir: Path, method: str, resolved: ResolvedModel):
    train_rows = recipe.load_examples(cfg.data, "train")
    if cfg.data.max_train_samples:
        train_rows = train_rows[: cfg.data.max_train_samples]
    eval_rows = recipe.load_examples(cfg.data, recipe.loss_split())[: cfg.data.eval_samples]
    base, processor = load_whisper(resolved)
    base.config.use_cache = False  # training: no KV cache
    model = attach_method(base, cfg, method)
    use_cuda = torch.cuda.is_available()
    args = Seq2SeqTrainingArguments(
        **training_arguments(cfg, run_dir, bool(eval_rows)),
        lr_scheduler_type="linear",
        predict_with_generate=False,
        label_names=["labels"],  # PeftModel's forward(*args, **kwargs) hides them from the Trainer's inspection
        remove_unused_columns=False,
        fp16=use_cuda,
    )
    collator = WhisperCollator(base.config.decoder_start_token_id)
    trainer = AsrTrainer(
        model=model, args=args, data_collator=collator, processing_class=processor.feature_extractor,
        train_dataset=WhisperAsrDataset(train_rows, processor.feature_extractor, processor.tokenizer),
        eval_dataset=WhisperAsrDataset(eval_rows, processor.feature_extractor, processor.tokenizer) if eval_rows
        else None,
        penalty=PEFT_METHODS.get(method).penalty,
    )
    return trainer, processor, len(train_rows), len(eval_rows)


def train_asr(cfg: RunConfig, recipe: Recipe, run_dir: Path) -> dict:
    run = begin_run(cfg, recipe, run_dir, KIND)
    trainer, processor, n_train, n_eval = build_asr_trainer(cfg, recipe, run_dir, run.method, run.resolved)
    add_method_callbacks(trainer, run)
    metrics = start_metrics(cfg, run_dir, trainer, run.resolved, run.method, run.reason, n_train, n_eval,
                            run.previous)
    metrics = train_and_measure(cfg, trainer, run, n_eval, metrics)
    adapter = run_dir / "adapter"
    if is_main_process():
        metrics.update(save_adaptation(trainer, run, adapter))
        processor.save_pretrained(str(adapter))
    finish_run(cfg, run, metrics, [f"Method choice: {run.reason}.", *recipe.notes,
                                       "train_tokens counts transcript (label) tokens."])
    return metrics
