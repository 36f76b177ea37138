"""report.md and the trade-off plot of a preference evaluation: every system side by side with its intervals, each
metric's direction, the paired differences between consecutive systems, and filtered sample answers. Columns are
the metric keys the domain's score returned, so the domain's metrics appear without naming them here."""

from __future__ import annotations

from pathlib import Path

ARROW = {"lower": "↓", "higher": "↑", "neither": "(descriptive)"}


def tradeoff_plot(path: Path, report: dict) -> bool:
    """Metric x against metric y (Recipe.tradeoff), one point per system with its 95% interval as error bars, in
    training order. False, and no file, when the recipe names no pair."""
    if len(report.get("tradeoff", [])) != 2:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x_key, y_key = report["tradeoff"]
    label = report["metric_labels"]
    fig, ax = plt.subplots(figsize=(6, 4.8))
    xs, ys = [], []
    for name, s in report["systems"].items():
        x, y = s["overall"][x_key], s["overall"][y_key]
        ci = s.get("intervals", {})
        xerr = [[x - ci[x_key][0]], [ci[x_key][1] - x]] if x_key in ci else None
        yerr = [[y - ci[y_key][0]], [ci[y_key][1] - y]] if y_key in ci else None
        ax.errorbar([x], [y], xerr=xerr, yerr=yerr, fmt="o", capsize=4, label=name)
        ax.annotate(name, (x, y), textcoords="offset points", xytext=(6, 6))
        xs.append(x)
        ys.append(y)
    ax.plot(xs, ys, color="grey", linewidth=0.8, linestyle="--", zorder=0)
    ax.set_xlabel(f"{label.get(x_key, x_key)} ({report['directions'][x_key]} is better)")
    ax.set_ylabel(f"{label.get(y_key, y_key)} ({report['directions'][y_key]} is better)")
    ax.set_title(f"{report['domain']}: {label.get(y_key, y_key)} against {label.get(x_key, x_key)} per system "
                 "(95% bootstrap intervals)", fontsize=9)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _cell(s: dict, k: str) -> str:
    if s["overall"][k] is None:
        return "n/a"  # the metric applies to none of the examples (e.g. a recall over no facts)
    ci = s.get("intervals", {}).get(k)
    return f"{s['overall'][k]:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else f"{s['overall'][k]:.3f}"


def _caught(counts: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "nothing"


def write_report(out_dir: Path, report: dict, shown: int) -> None:
    keys, label, systems = report["metrics"], report["metric_labels"], list(report["systems"])
    title = {k: f"{label.get(k, k)} {ARROW[report['directions'][k]]}" for k in keys}
    lines = [f"# {report['domain']} evaluation: {' vs '.join(systems)}", "",
             f"Run `{report['run']}`: base `{report['base_model']}`, then its `{report['method']}` adapter after each "
             f"training stage (all loaded on one base), greedy decoding, {report['max_new_tokens']} new tokens at "
             f"most, {report['n_examples']} held-out examples. ↑ higher is better, ↓ lower is better; brackets: "
             "bootstrap 95% interval of the mean over examples. A change is called better or worse by its sign; "
             "whether its paired interval excludes 0 says if it is more than resampling noise.", "",
             "| metric | " + " | ".join(systems) + " |", "|---|" + "---|" * len(systems)]
    lines += [f"| {title[k]} | " + " | ".join(_cell(report["systems"][s], k) for s in systems) + " |" for k in keys]
    lines.append("| generation s | " + " | ".join(str(report["systems"][s]["generation_s"]) for s in systems) + " |")
    for pair, diffs in report["differences"].items():
        lines += ["", f"## {pair} (paired: the same examples resampled for both)", "",
                  "| metric | change | 95% interval | verdict |", "|---|---|---|---|"]
        for k in keys:
            d = diffs[k]
            lo, hi = d["interval"]
            verdict = "excludes 0" if lo > 0 or hi < 0 else "includes 0"
            change = "n/a" if d["delta"] is None else f"{d['delta']:+.4f}"
            lines.append(f"| {title[k]} | {change} | [{lo:+.4f}, {hi:+.4f}] ({verdict}) | {d['verdict']} |")
    if tradeoff_plot(out_dir / "tradeoff.png", report):
        x, y = report["tradeoff"]
        lines += ["", f"![{label.get(y, y)} against {label.get(x, x)}](tradeoff.png)"]
    lines += ["", "## Output filter", "",
              "Every answer below passed through the domain's output filter first. What it caught, over all "
              f"{report['n_examples']} answers of each system:", ""]
    for s in systems:
        sys_report = report["systems"][s]
        after = sys_report.get("after_filter", {})
        through = ("; on the filtered text: " + ", ".join(f"{label.get(k, k)} {v:.3f}" for k, v in after.items()
                                                           if k in keys and v is not None)) if after else ""
        lines.append(f"- {s}: {_caught(sys_report.get('filter_caught', {}))}{through}")
    lines.append(f"- the prompts shown: {_caught(report.get('shown_prompts_filter_caught', {}))}")
    lines += ["", "## Sample answers", ""]
    for a in report["answers"][:shown]:
        lines += [f"### {a['id']} ({a['group']})", "", "<details><summary>prompt</summary>", "", "```",
                  a["prompt"], "```", "", "</details>", "", f"- reference: {a['reference']}"]
        lines += [f"- {s}: {a[s] or '(empty)'}" for s in systems]
        lines.append("")
    (out_dir / "report.md").write_text("\n".join(lines), encoding="utf-8")
