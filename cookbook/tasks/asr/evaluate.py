"""`cookbook eval` for ASR recipes: transcribe every test split with the base model and with the adaptation,
score WER/CER (Whisper's English normalizer) overall and per group, write RUN/eval/report.json, report.md and
a WER bar chart."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from cookbook.config import RunConfig
from cookbook.plots import bar_chart
from cookbook.recipe import Recipe
from cookbook.runs import write_json
from cookbook.tasks.asr.audio import read_wav
from cookbook.tasks.asr.inference import AsrRun, load_asr_run, transcribe
from cookbook.tasks.asr.metrics import score_split, utterance_wer


def transcribe_split(run: AsrRun, examples, cfg: RunConfig, use_adapter: bool, desc: str) -> tuple[list[str], float]:
    audios = [read_wav(e.audio_path) for e in examples]
    t0 = time.time()
    preds = transcribe(run, audios, use_adapter=use_adapter, batch_size=cfg.eval.batch_size,
                       max_new_tokens=cfg.eval.max_new_tokens, desc=desc)
    return preds, round(time.time() - t0, 1)


def evaluate_asr(cfg: RunConfig, recipe: Recipe, run_dir: Path) -> dict:
    run = load_asr_run(run_dir)
    out_dir = run_dir / "eval"
    out_dir.mkdir(parents=True, exist_ok=True)
    report: dict = {"domain": recipe.name, "run": str(run_dir), "base_model": run.base_model, "method": run.method,
                    "splits": {}, "transcripts": {}}
    for split in recipe.test_splits:
        examples = recipe.load_examples(cfg.data, split)
        if cfg.eval.max_samples:
            examples = examples[: cfg.eval.max_samples]
        section, rows = {}, {}
        for system, use_adapter in (("base", False), ("tuned", True)):
            preds, secs = transcribe_split(run, examples, cfg, use_adapter, f"{split}: {system}")
            section[system] = {**score_split(preds, examples), "transcribe_s": secs}
            rows[system] = preds
            print(f"[cookbook] {split} {system}: WER {section[system]['overall']['wer']:.4f} "
                  f"CER {section[system]['overall']['cer']:.4f} ({len(examples)} utterances)", file=sys.stderr)
        section["delta_wer"] = section["tuned"]["overall"]["wer"] - section["base"]["overall"]["wer"]
        report["splits"][split] = section
        report["transcripts"][split] = [
            {"id": e.id, "group": e.group, "reference": e.reference, "base": rows["base"][i],
             "tuned": rows["tuned"][i], "base_wer": utterance_wer(rows["base"][i], e.reference),
             "tuned_wer": utterance_wer(rows["tuned"][i], e.reference)} for i, e in enumerate(examples)]
    report["summary"] = ", ".join(f"{s}: WER {v['base']['overall']['wer']:.3f} -> {v['tuned']['overall']['wer']:.3f}"
                                  for s, v in report["splits"].items())
    write_json(out_dir / "report.json", report)
    write_asr_report(out_dir, report)
    return report


def write_asr_report(out_dir: Path, report: dict) -> None:
    splits = list(report["splits"])
    bar_chart(out_dir / "wer_by_split.png", splits,
              {s: [report["splits"][sp][s]["overall"]["wer"] for sp in splits] for s in ("base", "tuned")},
              "WER (normalized)", f"{report['domain']}: base vs {report['method']} per test split")
    lines = [f"# {report['domain']} evaluation", "",
             f"Run `{report['run']}`: base `{report['base_model']}` vs the same model with its `{report['method']}` "
             "adaptation; greedy decoding; WER/CER after Whisper's English text normalizer.", "",
             "| split | system | utterances | WER | CER | sub | del | ins | transcribe s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for sp in splits:
        for system in ("base", "tuned"):
            s = report["splits"][sp][system]
            o = s["overall"]
            lines.append(f"| {sp} | {system} | {o['n']} | {o['wer']:.4f} | {o['cer']:.4f} | {o['substitutions']} | "
                         f"{o['deletions']} | {o['insertions']} | {s['transcribe_s']} |")
    lines += ["", "![WER per split](wer_by_split.png)", "", "## Per group", "",
              "| split | group | n | base WER | tuned WER |", "|---|---|---|---|---|"]
    for sp in splits:
        for g, b in report["splits"][sp]["base"]["by_group"].items():
            t = report["splits"][sp]["tuned"]["by_group"][g]
            lines.append(f"| {sp} | {g} | {b['n']} | {b['wer']:.4f} | {t['wer']:.4f} |")
    lines += ["", "## Sample transcripts", ""]
    for sp in splits:
        for row in report["transcripts"][sp][:3]:
            lines += [f"**{sp} / {row['id']}** — reference: {row['reference']}", "",
                      f"- base: {row['base'] or '(empty)'}", f"- tuned: {row['tuned'] or '(empty)'}", ""]
    (out_dir / "report.md").write_text("\n".join(lines), encoding="utf-8")
