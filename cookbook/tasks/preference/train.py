"""`cookbook train` for the preference kind: SFT on the domain's reference answers with the text kind's trainer,
then DPO on its preference pairs from the SFT adapter (dpo_stage.py), into RUN/sft/ and RUN/dpo/, summarised in
RUN/ (summary.py). `train.stage` (STAGE=sft|dpo) runs one stage; a finished stage is skipped, an interrupted one
resumes from its last checkpoint as any run does.

Everything that can refuse the run comes before any stage trains: a DPO stage without a finished SFT stage, a
domain without preference pairs, and every data file of the stages asked for (`file:line: field: problem`)."""

from __future__ import annotations

from pathlib import Path

from cookbook.config import RunConfig, save_config
from cookbook.peft_methods import resolve_method
from cookbook.recipe import Recipe
from cookbook.run_lock import lock_run_dir
from cookbook.runs import is_main_process
from cookbook.tasks.preference.data import train_and_eval_pairs
from cookbook.tasks.preference.stages import finished, requested_stages, require_sft, stage_config
from cookbook.tasks.preference.summary import summarize
from cookbook.training import log

KIND = "text"  # both stages train a text method's adapter


def train_preference(cfg: RunConfig, recipe: Recipe, run_dir: Path) -> dict:
    run_dir = Path(run_dir)
    stages = requested_stages(cfg)
    lock = lock_run_dir(run_dir)  # the stages lock their own folders too; this one guards RUN/'s summary
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        method, reason = resolve_method(cfg.peft.method, recipe.auto_methods, KIND)
        cfg.peft.method = method  # resolved once, so each stage's config.yaml compares equal on the next call
        configs = {s: stage_config(cfg, s, run_dir) for s in ("sft", "dpo")}
        todo = [s for s in stages if not finished(configs[s], run_dir, s)]
        for s in stages:
            if s not in todo:
                log(f"stage {s}: finished with this configuration ({run_dir / s}); skipped")
        if "dpo" in todo and "sft" not in todo:
            require_sft(run_dir)
        # Loaded (and validated) before the SFT stage trains; the SFT stage validates its own data before its first
        # step, as the text kind does.
        pairs = train_and_eval_pairs(configs["dpo"], recipe) if "dpo" in todo else None
        if is_main_process():
            save_config(cfg, run_dir / "config.yaml")
        summary: dict = {}
        try:
            for stage in todo:
                log(f"stage {stage}: training into {run_dir / stage}")
                if stage == "sft":
                    from cookbook.tasks.text.train import train_text

                    train_text(configs["sft"], recipe, run_dir / "sft")
                else:
                    from cookbook.tasks.preference.dpo_stage import train_dpo

                    require_sft(run_dir)
                    train_dpo(configs["dpo"], recipe, run_dir / "dpo", run_dir / "sft", *pairs)
        finally:
            # Also after an interruption: RUN/metrics.json then says what finished, and RUN/adapter/ is the last
            # finished stage's.
            if is_main_process():
                summary = summarize(cfg, run_dir, [f"Method choice: {reason}.", *recipe.notes])
        return summary
    finally:
        if lock is not None:
            lock.release()
