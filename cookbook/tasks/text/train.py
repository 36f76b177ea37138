"""Supervised fine-tuning on prompt/completion pairs with any PEFT method that supports the `text` kind, on TRL's
SFTTrainer.

Prompts in the model's own chat format, loss on completions only, fp32 on CPU, held-out eval loss, checkpoints
every `save_steps`, automatic resume, multi-process through `accelerate launch`. Writes the run directory contract
(cookbook/runs.py) through the shared bookkeeping (cookbook/training.py).
"""

from __future__ import annotations

from pathlib import Path

import torch

from cookbook.config import RunConfig
from cookbook.models.prompt_format import PromptFormat, prompt_format
from cookbook.models.resolve import ResolvedModel, load_model, load_tokenizer
from cookbook.peft_methods import PEFT_METHODS
from cookbook.recipe import Recipe
from cookbook.runs import is_main_process
from cookbook.tasks.text.examples import completion_text, prompt_text
from cookbook.tasks.text.trainer import CookbookSFTTrainer
from cookbook.training import (
    add_method_callbacks,
    begin_run,
    calibrate_method,
    finish_run,
    save_adaptation,
    source_notes,
    start_metrics,
    train_and_measure,
    training_arguments,
)

KIND = "text"


def to_dataset(fmt: PromptFormat, system: str, examples):
    from datasets import Dataset

    return Dataset.from_list([{"prompt": prompt_text(fmt, e, system), "completion": completion_text(fmt, e)}
                              for e in examples])


def build_trainer(cfg: RunConfig, recipe: Recipe, run_dir: Path, method: str, resolved: ResolvedModel):
    """Load data, model and adapter and return a ready CookbookSFTTrainer (no side effects on run_dir)."""
    from peft import prepare_model_for_kbit_training
    from trl import SFTConfig

    from cookbook.tasks.text.data import end_of_turn_token, load_train_and_eval

    tokenizer = load_tokenizer(resolved)
    fmt = prompt_format(tokenizer)
    train_rows, eval_rows = load_train_and_eval(cfg, recipe, fmt)  # may refuse the data: before the model loads
    spec = PEFT_METHODS.get(method)
    model = load_model(resolved, quantize_4bit=spec.quantize_4bit)
    if spec.quantize_4bit:
        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=cfg.train.gradient_checkpointing)
    model = spec.attach_to(model, cfg.peft, model.config.model_type, cfg.train.max_steps)
    use_cuda = torch.cuda.is_available()
    args = SFTConfig(
        **training_arguments(cfg, run_dir, bool(eval_rows)),
        lr_scheduler_type="cosine",
        bf16=use_cuda and torch.cuda.is_bf16_supported(),  # CPU: fp32 (bf16 matmuls are ~100x slower here)
        fp16=False,
        # padding-free: TRL does not truncate packed rows, so CookbookSFTTrainer does (truncate_to)
        max_length=None if cfg.train.padding_free else cfg.data.max_seq_len,
        completion_only_loss=True,
        eos_token=end_of_turn_token(fmt),  # the same EOS the data's length check counts
        train_sampling_strategy="group_by_length" if cfg.train.group_by_length else "random",
        padding_free=cfg.train.padding_free,
    )
    return CookbookSFTTrainer(
        model=model, args=args, train_dataset=to_dataset(fmt, recipe.system_prompt, train_rows),
        eval_dataset=to_dataset(fmt, recipe.system_prompt, eval_rows) if eval_rows else None,
        processing_class=tokenizer, loss_impl=cfg.train.loss, loss_chunk_size=cfg.train.loss_chunk_size,
        penalty=spec.penalty, fused_head=cfg.train.fused_head, loss_vocab_block=cfg.train.loss_vocab_block,
        lean_lora=cfg.train.lean_lora, truncate_to=cfg.data.max_seq_len if cfg.train.padding_free else None,
    ), len(train_rows), len(eval_rows)


def train_text(cfg: RunConfig, recipe: Recipe, run_dir: Path) -> dict:
    run = begin_run(cfg, recipe, run_dir, KIND)
    trainer, n_train, n_eval = build_trainer(cfg, recipe, run_dir, run.method, run.resolved)
    add_method_callbacks(trainer, run)
    calibration = calibrate_method(cfg, trainer, run)
    metrics = start_metrics(cfg, run_dir, trainer, run.resolved, run.method, run.reason, n_train, n_eval,
                            run.previous)
    metrics.update(calibration)
    metrics = train_and_measure(cfg, trainer, run, n_eval, metrics)
    if is_main_process():
        metrics.update(save_adaptation(trainer, run, run_dir / "adapter"))
        trainer.processing_class.save_pretrained(str(run_dir / "adapter"))
    notes = [f"Method choice: {run.reason}.", *recipe.notes, *source_notes(run.resolved)]
    finish_run(cfg, run, metrics, notes)
    return metrics
