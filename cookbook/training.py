"""The run bookkeeping every task kind shares: method and model choice, resume, the run-directory metrics,
progress and fault-injection callbacks, and the measured training call.

Task kinds (cookbook/tasks/<kind>/train.py) build their own data and model; everything about the run directory
contract lives here, so a resumed, interrupted or finished run looks the same whichever task kind made it.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import TrainerCallback
from transformers.trainer_utils import get_last_checkpoint

from cookbook.config import RunConfig, save_config
from cookbook.errors import ConfigError
from cookbook.models.resolve import ResolvedModel, resolve_model, weights_sha256
from cookbook.runs import is_main_process, read_json, write_json, write_run_card

PROGRESS_FILE = "cookbook_progress.json"


def last_checkpoint(folder: Path) -> str | None:
    return get_last_checkpoint(str(folder)) if Path(folder).is_dir() else None


def log(msg: str) -> None:
    if is_main_process():
        print(f"[cookbook] {msg}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def training_arguments(cfg: RunConfig, run_dir: Path, has_eval: bool) -> dict:
    """TrainingArguments keywords every trainer shares: schedule, checkpoints (resumable), eval, seeds, CPU/GPU."""
    return dict(
        output_dir=str(run_dir / "checkpoints"),
        max_steps=cfg.train.max_steps,
        per_device_train_batch_size=cfg.train.batch_size,
        per_device_eval_batch_size=cfg.train.batch_size,
        gradient_accumulation_steps=cfg.train.grad_accum,
        learning_rate=cfg.train.lr,
        warmup_steps=max(1, int(cfg.train.warmup_ratio * cfg.train.max_steps)),
        weight_decay=cfg.train.weight_decay,
        logging_steps=cfg.train.logging_steps,
        logging_first_step=True,
        save_strategy="steps",
        save_steps=cfg.train.save_steps,
        save_total_limit=2,
        eval_strategy="steps" if has_eval else "no",
        eval_steps=cfg.train.eval_steps,
        prediction_loss_only=True,
        use_cpu=not torch.cuda.is_available(),
        gradient_checkpointing=cfg.train.gradient_checkpointing,
        seed=cfg.train.seed,
        data_seed=cfg.train.seed,
        report_to=[],
        dataloader_num_workers=0,
        ddp_find_unused_parameters=False,
        save_only_model=False,
    )


def resume_point(cfg: RunConfig, run_dir: Path) -> tuple[str | None, dict]:
    """(checkpoint to resume from or None, the progress totals saved beside it)."""
    resume_from = None if cfg.train.resume == "never" else last_checkpoint(run_dir / "checkpoints")
    if cfg.train.resume == "always" and resume_from is None:
        raise ConfigError(f"train.resume=always but {run_dir / 'checkpoints'} holds no checkpoint")
    if resume_from:
        log(f"resuming from {resume_from}")
    return resume_from, (read_json(Path(resume_from) / PROGRESS_FILE) if resume_from else {})


@dataclass
class RunStart:
    method: str
    reason: str  # why this method (the recipe's `auto` choice, or "requested")
    resolved: ResolvedModel
    resume_from: str | None  # checkpoint to resume from
    previous: dict  # metrics.json of the interrupted run, {} for a fresh one

    @property
    def spec(self):
        """The method's registry entry: its hooks (attach, callbacks, penalty, save, summary)."""
        from cookbook.peft_methods import PEFT_METHODS

        return PEFT_METHODS.get(self.method)


def begin_run(cfg: RunConfig, recipe, run_dir: Path, kind: str) -> RunStart:
    """Resolve the method for task kind `kind` (the recipe's `auto` preference, or the requested one, checked),
    seed, resolve the base model, create the run directory and find the checkpoint to resume from."""
    from transformers import set_seed

    from cookbook.peft_methods import resolve_method

    method, reason = resolve_method(cfg.peft.method, recipe.auto_methods, kind)
    cfg.peft.method = method
    log(f"method: {method} ({reason})")
    # Resolve (and on first use build) the model before seeding: building a random tiny source seeds torch
    # itself, which would make a first run differ from every later one.
    resolved = resolve_model(cfg.model.source)
    log(f"base model: {resolved.describe()}")
    set_seed(cfg.train.seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    resume_from, previous = resume_point(cfg, run_dir)
    return RunStart(method, reason, resolved, resume_from, previous)


def source_notes(resolved: ResolvedModel) -> list[str]:
    """What the run card must say about an offline source (e.g. a chat template the cookbook supplied)."""
    from cookbook.models import MODEL_SOURCES

    name = resolved.source.removeprefix("offline:")
    if not resolved.source.startswith("offline:") or name not in MODEL_SOURCES:
        return []
    note = MODEL_SOURCES.get(name).card_note
    return [note] if note else []


def add_method_callbacks(trainer, run: RunStart) -> None:
    for callback in run.spec.callbacks(trainer.model):
        trainer.add_callback(callback)


def save_adaptation(trainer, run: RunStart, folder: Path) -> dict:
    """Save what training changed (the method's own format) and return its summary for metrics.json."""
    run.spec.save(trainer.model, folder, run.resolved.spec)
    return run.spec.summary(trainer.model)


def count_parameters(model) -> tuple[int, int]:
    if hasattr(model, "get_nb_trainable_parameters"):
        trainable, total = model.get_nb_trainable_parameters()
        return int(trainable), int(total)
    params = list(model.parameters())
    return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)


def start_metrics(cfg: RunConfig, run_dir: Path, trainer, resolved: ResolvedModel, method: str, reason: str,
                  n_train: int, n_eval: int, previous: dict) -> dict:
    """metrics.json with `completed: false` (and config.yaml), written before the first step."""
    trainable, total = count_parameters(trainer.model)
    metrics = {
        "domain": cfg.domain, "method": method, "method_reason": reason, "base_model": resolved.spec,
        "model_source": resolved.describe(), "weights_sha256": weights_sha256(resolved) if is_main_process() else "",
        "trainable_params": trainable, "total_params": total, "train_examples": n_train,
        "eval_examples": n_eval, "device": "cuda" if torch.cuda.is_available() else f"cpu x{torch.get_num_threads()}",
        "num_processes": trainer.accelerator.num_processes,
        "completed": False, "steps": previous.get("steps", 0),
    }
    if is_main_process():
        save_config(cfg, run_dir / "config.yaml")
        write_json(run_dir / "metrics.json", metrics)
    return metrics


def train_and_measure(cfg: RunConfig, trainer, resume_from: str | None, previous: dict, n_eval: int,
                      metrics: dict) -> dict:
    """Run (or resume) training with the progress/fault callbacks; fill in the final metrics."""
    trainer.add_callback(ProgressCallback(previous, PROGRESS_FILE, trainer))
    if os.environ.get("COOKBOOK_FAULT"):
        trainer.add_callback(FaultInjectionCallback(os.environ["COOKBOOK_FAULT"]))
    t0 = time.time()
    trainer.train(resume_from_checkpoint=resume_from)
    segment = time.time() - t0
    eval_loss = trainer.evaluate()["eval_loss"] if n_eval else None

    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    runtime = previous.get("train_runtime_s", 0.0) + segment
    tokens = previous.get("train_tokens", 0) + trainer.tokens_seen * trainer.accelerator.num_processes
    metrics.update(
        train_runtime_s=round(runtime, 2), peak_rss_mb=round(peak_rss_mb(), 1),
        train_tokens=int(tokens), train_tokens_per_s=round(tokens / runtime, 2) if runtime else 0.0,
        train_loss_first=losses[0] if losses else None, train_loss_last=losses[-1] if losses else None,
        eval_loss=eval_loss, steps=trainer.state.global_step,
        completed=trainer.state.global_step >= cfg.train.max_steps,
    )
    return metrics


def finish_run(cfg: RunConfig, run_dir: Path, metrics: dict, notes: list[str]) -> None:
    if is_main_process():
        write_json(run_dir / "metrics.json", metrics)
        write_run_card(run_dir, metrics, cfg, notes)


class ProgressCallback(TrainerCallback):
    """Stores cumulative runtime and token counts beside each checkpoint, so a resumed run reports totals."""

    def __init__(self, previous: dict, filename: str, trainer):
        self.previous, self.filename, self.trainer = previous, filename, trainer
        self.start = time.time()

    def on_save(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        model = kwargs.get("model")
        ckpt = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        tokens = self.trainer.tokens_seen * self.trainer.accelerator.num_processes  # same count as metrics.json
        data = {
            "steps": state.global_step,
            "train_runtime_s": self.previous.get("train_runtime_s", 0.0) + time.time() - self.start,
            "train_tokens": self.previous.get("train_tokens", 0) + tokens,
            "model_class": type(model).__name__ if model is not None else "",
        }
        if ckpt.is_dir():
            (ckpt / self.filename).write_text(json.dumps(data), encoding="utf-8")


class FaultInjectionCallback(TrainerCallback):
    """Test hook: `COOKBOOK_FAULT=STEP:SIGNAL` sends SIGNAL (KILL, INT, TERM) to this process right after the
    checkpoint of STEP is saved, so tests can prove an interrupted run resumes and is never marked completed."""

    def __init__(self, spec: str):
        step, _, sig = spec.partition(":")
        self.step, self.signal = int(step), getattr(signal, f"SIG{sig or 'KILL'}")

    def on_save(self, args, state, control, **kwargs):
        if state.global_step >= self.step:
            os.kill(os.getpid(), self.signal)
