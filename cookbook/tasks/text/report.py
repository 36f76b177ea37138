"""Markdown and plot for a text evaluation report. Columns are the metric keys the domain's `score` returned, so a
new domain's metrics appear without touching this file."""

from __future__ import annotations

from pathlib import Path

from cookbook.plots import bar_chart

NOT_METRICS = {"n"}


def metric_keys(overall: dict) -> list[str]:
    """The numeric metrics of a score section, in the order the domain returned them."""
    return [k for k, v in overall.items() if k not in NOT_METRICS and isinstance(v, int | float)
            and not isinstance(v, bool)]


def primary_metric(recipe, keys: list[str]) -> str:
    if recipe.primary_metric:
        if recipe.primary_metric not in keys:
            raise ValueError(f"{recipe.name}: primary_metric '{recipe.primary_metric}' is not among the keys its "
                             f"score() returns ({', '.join(keys)})")
        return recipe.primary_metric
    return keys[0]


def write_eval_report(out_dir: Path, report: dict) -> None:
    base, tuned = report["systems"]["base"], report["systems"]["tuned"]
    keys, main = report["metrics"], report["primary_metric"]
    label = report.get("metric_labels", {})
    title = {k: label.get(k, k) for k in keys}
    groups = sorted(tuned.get("by_group", {}))
    lines = [
        f"# {report['domain']} evaluation", "",
        f"Run `{report['run']}`: base `{report['base_model']}` vs the same model with its `{report['method']}` "
        f"adapter, greedy decoding, {report['max_new_tokens']} new tokens at most, "
        f"{report['n_examples']} held-out examples.", "",
        "| system | " + " | ".join(title[k] for k in keys) + " | generation s |", "|---|" + "---|" * (len(keys) + 1),
    ]
    for name, s in report["systems"].items():
        lines.append(f"| {name} | " + " | ".join(f"{s['overall'][k]:.4f}" for k in keys) +
                     f" | {s['generation_s']} |")
    lines += ["", "Change (tuned - base): " + ", ".join(f"{title[k]} {report['delta'][k]:+.4f}" for k in keys) + "."]
    if groups:
        bar_chart(out_dir / f"{main}_by_group.png", groups,
                  {"base": [base["by_group"][g][main] for g in groups],
                   "tuned": [tuned["by_group"][g][main] for g in groups]},
                  title[main], f"{report['domain']}: held-out {title[main]} per group")
        lines += ["", f"![{title[main]} per group]({main}_by_group.png)", "",
                  "| group | n | " + " | ".join(f"base {title[k]} | tuned {title[k]}" for k in keys) + " |",
                  "|---|---|" + "---|---|" * len(keys)]
        for g in groups:
            b, t = base["by_group"][g], tuned["by_group"][g]
            lines.append(f"| {g} | {t.get('n', '')} | " +
                         " | ".join(f"{b[k]:.3f} | {t[k]:.3f}" for k in keys) + " |")
    lines += ["", "## Sample answers", ""]
    for a in report["answers"][:5]:
        lines += [f"**Q ({a['group']}):** {a['question']}", "", f"- reference: {a['reference']}",
                  f"- base: {a['base'] or '(empty)'}", f"- tuned: {a['tuned'] or '(empty)'}", ""]
    (out_dir / "report.md").write_text("\n".join(lines), encoding="utf-8")
