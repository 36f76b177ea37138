"""Markdown and plots for evaluation reports."""

from __future__ import annotations

from pathlib import Path


def bar_chart(path: Path, groups: list[str], series: dict[str, list[float]], ylabel: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    width = 0.8 / max(len(series), 1)
    fig, ax = plt.subplots(figsize=(max(8, 0.55 * len(groups) + 2), 4.8))
    for i, (name, values) in enumerate(series.items()):
        ax.bar([x + i * width for x in range(len(groups))], values, width, label=name)
    ax.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(groups))])
    ax.set_xticklabels(groups, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_eval_report(out_dir: Path, report: dict) -> None:
    base, tuned = report["systems"]["base"], report["systems"]["tuned"]
    groups = sorted(tuned["by_group"])
    bar_chart(out_dir / "rougeL_by_group.png", groups,
              {"base": [base["by_group"][g]["rougeL"] for g in groups],
               "tuned": [tuned["by_group"][g]["rougeL"] for g in groups]},
              "ROUGE-L", f"{report['domain']}: held-out ROUGE-L per group")
    lines = [
        f"# {report['domain']} evaluation", "",
        f"Run `{report['run']}`: base `{report['base_model']}` vs the same model with its `{report['method']}` "
        f"adapter, greedy decoding, {report['max_new_tokens']} new tokens at most, "
        f"{report['n_examples']} held-out examples.", "",
        "| system | ROUGE-L | token F1 | generation s |", "|---|---|---|---|",
    ]
    for name, s in report["systems"].items():
        lines.append(f"| {name} | {s['overall']['rougeL']:.4f} | {s['overall']['token_f1']:.4f} | "
                     f"{s['generation_s']} |")
    lines += ["", f"Change (tuned - base): ROUGE-L {report['delta']['rougeL']:+.4f}, "
              f"token F1 {report['delta']['token_f1']:+.4f}.", "",
              "![ROUGE-L per group](rougeL_by_group.png)", "",
              "| group | n | base ROUGE-L | tuned ROUGE-L | base F1 | tuned F1 |", "|---|---|---|---|---|---|"]
    for g in groups:
        b, t = base["by_group"][g], tuned["by_group"][g]
        lines.append(f"| {g} | {t['n']} | {b['rougeL']:.3f} | {t['rougeL']:.3f} | {b['token_f1']:.3f} | "
                     f"{t['token_f1']:.3f} |")
    lines += ["", "## Sample answers", ""]
    for a in report["answers"][:5]:
        lines += [f"**Q ({a['group']}):** {a['question']}", "", f"- reference: {a['reference']}",
                  f"- base: {a['base'] or '(empty)'}", f"- tuned: {a['tuned'] or '(empty)'}", ""]
    (out_dir / "report.md").write_text("\n".join(lines), encoding="utf-8")
