"""Markdown tables and plots of comparisons made by evaluation (cookbook/tasks/evaluated_compare.py): per comparison
one table per test split (every system's scores and measurements), per domain (every base model compared so far)
a plot per split of the headline metric against trainable parameters with each base model's Pareto frontier."""

from __future__ import annotations

import shutil
from pathlib import Path

from cookbook.plots import loss_curves, quality_vs_params
from cookbook.tasks.method_runs import (
    RUN_HEAD,
    cell,
    measured_when,
    method_dir,
    provenance_lines,
    run_cells,
    write_domain_markdown,
)

ARROW = {"higher": " ↑", "lower": " ↓", "neither": ""}
# Column heads of the measurements the kinds' evaluations record beside the scores (others show their key).
MEASURE_LABELS = {"generate_s": "generate s (all rows)", "clip_5s_s": "one 5 s clip s",
                  "denoise_loss": "denoising loss ↓", "seconds_per_image": "s / image"}


def measure_cell(v) -> str:
    """A measurement (a loss, seconds): 4 significant digits, whatever its size."""
    return cell(v) if not isinstance(v, float) else f"{v:.4g}"


def with_interval(v, interval) -> str:
    """A score with its 95% interval where it has one."""
    return cell(v) if not interval or v is None else f"{cell(v)} [{interval[0]:.3f}, {interval[1]:.3f}]"


def delta_cell(got: dict, base: dict, metric: str) -> str:
    """The tuned - base difference of `metric` on the same rows (`got`: a row's split section, `base`: the base's
    scores there), with its paired 95% interval ('-' for the base, which has none)."""
    paired = got.get("paired", {}).get(metric)
    if paired is None or metric not in base:
        return "-"
    return f"{got['overall'][metric] - base[metric]:+.3f} [{paired[0]:+.3f}, {paired[1]:+.3f}]"


def split_table(report: dict, split: str) -> list[str]:
    """One row per system: training columns, eval loss, every metric (the primary one with its 95% interval), the
    primary metric's paired difference from the base where the report has intervals, and each measure."""
    metrics = report["metrics"][split]
    primary = report["primary_metric"]
    measures = list(dict.fromkeys(k for row in report["rows"]
                                  for k in row["splits"].get(split, {}).get("measures", {})))
    label = report["metric_labels"].get
    labels = [label(k, k) + ARROW[report["directions"].get(k, "neither")] + (" [95% CI]" if k == primary else "")
              for k in metrics]
    has_paired = any("paired" in row["splits"].get(split, {}) for row in report["rows"])
    delta = [f"Δ {label(primary, primary)} vs base [95% CI]"] if has_paired else []
    head = [*RUN_HEAD, "eval loss ↓", *labels, *delta, *(MEASURE_LABELS.get(k, k) for k in measures)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    base = next((r for r in report["rows"] if r["system"] == "base"), {}).get("splits", {}).get(split, {})
    for row in report["rows"]:
        got = row["splits"].get(split, {})
        scores = [with_interval(got.get("overall", {}).get(k), got.get("intervals", {}).get(k) if k == primary
                                else None) for k in metrics]
        deltas = [delta_cell(got, base.get("overall", {}), primary)] if has_paired else []
        measured = [measure_cell(got.get("measures", {}).get(k)) for k in measures]
        lines.append("| " + " | ".join([*run_cells(row), measure_cell(row.get("eval_loss")), *scores, *deltas,
                                        *measured]) + " |")
    return lines


def describe(report: dict) -> str:
    extra = f" {' '.join(report['overrides'])}" if report["overrides"] else ""
    sizes = ", ".join(f"{split} {n}" for split, n in report["splits"].items())
    differs = (f" The base scored differently in the evaluations of {', '.join(report['base_differs_in'])}; the "
               "base row is the first method's." if report.get("base_differs_in") else "")
    return (f"Base `{report['base_model']}`, config `{report['config']}`{extra}: every method at the same budget, "
            f"each in its own process, then evaluated by `cookbook eval` on its run (base and tuned with the same "
            f"seeds). Test rows per split: {sizes}. Eval loss: each run's own, the training loss on "
            f"{report.get('loss_rows', '?')} `{report.get('loss_split', '?')}` rows at its end. ↑ higher is better, "
            f"↓ lower is better.{intervals_note(report)} Measured "
            f"{measured_when(report)}.{differs}")


def intervals_note(report: dict) -> str:
    if not any(row["splits"].get(s, {}).get("intervals") for row in report["rows"] for s in report["splits"]):
        return ""
    return (" Intervals: percentile bootstrap 95% over the test rows (1,000 resamples); the difference from the base "
            "is paired (the same rows resampled for both); set-level metrics (a Fréchet distance) have none.")


def convergence_chart(report: dict) -> str:
    return f"compare_convergence_{Path(report['base_model']).name}.png"


def draw_convergence(folder: Path, report: dict) -> bool:
    """Every method's logged train and eval losses against step, beside the report's tables."""
    histories = {row["system"]: row.get("loss_history") for row in report["rows"]}
    return loss_curves(folder / convergence_chart(report), histories,
                       f"{report['domain']} on {report['base_model']}: convergence at equal steps")


def grid_name(report: dict, row: dict, split: str) -> str:
    return f"compare_grid_{Path(report['base_model']).name}_{method_dir(Path(), row['system']).name}_{split}.png"


def copy_grids(folder: Path, report: dict) -> None:
    """Each method's base-vs-tuned sample grid next to the report (kept when the runs are gone: the report can be
    rebuilt from its JSON)."""
    for row in report["rows"]:
        for split, path in (row.get("grids") or {}).items():
            if Path(path).is_file():
                shutil.copyfile(path, folder / grid_name(report, row, split))


def grid_lines(folder: Path | None, report: dict) -> list[str]:
    shown = [(row, split) for row in report["rows"] for split in (row.get("grids") or {})
             if folder is None or (folder / grid_name(report, row, split)).is_file()]
    if not shown:
        return []
    lines = ["### Samples", "", "Per method and split: top row the base, bottom row the adapted model, same prompts "
             "and seeds.", ""]
    for row, split in shown:
        lines += [f"`{row['system']}`, {split}: ![{row['system']} {split}]({grid_name(report, row, split)})", ""]
    return lines


def tables(report: dict, folder: Path | None = None) -> list[str]:
    lines = []
    for split in report["splits"]:
        lines += [f"### {split}", "", *split_table(report, split), ""]
    if any(row.get("loss_history") for row in report["rows"]):
        lines += ["### Convergence", "", f"![convergence]({convergence_chart(report)})", ""]
    return lines + grid_lines(folder, report)


def write_run_report(out_dir: Path, report: dict) -> None:
    draw_convergence(out_dir, report)
    copy_grids(out_dir, report)
    lines = [f"# {report['domain']}: methods compared on `{report['base_model']}`", "", *provenance_lines(report),
             describe(report), "", *tables(report, out_dir)]
    (out_dir / "report.md").write_text("\n".join(lines), encoding="utf-8")


def plot(path: Path, reports: list[dict], split: str) -> None:
    """One panel per plotted metric (the primary one, then the recipe's plot_metrics): the metric against trainable
    parameters, every base model's systems with their intervals and Pareto frontier."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [reports[0]["primary_metric"], *reports[0].get("plot_metrics", [])]
    fig, axes = plt.subplots(1, len(metrics), figsize=(7.5 * len(metrics), 4.8), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        series = {r["base_model"]: [{"system": row["system"], "params": row["trainable_params"] or 0,
                                     "score": row["splits"][split]["overall"][metric],
                                     "interval": row["splits"][split].get("intervals", {}).get(metric)}
                                    for row in r["rows"] if metric in row["splits"].get(split, {}).get("overall", {})]
                  for r in reports}
        direction = reports[0]["directions"].get(metric, "higher")
        label = reports[0]["metric_labels"].get(metric, metric)
        quality_vs_params(None, series, f"{label} ({direction} is better)",
                          f"{reports[0]['domain']} / {split}: {label} vs trainable parameters",
                          higher_is_better=direction != "lower", ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_domain_report(folder: Path, reports: list[dict]) -> None:
    """reports/<domain>/compare.md and one plot per split, from the domain's comparisons (one per base model)."""
    if reports:
        for report in reports:
            draw_convergence(folder, report)
            copy_grids(folder, report)
        write_domain_markdown(
            folder, reports, "PEFT methods compared",
            "Each method trained on the same data and budget and evaluated on the held-out splits. Regenerated by "
            f"`make compare DOMAIN={reports[0]['domain']} METHODS=...` (one base model per run, `MODEL=...`).",
            "vs_params", plot, describe, lambda report: tables(report, folder))
