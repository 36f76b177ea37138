"""RUN/lm_eval/summary.md from every results_<backend>.json in the folder: overall and per-group scores of base and
tuned for every metric the task reported, with the exact lm_eval command for each."""

from __future__ import annotations

import json
from pathlib import Path


def _pm(value: float, stderr) -> str:
    return f"{value:.4f} ± {stderr:.4f}" if isinstance(stderr, int | float) else f"{value:.4f}"


def system_metrics(result: dict) -> list[str]:
    """The metric names of one system's result, in lm-eval's order (results written before the names were
    recorded: the keys of its overall scores)."""
    return result.get("metrics") or [k for k in result.get("overall", {}) if k != "n" and not k.endswith("_stderr")]


def _metrics(systems: dict) -> list[str]:
    """The metrics of the systems, in the order lm-eval reported them (first system first)."""
    return list(dict.fromkeys(m for s in systems.values() for m in system_metrics(s)))


def backend_section(report: dict) -> list[str]:
    systems = report.get("systems", {})
    metrics = _metrics(systems)
    server = report.get("server")
    where = f"`{server['engine']}` server at {server['url']}" if server else f"in-process on {report.get('device')}"
    lines = [f"## Backend `{report['backend']}` ({where})", "",
             f"Limit: {report.get('limit') or 'all'} questions. Chat template applied; greedy decoding. Time "
             "includes loading the model; answers already in RUN/lm_eval/cache are reused, not regenerated.", "",
             "| system | n | " + " | ".join(metrics) + " | time (s) |", "|---|---|" + "---|" * (len(metrics) + 1)]
    for name, s in systems.items():
        o = s["overall"]
        cells = [_pm(o[m], o.get(f"{m}_stderr")) if m in o else "" for m in metrics]
        lines.append(f"| {name} | {o['n']} | " + " | ".join(cells) + f" | {s.get('runtime_s', '')} |")
    if "delta" in report:
        d = report["delta"]
        lines.append("| tuned − base | | " + " | ".join(f"{d[m]:+.4f}" if m in d else "" for m in metrics) + " | |")
    groups = sorted({g for s in systems.values() for g in s.get("by_group", {})})
    if groups:
        label = report.get("group_label") or "group"
        columns = [(n, m) for n in systems for m in system_metrics(systems[n])]
        lines += ["", f"By {label}:", "", f"| {label} | " + " | ".join(f"{n} {m}" for n, m in columns) + " |",
                  "|---|" + "---|" * len(columns)]
        for g in groups:
            cells = [f"{systems[n]['by_group'][g][m]:.4f}" if g in systems[n].get("by_group", {}) else ""
                     for n, m in columns]
            lines.append(f"| {g} | " + " | ".join(cells) + " |")
    lines += ["", "Commands (reproducible with lm-eval alone, from the repository root):", ""]
    for name, s in systems.items():
        lines += [f"- {name} (decoding {json.dumps(s.get('gen_kwargs', {}))}):", "", f"  ```\n  {s['command']}\n  ```"]
    return lines + [""]


def write_summary(out_dir: Path) -> Path:
    reports = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out_dir.glob("results_*.json"))]
    first = reports[0] if reports else {}
    metrics = _metrics(first.get("systems", {}))
    system = first.get("system_instruction")
    lines = [f"# lm-eval: {first.get('task', first.get('domain', '?'))} task on {first.get('run', out_dir.parent)}",
             "",
             f"Domain `{first.get('domain')}`, base model `{first.get('base_model')}`, adapter method "
             f"`{first.get('method')}`. Task: `{first.get('task')}` in `{first.get('include_path')}` (the folder the "
             f"domain's recipe names); metrics as the task reports them: {', '.join(metrics) or 'none'}. Prompt: "
             "the task's question as the user turn" +
             (f" and the domain's system prompt ({json.dumps(system)}) as lm-eval's system instruction" if system
              else "") +
             ", in the model's chat template, the same prompt as training and `make eval`; generation stops at the "
             "model's own end-of-turn strings (`until`). The hf backend loads the base in full precision and "
             "applies the adapter with `peft=`; the server backend cannot send no_repeat_ngram_size, so its "
             "decoding can differ.", ""]
    if first.get("method") == "qlora":
        lines += ["This is a QLoRA run: `make eval` runs the base in 4-bit NF4 as it was trained, lm-eval's `hf` "
                  "model here runs it unquantised (transformers 5 takes no `load_in_4bit` model argument), so "
                  "the answers and scores differ from `make eval`'s.", ""]
    for report in reports:
        lines += backend_section(report)
    path = out_dir / "summary.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
