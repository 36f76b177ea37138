"""The stages of a preference run and what each needs: RUN/sft/ and RUN/dpo/ are each a whole run directory
(cookbook/runs.py: adapter/, config.yaml, metrics.json, run card, checkpoints), written by the shared bookkeeping.

A stage's configuration (RUN/<stage>/config.yaml) holds what that stage reads, in the sections the shared
bookkeeping reads, so resuming and skipping follow the same rules as any run (logging and checkpoint intervals may
change, a larger max_steps extends): the SFT stage trains with `train:` and has no DPO or preference settings (their
defaults); the DPO stage has its schedule from `dpo:` in `train:` (the `dpo:` keys it came from left at their
defaults there) and keeps `dpo.beta`, `dpo.logprobs` and `preferences:`. RUN/config.yaml is the whole
configuration. `train.stage` is recorded as the stage itself, so running the stages one by one (STAGE=sft, then
STAGE=dpo) or together gives the same stage configurations.

A stage is finished when its metrics.json says completed, its adapter is saved, and its configuration is the one
asked for now (up to the keys resuming may change); a finished stage is skipped. A DPO stage is finished only
while the SFT adapter it continued is still the one in RUN/sft/ (its SHA-256 is in RUN/dpo/reference.json).
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import replace
from pathlib import Path

from cookbook.config import DpoConfig, PreferenceDataConfig, RunConfig, to_dict
from cookbook.errors import ConfigError
from cookbook.run_resume import _saved_config, config_changes, may_change
from cookbook.runs import read_json

STAGES = ("sft", "dpo")
REFERENCE_FILE = "reference.json"  # RUN/dpo/: which SFT adapter the DPO stage continued (and took as reference)


def requested_stages(cfg: RunConfig) -> list[str]:
    return list(STAGES) if cfg.train.stage == "both" else [cfg.train.stage]


def stage_config(cfg: RunConfig, stage: str, run_dir: Path) -> RunConfig:
    """`cfg` as stage `stage` trains it, into RUN/<stage>/."""
    out = copy.deepcopy(cfg)
    out.output_dir = str(Path(run_dir) / stage)
    out.train.stage = stage
    if stage == "sft":
        out.dpo, out.preferences = DpoConfig(), PreferenceDataConfig()
        return out
    d = cfg.dpo
    out.train = replace(out.train, max_steps=d.max_steps, batch_size=d.batch_size, grad_accum=d.grad_accum, lr=d.lr,
                        warmup_ratio=d.warmup_ratio, save_steps=d.save_steps, eval_steps=d.eval_steps,
                        logging_steps=d.logging_steps)
    out.data = replace(out.data, eval_samples=d.eval_pairs)
    out.dpo = replace(DpoConfig(), beta=d.beta, logprobs=d.logprobs)
    return out


def adapter_fingerprint(folder: Path) -> str:
    """SHA-256 over an adapter folder's files (names and bytes, in name order)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        with open(path, "rb") as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _saved_and_complete(stage_dir: Path) -> dict | None:
    metrics = read_json(stage_dir / "metrics.json")
    if metrics.get("completed") and (stage_dir / "adapter" / "adapter_config.json").is_file():
        return metrics
    return None


def reference_matches(run_dir: Path) -> bool:
    """Whether RUN/dpo/ continued the SFT adapter now in RUN/sft/adapter/."""
    ref = read_json(Path(run_dir) / "dpo" / REFERENCE_FILE)
    sft_adapter = Path(run_dir) / "sft" / "adapter"
    return bool(ref) and sft_adapter.is_dir() and ref.get("sha256") == adapter_fingerprint(sft_adapter)


def trained_stages(run_dir: Path) -> list[str]:
    """The stages of RUN whose training finished (and, for DPO, from the SFT adapter still there), in order."""
    done = [s for s in STAGES if _saved_and_complete(Path(run_dir) / s) is not None]
    if "dpo" in done and ("sft" not in done or not reference_matches(run_dir)):
        done.remove("dpo")
    return done


def unchanged(stage_cfg: RunConfig, stage_dir: Path) -> bool:
    """Whether `stage_cfg` is the configuration the stage was trained with, up to what resuming may change."""
    saved = stage_dir / "config.yaml"
    if not saved.is_file():
        return False
    return not [k for k, _, _ in config_changes(_saved_config(saved), to_dict(stage_cfg)) if not may_change(k)]


def finished(stage_cfg: RunConfig, run_dir: Path, stage: str) -> bool:
    """Whether `stage` of RUN is finished as `stage_cfg` asks (then it is skipped). RESUME=0 retrains it."""
    if stage_cfg.train.resume == "never" or stage not in trained_stages(run_dir):
        return False
    return unchanged(stage_cfg, Path(run_dir) / stage)


def require_sft(run_dir: Path) -> None:
    """One line (exit 2) when the DPO stage has no finished SFT stage to continue."""
    if "sft" not in trained_stages(run_dir):
        raise ConfigError(f"{run_dir}: the DPO stage continues the SFT stage's adapter, but {Path(run_dir) / 'sft'} "
                          "holds no finished SFT stage; run STAGE=sft (or STAGE=both) into this OUTPUT first")


def check_reference(run_dir: Path, stage_cfg: RunConfig, sha256: str) -> None:
    """Refuse to resume DPO checkpoints that continued another SFT adapter than the one in RUN/sft/ now."""
    ref = read_json(Path(run_dir) / "dpo" / REFERENCE_FILE)
    if ref and ref.get("sha256") != sha256 and stage_cfg.train.resume != "never":
        raise ConfigError(f"{Path(run_dir) / 'dpo'}: was trained from another SFT adapter (sha256 "
                          f"{str(ref.get('sha256'))[:12]}, now {sha256[:12]}); retrain it with STAGE=dpo RESUME=0")


def write_reference(run_dir: Path, sft_adapter: Path, sha256: str) -> None:
    path = Path(run_dir) / "dpo" / REFERENCE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    rel = Path(sft_adapter).relative_to(Path(run_dir)) if Path(sft_adapter).is_relative_to(run_dir) else sft_adapter
    path.write_text(json.dumps({"sft_adapter": str(rel), "sha256": sha256}, indent=2) + "\n", encoding="utf-8")
