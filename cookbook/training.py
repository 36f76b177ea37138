"""The run bookkeeping every task kind shares: the run-directory lock, method and model choice, resume (checked
against the run's config), the run-directory metrics, TensorBoard logs and the loss curve, progress records in
every checkpoint, fault injection, and the measured training call.

Task kinds (cookbook/tasks/<kind>/train.py) build their own data and model, on a Trainer subclass that mixes in
cookbook.checkpoints.AtomicCheckpoints; everything about the run directory contract lives here, so a resumed,
interrupted or finished run looks the same whichever task kind made it.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from cookbook.checkpoints import AtomicCheckpoints
from cookbook.config import RunConfig, save_config
from cookbook.fault_injection import signal_callback
from cookbook.models.resolve import ResolvedModel, resolve_model, weights_sha256
from cookbook.plots import loss_curve
from cookbook.run_lock import RunLock, lock_run_dir
from cookbook.run_resume import PROGRESS_FILE, resume_point
from cookbook.runs import LOSS_CURVE, TENSORBOARD_DIR, is_main_process, write_json, write_run_card


def log(msg: str) -> None:
    if is_main_process():
        print(f"[cookbook] {msg}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def tensorboard_available() -> bool:
    from transformers.integrations import is_tensorboard_available

    return is_tensorboard_available()


def training_arguments(cfg: RunConfig, run_dir: Path, has_eval: bool) -> dict:
    """TrainingArguments keywords every trainer shares: schedule, checkpoints (resumable), eval, seeds, CPU/GPU,
    TensorBoard logging (where tensorboard is installed; it is a dependency, but a missing logger must not stop
    a training run)."""
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
        report_to=["tensorboard"] if tensorboard_available() else [],
        dataloader_num_workers=0,
        ddp_find_unused_parameters=False,
        save_only_model=False,
    )


@dataclass
class RunStart:
    method: str
    reason: str  # why this method (the recipe's `auto` choice, or "requested")
    resolved: ResolvedModel
    resume_from: str | None  # checkpoint to resume from
    previous: dict  # the progress totals saved in that checkpoint, {} for a fresh run
    run_dir: Path
    lock: RunLock | None = None  # held from begin_run to finish_run (None on non-main ranks)
    notes: list[str] = field(default_factory=list)  # for the run card: what resuming accepted

    @property
    def spec(self):
        """The method's registry entry: its hooks (attach, callbacks, penalty, save, summary)."""
        from cookbook.peft_methods import PEFT_METHODS

        return PEFT_METHODS.get(self.method)


def begin_run(cfg: RunConfig, recipe, run_dir: Path, kind: str) -> RunStart:
    """Lock the run directory, resolve the method for task kind `kind` (the recipe's `auto` preference, or the
    requested one, checked), find the checkpoint to resume from and check that this config may continue it, then
    resolve the base model and seed. Everything that can refuse the run comes before any model is built."""
    from transformers import set_seed

    from cookbook.peft_methods import resolve_method

    lock = lock_run_dir(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    method, reason = resolve_method(cfg.peft.method, recipe.auto_methods, kind)
    cfg.peft.method = method  # config.yaml records the resolved method, so the resume check compares it too
    log(f"method: {method} ({reason})")
    resume_from, previous, notes = resume_point(cfg, run_dir, log)
    # Resolve (and on first use build) the model before seeding: building a random tiny source seeds torch
    # itself, which would make a first run differ from every later one.
    resolved = resolve_model(cfg.model.source)
    log(f"base model: {resolved.describe()}")
    set_seed(cfg.train.seed)
    return RunStart(method, reason, resolved, resume_from, previous, run_dir, lock, notes)


def source_notes(resolved: ResolvedModel) -> list[str]:
    """What the run card must say about an offline source (e.g. a chat template the cookbook supplied)."""
    from cookbook.models import MODEL_SOURCES

    name = resolved.source.removeprefix("offline:")
    if not resolved.source.startswith("offline:") or name not in MODEL_SOURCES:
        return []
    note = MODEL_SOURCES.get(name).card_note
    return [note] if note else []


def add_method_callbacks(trainer, run: RunStart) -> None:
    """The method's training hooks on a built trainer: its callbacks, and its own optimizer parameter groups (read
    when the trainer creates its optimizer, so the trainer must mix in MethodParamGroups)."""
    from cookbook.method_optimizer import MethodParamGroups

    for callback in run.spec.callbacks(trainer.model):
        trainer.add_callback(callback)
    if not isinstance(trainer, MethodParamGroups):
        if run.spec.param_groups(trainer.model):
            raise TypeError(f"{type(trainer).__name__} must mix in cookbook.method_optimizer.MethodParamGroups: "
                            f"method '{run.method}' trains some parameters in optimizer groups of their own")
        return
    trainer.method_param_groups = run.spec.param_groups


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


def log_to_tensorboard(trainer, run_dir: Path) -> None:
    """Point the Trainer's TensorBoard logger (report_to=["tensorboard"]) at RUN/tensorboard/. transformers 5
    has no `logging_dir` argument: its callback copies $TENSORBOARD_LOGGING_DIR into its `logging_dir` when built
    and opens the writer there when training starts (main process only). Setting the attribute on this trainer's
    callback leaves the environment alone, which later runs in the same process would otherwise inherit."""
    from transformers.integrations import TensorBoardCallback

    for callback in trainer.callback_handler.callbacks:
        if isinstance(callback, TensorBoardCallback):
            callback.logging_dir = str(run_dir / TENSORBOARD_DIR)


def train_and_measure(cfg: RunConfig, trainer, run: RunStart, n_eval: int, metrics: dict) -> dict:
    """Run (or resume) training with progress records and fault hooks; write the loss curve; fill in the final
    metrics."""
    if not isinstance(trainer, AtomicCheckpoints):
        raise TypeError(f"{type(trainer).__name__} must mix in cookbook.checkpoints.AtomicCheckpoints, so that a "
                        "half-written checkpoint is never resumed")
    trainer.add_checkpoint_writer(ProgressRecord(run.previous, trainer))
    log_to_tensorboard(trainer, run.run_dir)
    fault = signal_callback()
    if fault is not None:
        trainer.add_callback(fault)
    t0 = time.time()
    trainer.train(resume_from_checkpoint=run.resume_from)
    segment = time.time() - t0
    eval_loss = trainer.evaluate()["eval_loss"] if n_eval else None
    if is_main_process() and loss_curve(run.run_dir / LOSS_CURVE, trainer.state.log_history):
        metrics["loss_curve"] = LOSS_CURVE

    # every logged (step, loss), so a comparison can draw the methods' convergence side by side
    metrics["loss_history"] = {key: [[h["step"], h[key]] for h in trainer.state.log_history if key in h and "step" in h]
                               for key in ("loss", "eval_loss")}
    losses = [loss for _, loss in metrics["loss_history"]["loss"]]
    runtime = run.previous.get("train_runtime_s", 0.0) + segment
    tokens = run.previous.get("train_tokens", 0) + trainer.tokens_seen * trainer.accelerator.num_processes
    metrics.update(
        train_runtime_s=round(runtime, 2), peak_rss_mb=round(peak_rss_mb(), 1),
        train_tokens=int(tokens), train_tokens_per_s=round(tokens / runtime, 2) if runtime else 0.0,
        train_loss_first=losses[0] if losses else None, train_loss_last=losses[-1] if losses else None,
        eval_loss=eval_loss, steps=trainer.state.global_step,
        completed=trainer.state.global_step >= cfg.train.max_steps,
    )
    return metrics


def train_run(cfg: RunConfig, recipe, run_dir: Path, kind: str, build) -> tuple[RunStart, object, dict]:
    """The whole measured training of a task kind: begin_run, then `build(cfg, recipe, run_dir, method, resolved)`
    -> (trainer, n_train, n_eval), the method's callbacks, metrics.json before the first step, training. Returns
    (run, trainer, metrics); the caller saves what it trained and calls finish_run."""
    run = begin_run(cfg, recipe, run_dir, kind)
    trainer, n_train, n_eval = build(cfg, recipe, run_dir, run.method, run.resolved)
    add_method_callbacks(trainer, run)
    metrics = start_metrics(cfg, run_dir, trainer, run.resolved, run.method, run.reason, n_train, n_eval,
                            run.previous)
    return run, trainer, train_and_measure(cfg, trainer, run, n_eval, metrics)


def finish_run(cfg: RunConfig, run: RunStart, metrics: dict, notes: list[str]) -> None:
    """Write metrics.json and the run card (with what resuming accepted), then release the run directory."""
    if is_main_process():
        write_json(run.run_dir / "metrics.json", metrics)
        write_run_card(run.run_dir, metrics, cfg, [*notes, *run.notes])
    if run.lock is not None:
        run.lock.release()


class ProgressRecord:
    """Writes cumulative runtime and token counts into each checkpoint before it is published, so a resumed run
    reports totals."""

    def __init__(self, previous: dict, trainer):
        self.previous, self.trainer = previous, trainer
        self.start = time.time()

    def __call__(self, folder: Path, state) -> None:
        tokens = self.trainer.tokens_seen * self.trainer.accelerator.num_processes  # same count as metrics.json
        data = {
            "steps": state.global_step,
            "train_runtime_s": self.previous.get("train_runtime_s", 0.0) + time.time() - self.start,
            "train_tokens": self.previous.get("train_tokens", 0) + tokens,
            "model_class": type(self.trainer.model).__name__,
        }
        (folder / PROGRESS_FILE).write_text(json.dumps(data), encoding="utf-8")


def calibration_batches(trainer, n: int):
    """The first `n` batches of the trainer's training data, made only if a method iterates them."""
    if n <= 0:
        return
    for i, batch in enumerate(trainer.get_train_dataloader()):
        if i >= n:
            return
        yield batch


def calibrate_method(cfg: RunConfig, trainer, run: RunStart) -> dict:
    """The method's calibration pass, once per run: a resumed run's checkpoint already holds its result."""
    if run.resume_from is not None:
        return {}
    extra = run.spec.calibrate(trainer.model, calibration_batches(trainer, cfg.peft.calibration_batches))
    if extra:
        log(f"calibration: {extra}")
    return extra
