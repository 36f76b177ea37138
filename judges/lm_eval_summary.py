"""RUN/lm_eval/summary.md from every results_<backend>.json in the folder: overall and per-group ROUGE-L and
token F1 of base and tuned, with the exact lm_eval command for each."""

from __future__ import annotations

import json
from pathlib import Path


def _pm(value: float, stderr) -> str:
    return f"{value:.4f} ± {stderr:.4f}" if isinstance(stderr, int | float) else f"{value:.4f}"


def backend_section(report: dict) -> list[str]:
    systems = report.get("systems", {})
    server = report.get("server")
    where = f"`{server['engine']}` server at {server['url']}" if server else f"in-process on {report.get('device')}"
    lines = [f"## Backend `{report['backend']}` ({where})", "",
             f"Limit: {report.get('limit') or 'all'} questions. Chat template applied; greedy decoding. Time "
             "includes loading the model; answers already in RUN/lm_eval/cache are reused, not regenerated.", "",
             "| system | n | ROUGE-L | token F1 | time (s) |", "|---|---|---|---|---|"]
    for name, s in systems.items():
        o = s["overall"]
        lines.append(f"| {name} | {o['n']} | {_pm(o['rougeL'], o.get('rougeL_stderr'))} | "
                     f"{_pm(o['token_f1'], o.get('token_f1_stderr'))} | {s.get('runtime_s', '')} |")
    if "delta" in report:
        d = report["delta"]
        lines.append(f"| tuned − base | | {d['rougeL']:+.4f} | {d['token_f1']:+.4f} | |")
    groups = sorted({g for s in systems.values() for g in s.get("by_group", {})})
    if groups:
        names = list(systems)
        lines += ["", "ROUGE-L by use-case:", "", "| use-case | " + " | ".join(names) + " |",
                  "|---|" + "---|" * len(names)]
        for g in groups:
            cells = [f"{systems[n]['by_group'][g]['rougeL']:.4f}" if g in systems[n].get("by_group", {}) else ""
                     for n in names]
            lines.append(f"| {g} | " + " | ".join(cells) + " |")
    lines += ["", "Commands (reproducible with lm-eval alone, from the repository root):", ""]
    for name, s in systems.items():
        lines += [f"- {name} (decoding {json.dumps(s.get('gen_kwargs', {}))}):", "", f"  ```\n  {s['command']}\n  ```"]
    return lines + [""]


def write_summary(out_dir: Path) -> Path:
    reports = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out_dir.glob("results_*.json"))]
    first = reports[0] if reports else {}
    lines = [f"# lm-eval: {first.get('domain', '?')} task on {first.get('run', out_dir.parent)}", "",
             f"Base model `{first.get('base_model')}`, adapter method `{first.get('method')}`. Task: "
             "judges/lm_eval_tasks/, the domain's held-out split; metrics are the cookbook's ROUGE-L and token F1 "
             "(cookbook/text_metrics.py), the same as `make eval`, on the same prompt. The hf backend loads the "
             "base in full precision and applies the adapter with `peft=`; the server backend cannot send "
             "no_repeat_ngram_size, so its decoding can differ.", ""]
    if first.get("method") == "qlora":
        lines += ["This is a QLoRA run: `make eval` runs the base in 4-bit NF4 as it was trained, lm-eval's `hf` "
                  "model here runs it unquantised (transformers 5 takes no `load_in_4bit` model argument), so "
                  "the answers and scores differ from `make eval`'s.", ""]
    for report in reports:
        lines += backend_section(report)
    path = out_dir / "summary.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
