"""The run directory contract: adapter/, config.yaml, metrics.json, README.md (run card), loss_curve.png,
tensorboard/, checkpoints/, train.lock."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from cookbook.config import RunConfig

METRIC_KEYS = ["domain", "method", "base_model", "trainable_params", "total_params", "train_runtime_s",
               "peak_rss_mb", "train_tokens_per_s", "train_loss_first", "train_loss_last", "eval_loss", "steps",
               "completed"]
TENSORBOARD_DIR = "tensorboard"  # RUN/tensorboard/: `tensorboard --logdir runs/` shows every run side by side
LOSS_CURVE = "loss_curve.png"


def is_main_process() -> bool:
    """Rank 0 of a multi-process launch (RANK, as torchrun and accelerate set it; LOCAL_RANK where a launcher sets
    only that), or a plain single process."""
    for var in ("RANK", "LOCAL_RANK"):
        if os.environ.get(var, "").strip():
            return int(os.environ[var]) == 0
    return True


def run_dir_for(cfg: RunConfig) -> Path:
    if cfg.output_dir:
        return Path(cfg.output_dir)
    return Path("runs") / cfg.domain / time.strftime("%Y%m%d-%H%M%S")


def write_json(path: Path, data: dict) -> None:
    """Atomic write: a reader never sees half a file, a kill never leaves one."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8")) if Path(path).is_file() else {}


def finished_run(run_dir: Path) -> tuple[Path, dict]:
    """(adapter folder, metrics) of a finished run directory, or a one-line CookbookError saying how to make one.
    Every reader of a run (eval, demo, judge, lm-eval) checks it here."""
    from cookbook.errors import CookbookError

    adapter = Path(run_dir) / "adapter"
    metrics = read_json(Path(run_dir) / "metrics.json")
    if not metrics:
        raise CookbookError(f"{run_dir}: not a finished run directory: no metrics.json (is this a run "
                            "directory from `make finetune`?)")
    if not (adapter / "adapter_config.json").is_file():
        raise CookbookError(f"{run_dir}: not a finished run directory: no adapter/ yet (completed="
                            f"{metrics.get('completed')}); run the same `make finetune DOMAIN="
                            f"{metrics.get('domain') or '<domain>'} OUTPUT={run_dir}` again to resume it")
    return adapter, metrics


def latest_finished_run(runs_root: str | Path, domain: str) -> Path | None:
    """The newest directory under RUNS_ROOT/<domain>/ that `finished_run` accepts, or None. Newest = the latest
    metrics.json write (when its training last ended; a resumed run counts from its resumption), then the name."""
    from cookbook.errors import CookbookError

    folder = Path(runs_root) / domain
    finished = []
    for run_dir in sorted(folder.iterdir()) if folder.is_dir() else []:
        try:
            finished_run(run_dir)
        except CookbookError:
            continue
        finished.append(run_dir)
    return max(finished, key=lambda d: ((d / "metrics.json").stat().st_mtime, d.name), default=None)


def load_run_config(run_dir: str | Path, overrides: list[str] | None = None) -> RunConfig:
    """A finished run's own resolved configuration (RUN/config.yaml), with dotted overrides applied on top."""
    from cookbook.config import load_config
    from cookbook.errors import CookbookError

    finished_run(Path(run_dir))
    path = Path(run_dir) / "config.yaml"
    if not path.is_file():
        raise CookbookError(f"{run_dir}: no config.yaml; it was not written by `cookbook train`")
    return load_config(path, overrides)


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def write_run_card(run_dir: Path, metrics: dict, cfg: RunConfig, notes: list[str]) -> None:
    rows = "\n".join(f"| {k} | {_fmt(metrics.get(k, ''))} |" for k in METRIC_KEYS)
    extra = "\n".join(f"- {n}" for n in notes)
    curve = metrics.get("loss_curve")
    # Both links are relative to the card, so they work wherever the run directory is copied.
    logs = (f"Loss curve (train and eval loss against step): [{curve}]({curve})\n\n![loss curve]({curve})\n\n"
            if curve else "")
    if (run_dir / TENSORBOARD_DIR).is_dir():
        logs += (f"TensorBoard logs: [{TENSORBOARD_DIR}/]({TENSORBOARD_DIR}/) "
                 f"(`.venv/bin/tensorboard --logdir {run_dir}/{TENSORBOARD_DIR}`, then http://localhost:6006)\n\n")
    text = f"""# Run card: {cfg.domain} / {metrics.get('method')}

- Base model: `{metrics.get('base_model')}` — {metrics.get('model_source', '')}
- Weights SHA-256: `{metrics.get('weights_sha256', '')}`
- Data: {metrics.get('train_examples')} training examples from `{cfg.data.train_file}`, {metrics.get('eval_examples')}
  held-out examples for eval loss from `{cfg.data.test_file}`
- Method: {metrics.get('method')} (r={cfg.peft.r}, alpha={cfg.peft.alpha}, dropout={cfg.peft.dropout});
  {_fmt(metrics.get('trainable_params'))} trainable of {_fmt(metrics.get('total_params'))} parameters
- Training: {metrics.get('steps')} steps, batch {cfg.train.batch_size} x accumulation {cfg.train.grad_accum},
  lr {cfg.train.lr}, loss `{cfg.train.loss}`, seed {cfg.train.seed}
- Device: {metrics.get('device', '')}

{extra}

| metric | value |
|---|---|
{rows}

{logs}
Full configuration: `config.yaml`. Adapter: `adapter/` (load with `PeftModel.from_pretrained`).
"""
    (run_dir / "README.md").write_text(text, encoding="utf-8")
