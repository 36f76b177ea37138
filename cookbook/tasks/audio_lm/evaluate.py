"""`cookbook eval` for audio-LM recipes: generate a clip for every test description with the base model and with
the adaptation (same seeds), score both with the recipe's metrics, write RUN/eval/report.json, report.md and the
generated WAVs."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from cookbook.config import RunConfig
from cookbook.recipe import Recipe
from cookbook.runs import write_json
from cookbook.tasks.audio_lm.audio import write_wav
from cookbook.tasks.audio_lm.inference import generate_audio, load_audio_lm_run
from cookbook.tasks.eval_rows import eval_rows

SECONDS = 4.0  # length of each generated clip when data.max_audio_s is 0
TIMED_CLIP_S = 5.0  # generation of one clip this long is timed per split and system


def evaluate_audio_lm(cfg: RunConfig, recipe: Recipe, run_dir: Path) -> dict:
    run = load_audio_lm_run(run_dir)
    out_dir = run_dir / "eval"
    seconds = cfg.data.max_audio_s or SECONDS
    report: dict = {"domain": recipe.name, "run": str(run_dir), "base_model": run.base_model, "method": run.method,
                    "seconds": seconds, "splits": {}}
    for split in recipe.test_splits:
        examples = eval_rows(recipe.load_examples(cfg.data, split), cfg.eval.max_samples)
        section = {}
        for system, use_adapter in (("base", False), ("tuned", True)):
            t0 = time.time()
            clips = generate_audio(run, [e.text for e in examples], seconds, use_adapter, seed=cfg.train.seed,
                                   batch_size=cfg.eval.batch_size)
            secs = round(time.time() - t0, 1)
            (out_dir / split / system).mkdir(parents=True, exist_ok=True)
            for e, clip in zip(examples, clips, strict=True):
                write_wav(out_dir / split / system / f"{e.id}.wav", clip, run.sampling_rate)
            scores = recipe.score([(c, run.sampling_rate) for c in clips], examples)
            t0 = time.time()  # one clip of TIMED_CLIP_S on its own (batch 1): what a user waits for in the demo
            generate_audio(run, [examples[0].text], TIMED_CLIP_S, use_adapter, seed=cfg.train.seed, batch_size=1)
            section[system] = {**scores, "generate_s": secs, "clip_5s_s": round(time.time() - t0, 2)}
            print(f"[cookbook] {split} {system}: {scores['overall']} ({secs} s)", file=sys.stderr)
        report["splits"][split] = section
    primary = recipe.primary_metric
    report["summary"] = ", ".join(f"{s}: {primary} {v['base']['overall'][primary]:.3f} -> "
                                  f"{v['tuned']['overall'][primary]:.3f}" for s, v in report["splits"].items())
    write_json(out_dir / "report.json", report)
    lines = [f"# {recipe.name} evaluation", "", f"Run `{run_dir}`: base `{run.base_model}` vs its `{run.method}` "
             f"adaptation; {seconds} s sampled clips (guidance 3.0, same seeds for both).", "",
             "| split | system | " + " | ".join(report["splits"][recipe.test_splits[0]]["base"]["overall"]) + " |"]
    lines.append("|---|---|" + "---|" * len(report["splits"][recipe.test_splits[0]]["base"]["overall"]))
    for split, section in report["splits"].items():
        for system in ("base", "tuned"):
            vals = section[system]["overall"].values()
            lines.append(f"| {split} | {system} | " + " | ".join(f"{v:.4f}" if isinstance(v, float) else str(v)
                                                              for v in vals) + " |")
    (out_dir / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report
