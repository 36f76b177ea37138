"""Markdown and plots for the ASR method comparison: WER vs trainable parameters, and the learned rank
distributions of the methods whose registry entry summarises one (e.g. S2-LoRA's used coefficients per layer
next to AdaLoRA's final rank allocation)."""

from __future__ import annotations

from pathlib import Path

from cookbook.tasks.asr.rank_report import plot_rank_heatmaps, plot_zero_traces, rank_markdown


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_wer_vs_params(path: Path, report: dict) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    markers = {"test_in": "o", "test_out": "s"}
    for split in report["splits"]:
        xs, ys = [], []
        for row in report["rows"]:
            x = max(row["trainable_params"], 1)
            xs.append(x)
            ys.append(row[f"{split}_wer"])
            ax.annotate(row["system"], (x, row[f"{split}_wer"]), textcoords="offset points", xytext=(4, 4),
                        fontsize=8)
        ax.scatter(xs, ys, marker=markers.get(split, "^"), label=split, s=40)
    ax.set_xscale("log")
    ax.set_xlabel("trainable parameters (log; base plotted at 1)")
    ax.set_ylabel("WER (normalized)")
    ax.set_title(f"{report['domain']}: WER vs trainable parameters ({report['base_model']})")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_ranks(path: Path, ranks: dict) -> None:
    """One horizontal bar chart per method: ranks used per adapted layer."""
    plt = _plt()
    methods = list(ranks)  # in the order the comparison was asked for
    if not methods:
        return
    n_layers = max(len(ranks[m]["layers"]) for m in methods)
    fig, axes = plt.subplots(1, len(methods), figsize=(6 * len(methods), max(4, 0.14 * n_layers + 1.5)),
                             squeeze=False)
    for ax, method in zip(axes[0], methods, strict=True):
        layers = ranks[method]["layers"]
        names = list(layers)
        ax.barh(range(len(names)), [layers[n]["used"] for n in names], color="tab:blue")
        ax.set_yticks(range(len(names)))
        ax.set_yticklabels(names, fontsize=5)
        ax.invert_yaxis()
        ax.set_xlabel("ranks used")
        ax.set_title(f"{method}: {ranks[method]['threshold']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_compare_report(out_dir: Path, report: dict) -> None:
    plot_wer_vs_params(out_dir / "wer_vs_params.png", report)
    traced = False
    if report["ranks"]:
        plot_ranks(out_dir / "rank_distribution.png", report["ranks"])
        plot_rank_heatmaps(out_dir / "rank_heatmap.png", report["ranks"], _plt())
        traced = plot_zero_traces(out_dir / "rank_settling.png", report["ranks"], _plt())
    splits = list(report["splits"])
    head = " | ".join(f"{s} WER | {s} CER" for s in splits)
    lines = [f"# {report['domain']}: method comparison", "",
             f"Base `{report['base_model']}`, config `{report['config']}` {' '.join(report['overrides'])}, "
             f"equal steps for every method; test utterances: "
             + ", ".join(f"{s} {n}" for s, n in report["splits"].items()) + ".", "",
             f"| system | trainable params | train s | peak RSS MB | {head} |",
             "|---|---|---|---|" + "---|---|" * len(splits)]
    for r in report["rows"]:
        wer = " | ".join(f"{r[f'{s}_wer']:.4f} | {r[f'{s}_cer']:.4f}" for s in splits)
        lines.append(f"| {r['system']} | {r['trainable_params']:,} | {r.get('train_runtime_s', '-')} | "
                     f"{r.get('peak_rss_mb', '-')} | {wer} |")
    lines += ["", "![WER vs trainable parameters](wer_vs_params.png)", ""]
    if report["ranks"]:
        lines += rank_markdown(report["ranks"])
        lines += ["![rank distributions per layer](rank_heatmap.png)", "",
                  "![rank distributions](rank_distribution.png)", ""]
        if traced:
            lines += ["![zero coefficients per step](rank_settling.png)", ""]
    (out_dir / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
