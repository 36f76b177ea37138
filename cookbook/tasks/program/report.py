"""Markdown and plots of a program-synthesis evaluation: one table per test split (base vs tuned on every metric the
domain's score returned), a grouped bar chart of them, and the first completion of a few problems."""

from __future__ import annotations

from pathlib import Path

from cookbook.plots import bar_chart


def _fmt(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def write_program_report(out_dir: Path, report: dict) -> None:
    s = report["sampling"]
    how = "greedy decoding" if s["n"] == 1 else (f"{s['n']} samples per problem (temperature {s['temperature']}, "
                                                 f"top-p {s['top_p']})")
    labels = report["metric_labels"]
    lines = [f"# {report['domain']} evaluation", "",
             f"Run `{report['run']}`: base `{report['base_model']}` vs the same model with its `{report['method']}` "
             f"adapter; {how}, {s['max_new_tokens']} new tokens at most; every program run in the sandbox "
             "(cookbook/sandbox). pass@k: the unbiased estimator of Chen et al. (2021).", ""]
    for split, section in report["splits"].items():
        keys = section["metrics"]
        base, tuned = section["systems"]["base"], section["systems"]["tuned"]
        lines += [f"## {split} ({section['n_examples']} problems)", "",
                  "| system | " + " | ".join(labels[k] for k in keys) + " | sampling s | scoring s |",
                  "|---|" + "---|" * (len(keys) + 2)]
        for name, sys_scores in section["systems"].items():
            lines.append(f"| {name} | " + " | ".join(_fmt(sys_scores["overall"][k]) for k in keys) +
                         f" | {sys_scores['generation_s']} | {sys_scores['scoring_s']} |")
        lines += ["", "Change (tuned - base): " + ", ".join(f"{labels[k]} {section['delta'][k]:+.4f}"
                                                            for k in keys) + ".", ""]
        chart = f"{split}_metrics.png"
        bar_chart(out_dir / chart, [labels[k] for k in keys],
                  {"base": [base["overall"][k] for k in keys], "tuned": [tuned["overall"][k] for k in keys]},
                  "score", f"{report['domain']}: {split}")
        lines += [f"![{split}]({chart})", "", f"### Sample completions ({split})", ""]
        for a in section["answers"][:3]:
            lines += [f"**{a['id']}**", "", "```python", a["prompt"].rstrip(), "```", "",
                      "base:", "```python", a["base"].rstrip() or "(empty)", "```", "",
                      "tuned:", "```python", a["tuned"].rstrip() or "(empty)", "```", ""]
    (out_dir / "report.md").write_text("\n".join(lines), encoding="utf-8")
