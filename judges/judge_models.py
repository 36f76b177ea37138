"""Which judge to serve: a model spec (an offline source name, a local folder, a hub id) or a finished run of a
judge adapter (`make finetune DOMAIN=<judge recipe>`). An adapter run is served as its base model plus the adapter
(vLLM: `--lora-modules`) or, on `transformers serve`, which takes no adapters, as a merged copy written once
into the run folder. The default judge is the best one `make judge-calibrate` measured
(docs/judge_calibration.json), when it is present here."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from cookbook.errors import CookbookError

REPO = Path(__file__).resolve().parent.parent
CALIBRATION_FILE = REPO / "docs" / "judge_calibration.json"
FALLBACK_JUDGE = "qwen2.5-coder-0.5b-instruct"  # instruction-tuned, offline; used when no calibrated default is here
ADAPTER_NAME = "judge"  # the adapter's model name on vLLM
MERGED_DIR = "merged"
MERGED_MARKER = "MERGED.txt"


@dataclass(frozen=True)
class JudgeModel:
    spec: str  # what was asked for
    base_spec: str  # the model the weights start from
    adapter: Path | None = None  # a judge adapter run's adapter folder


def is_adapter_run(spec: str) -> bool:
    p = Path(spec)
    return (p / "metrics.json").is_file() and (p / "adapter").is_dir()


def judge_model(spec: str) -> JudgeModel:
    if not is_adapter_run(spec):
        return JudgeModel(spec, spec)
    from cookbook.runs import finished_run

    adapter, metrics = finished_run(Path(spec))
    return JudgeModel(spec, metrics["base_model"], adapter)


def calibrated_default(path: Path | None = None) -> str | None:
    """The spec of the best judge measured, if the calibration file names one that exists here."""
    path = path or CALIBRATION_FILE
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
        spec = table["judges"][table["default"]]["spec"]
    except (OSError, KeyError, TypeError, ValueError):
        return None
    if Path(spec).is_absolute() or "/" in spec:
        return spec if is_adapter_run(str(REPO / spec)) or is_adapter_run(spec) else None
    return spec


def default_judge() -> str:
    spec = calibrated_default()
    if spec is None:
        return FALLBACK_JUDGE
    return str(REPO / spec) if not Path(spec).exists() and (REPO / spec).exists() else spec


def judge_model_spec() -> str:
    return os.environ.get("JUDGE_MODEL") or default_judge()


def merged_copy(run_dir: Path) -> Path:
    """RUN/merged: the base model with the judge adapter merged in, written once (a marker file last)."""
    out = Path(run_dir) / MERGED_DIR
    if (out / MERGED_MARKER).is_file():
        return out
    from cookbook.tasks.text.generate import load_run

    print(f"[judge] merging the judge adapter of {run_dir} into {out} (once)", file=sys.stderr)
    tm = load_run(Path(run_dir))
    model = tm.model.merge_and_unload() if hasattr(tm.model, "merge_and_unload") else None
    if model is None:
        raise CookbookError(f"{run_dir}: its adapter cannot be merged into the base model (method {tm.method})")
    model.save_pretrained(out)
    tm.tokenizer.save_pretrained(out)
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.save_pretrained(out)
    (out / MERGED_MARKER).write_text(f"{tm.base_model} + the adapter of {run_dir} ({tm.method}), merged\n",
                                     encoding="utf-8")
    return out
