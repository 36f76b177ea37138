"""Resuming an interrupted run: which checkpoint, and whether this configuration may continue it.

A checkpoint continues the run that RUN/config.yaml describes. Resumed with another adapter rank it dies deep in
torch with a size mismatch; resumed with another learning rate it silently trains a mix of two configurations.
So before anything loads, the new resolved configuration is compared with config.yaml, and any difference outside
a short allow-list stops the run with one line that lists the differences and how to start over.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from cookbook.config import RunConfig, from_dict, read_yaml, to_dict
from cookbook.errors import ConfigError
from cookbook.runs import is_main_process, read_json

PROGRESS_FILE = "cookbook_progress.json"  # cumulative runtime/tokens, written into every checkpoint
COMPLETE_MARKER = "trainer_state.json"  # Trainer._save_checkpoint writes it after every other file

# Keys that may differ when resuming, because they cannot change the trained weights. Each was checked on the
# tiny telecom run: changing it gives the same eval_loss to the last digit.
RESUME_MAY_CHANGE = {
    "output_dir": "where the run lives: a moved or copied run directory still resumes",
    "train.resume": "how to resume, not what is trained",
    "train.logging_steps": "how often the running loss is averaged and logged; the weights do not change",
    "train.save_steps": "when checkpoints are written; saving reads the RNG state and never draws from it",
    "eval.": "settings of `cookbook eval` (generation), which training never reads",
}
# Deliberately not allowed:
# - train.eval_steps: every evaluation draws from torch's global RNG when its DataLoader starts, which shifts the
#   dropout masks of every later step (tiny run: eval_loss 6.226493 with evaluations at steps 3 and 6, 6.226619
#   with none), so evaluating at other steps after the resume gives another result.
# - data.eval_samples: the eval-loss curve would mix two held-out sets and stop being comparable across the resume.
# - train.max_steps, decreased: a shorter run is another run; start over. Increased, see EXTENDABLE.
# Extending a run is what people resume for ("train 200 more steps"), so a larger train.max_steps is accepted and
# said so: everything planned over max_steps (the learning-rate schedule and warm-up, AdaLoRA's rank budget) is
# re-planned over the new total from the checkpoint on, so the result is not that of a run planned that long from
# the start. The run card records it.
EXTENDABLE = "train.max_steps"


def may_change(key: str) -> bool:
    return any(key == k or (k.endswith(".") and key.startswith(k)) for k in RESUME_MAY_CHANGE)


def flatten(data: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def config_changes(old: dict, new: dict) -> list[tuple[str, object, object]]:
    """(dotted key, old value, new value) for every key whose value differs; a missing key reads as None."""
    a, b = flatten(old), flatten(new)
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def _saved_config(path: Path) -> dict:
    """config.yaml as the current schema reads it (keys added since then take their defaults); as written if it
    no longer validates (a key removed since), so the difference is still shown."""
    raw = read_yaml(path)
    try:
        return to_dict(from_dict(RunConfig, raw))
    except ConfigError:
        return raw


def _show(value) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def check_resume(cfg: RunConfig, run_dir: Path, checkpoint: str) -> list[str]:
    """Raise ConfigError unless `cfg` may continue `checkpoint`; return run-card notes on what was accepted."""
    saved = run_dir / "config.yaml"
    start_over = "to start over in this directory use RESUME=0 (train.resume=never), or train into a new OUTPUT"
    name = Path(checkpoint).name
    if not saved.is_file():
        raise ConfigError(f"{run_dir}: {name} has no config.yaml beside it, so it cannot be checked against this "
                          f"configuration; {start_over}")
    changes = config_changes(_saved_config(saved), to_dict(cfg))
    extension = [(k, a, b) for k, a, b in changes if k == EXTENDABLE and isinstance(a, int) and b > a]
    refused = [(k, a, b) for k, a, b in changes if not may_change(k) and (k, a, b) not in extension]
    if refused:
        diff = ", ".join(f"{k} {_show(a)} -> {_show(b)}" for k, a, b in refused)
        raise ConfigError(f"{run_dir}: cannot resume {name}: the configuration differs from the run's "
                          f"config.yaml in {diff}; {start_over}")
    notes = []
    accepted = [(k, a, b) for k, a, b in changes if (k, a, b) not in extension]
    if accepted:
        notes.append("Resumed with changes that cannot alter the trained weights: "
                     + ", ".join(f"{k} {_show(a)} -> {_show(b)}" for k, a, b in accepted) + ".")
    for _, old, new in extension:
        notes.append(f"Extended from {old} to {new} steps when resuming {name}: the learning-rate schedule (and "
                     f"any other schedule planned over train.max_steps) was re-planned over {new} steps from there, "
                     f"so the result differs from a run planned for {new} steps from the start.")
    return notes


def last_checkpoint(folder: Path) -> str | None:
    """The newest complete `checkpoint-N` in `folder`. Checkpoints are renamed into place only when complete
    (cookbook/checkpoints.py); a folder without the trainer state, which Trainer writes last, is skipped anyway, so
    one left half-written by an older version or another tool is never resumed."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    steps = [(int(p.name.split("-")[1]), p) for p in folder.glob("checkpoint-*")
             if p.name.split("-")[1].isdigit() and (p / COMPLETE_MARKER).is_file()]
    return str(max(steps)[1]) if steps else None


def resume_point(cfg: RunConfig, run_dir: Path, log) -> tuple[str | None, dict, list[str]]:
    """(checkpoint to resume from or None, the progress totals saved in it, run-card notes). Checked here,
    before any model loads: a refused resume costs nothing."""
    checkpoints = run_dir / "checkpoints"
    if cfg.train.resume == "never":
        # Starting over must not leave the abandoned run's checkpoints behind: a later automatic resume would
        # pick the newest of them and check it against the new config.yaml, not against its own.
        if checkpoints.exists() and is_main_process():
            log(f"train.resume=never: removing the previous run's checkpoints in {checkpoints}")
            shutil.rmtree(checkpoints)
        return None, {}, []
    resume_from = last_checkpoint(checkpoints)
    if cfg.train.resume == "always" and resume_from is None:
        raise ConfigError(f"train.resume=always but {checkpoints} holds no complete checkpoint")
    if resume_from is None:
        return None, {}, []
    notes = check_resume(cfg, run_dir, resume_from)
    log(f"resuming from {resume_from}")
    for note in notes:
        log(note)
    return resume_from, read_json(Path(resume_from) / PROGRESS_FILE), notes
