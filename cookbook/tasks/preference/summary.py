"""RUN/ of a preference run, over its two stage directories: metrics.json (the final stage's figures at the top
level, every stage under "stages"), adapter/ (the final stage's, so every reader of a run directory — eval, demo,
judge, lm-eval — loads the SFT+DPO policy as `tuned`), and one run card, README.md."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from cookbook.config import RunConfig
from cookbook.runs import METRIC_KEYS, _fmt, read_json, write_json
from cookbook.tasks.preference.stages import STAGES, trained_stages

TOP_KEYS = [*METRIC_KEYS, "method_reason", "model_source", "weights_sha256", "device", "train_examples",
            "eval_examples", "train_tokens"]
STAGE_TITLES = {"sft": "SFT (reference summaries)", "dpo": "DPO (preference pairs, from the SFT adapter)"}
DPO_KEYS = ["beta", "eval_rewards_accuracy", "eval_rewards_margin", "reference", "train_pairs_by_kind"]


def link_adapter(source: Path, target: Path) -> None:
    """`target` becomes a copy of adapter folder `source`, as hard links where the filesystem allows (no second
    copy on disk; the files stay plain files wherever the run directory is copied), swapped in whole."""
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for path in sorted(source.rglob("*")):
        dest = tmp / path.relative_to(source)
        if path.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
            continue
        try:
            os.link(path, dest)
        except OSError:
            shutil.copy2(path, dest)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)


def summarize(cfg: RunConfig, run_dir: Path, notes: list[str]) -> dict:
    """Write RUN/metrics.json, RUN/adapter/ and RUN/README.md from the stage directories; return the metrics."""
    run_dir = Path(run_dir)
    stages = {s: read_json(run_dir / s / "metrics.json") for s in STAGES if (run_dir / s / "metrics.json").is_file()}
    done = trained_stages(run_dir)
    final = done[-1] if done else None
    if final:
        link_adapter(run_dir / final / "adapter", run_dir / "adapter")
    else:
        shutil.rmtree(run_dir / "adapter", ignore_errors=True)  # a stale one would pass for a finished run
    shown = final or next(reversed(stages), None)
    top = {k: stages[shown].get(k) for k in TOP_KEYS} if shown else {"domain": cfg.domain}
    top.update(task="preference", final_stage=final, stages_finished=done,
               completed=len(done) == len(STAGES), stages=stages)
    write_json(run_dir / "metrics.json", top)
    write_card(cfg, run_dir, top, notes)
    return top


def write_card(cfg: RunConfig, run_dir: Path, top: dict, notes: list[str]) -> None:
    stages = top["stages"]
    names = [s for s in STAGES if s in stages]
    header = "| metric | " + " | ".join(names) + " |\n|---|" + "---|" * len(names)
    rows = [f"| {k} | " + " | ".join(_fmt(stages[s].get(k, "")) for s in names) + " |"
            for k in [*METRIC_KEYS, *DPO_KEYS] if any(k in stages[s] for s in names)]
    lines = [f"# Run card: {cfg.domain} / {top.get('method')}, SFT then DPO", "",
             f"- Base model: `{top.get('base_model')}` — {top.get('model_source', '')}",
             f"- Weights SHA-256: `{top.get('weights_sha256', '')}`",
             f"- Stages finished: {', '.join(top['stages_finished']) or 'none'}; `adapter/` is the "
             f"{top['final_stage'] or '(none yet)'} stage's adapter (hard links to its files)",
             "- Reference model of DPO: the SFT policy, as a frozen copy of the SFT adapter (TRL's `ref` adapter) on "
             "the same base in memory; the base itself is loaded once", ""]
    for s in STAGES:
        if s in stages:
            m = stages[s]
            lines.append(f"- {STAGE_TITLES[s]}: [{s}/README.md]({s}/README.md); {m.get('steps')} steps, "
                         f"{m.get('train_examples')} training {'pairs' if s == 'dpo' else 'examples'}, completed "
                         f"{m.get('completed')}")
    lines += ["", *[f"- {n}" for n in notes], "", header, *rows, "",
              "Full configuration: `config.yaml` (each stage's own: `sft/config.yaml`, `dpo/config.yaml`).", ""]
    (run_dir / "README.md").write_text("\n".join(lines), encoding="utf-8")
