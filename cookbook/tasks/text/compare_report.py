"""Markdown and plots of text-kind method comparisons. Per comparison (one base model): every system's training cost
and each domain metric with its bootstrap 95% interval and its change from the base (paired interval), the exported
models' size and generation speed, and the primary metric per group. Per domain (every base model compared so far):
the primary metric against trainable parameters with each base model's Pareto frontier, then each comparison's
tables. Columns are the metric keys the domain's `score` returned."""

from __future__ import annotations

from pathlib import Path

from cookbook.plots import quality_vs_params
from cookbook.tasks.method_runs import RUN_HEAD, cell, measured_when, one_decimal, run_cells


def _with_interval(value: float, interval: list[float] | None, signed: bool = False) -> str:
    f = "{:+.4f}" if signed else "{:.4f}"
    text = f.format(value)
    return text + (" [" + ", ".join(f.format(v) for v in interval) + "]" if interval else "")


def describe(report: dict) -> str:
    d, b = report["decoding"], report["budget"]
    extra = f" {' '.join(report['overrides'])}" if report["overrides"] else ""
    return (f"Base `{report['base_model']}`, config `{report['config']}`{extra}: every method {b['max_steps']} steps "
            f"of batch {b['batch_size']} x {b['grad_accum']} (lr {b['lr']}), each in its own process. Greedy answers "
            f"to {report['n_examples']} held-out `{report['split']}` examples, {d['max_new_tokens']} new tokens at "
            f"most (repetition_penalty {d['repetition_penalty']}, no_repeat_ngram_size {d['no_repeat_ngram_size']}) "
            f"for every system; [bracketed]: bootstrap 95% intervals over examples (paired for the change from the "
            f"base). Measured {measured_when(report)}.")


def table(report: dict) -> list[str]:
    keys, label = report["metrics"], report["metric_labels"]
    head = [*RUN_HEAD, "answer s", *(label[k] for k in keys), *(f"{label[k]} - base" for k in keys)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in report["rows"]:
        scores = [_with_interval(row["overall"][k], row["intervals"].get(k)) for k in keys]
        deltas = [_with_interval(row["delta"][k]["value"], row["delta"][k].get("interval"), signed=True)
                  if "delta" in row else "-" for k in keys]
        lines.append("| " + " | ".join([*run_cells(row), one_decimal(row["generation_s"]), *scores, *deltas]) + " |")
    return lines


def export_table(report: dict) -> list[str]:
    """The methods that export a smaller model: its parameters, what it removed, and decoding tokens/s."""
    rows = [r for r in report["rows"] if "export" in r]
    if not rows:
        return []
    e0 = rows[0]["export"]
    lines = [f"Exported models (merged; pruned FFN neurons dropped, pruned heads left as zero columns). Speed: "
             f"{e0['prompts']} held-out prompts, exactly {e0['new_tokens']} greedy tokens each, plain decoding.", "",
             "| method | params before | params after | FFN neurons kept | heads kept | tokens/s base | "
             "tokens/s base + adapter | tokens/s exported | exported / adapter | same tokens as adapter |",
             "|" + "---|" * 10]
    for r in rows:
        e, s = r["export"], r["export"]["speed"]
        ratio = s["exported"]["tokens_per_s"] / s["adapter"]["tokens_per_s"] if s["adapter"]["tokens_per_s"] else 0
        lines.append(f"| {r['system']} | {cell(e['params_before'])} | {cell(e['params_after'])} | "
                     f"{cell(e['ffn_neurons_kept'])} / {cell(e['ffn_neurons_before'])} | "
                     f"{cell(e['heads_kept'])} / {cell(e['heads_before'])} | {s['base']['tokens_per_s']} | "
                     f"{s['adapter']['tokens_per_s']} | {s['exported']['tokens_per_s']} | x{ratio:.2f} | "
                     f"{e['same_tokens_as_adapter']:.3f} |")
    return ["", *lines]


def group_table(report: dict) -> list[str]:
    main = report["primary_metric"]
    groups = sorted({g for r in report["rows"] for g in r.get("by_group", {})})
    if not groups:
        return []
    systems = [r["system"] for r in report["rows"]]
    lines = ["", f"{report['metric_labels'][main]} per group:", "",
             "| group | n | " + " | ".join(systems) + " |", "|---|---|" + "---|" * len(systems)]
    for g in groups:
        n = report["rows"][0]["by_group"].get(g, {}).get("n", "")
        lines.append(f"| {g} | {n} | " + " | ".join(cell(r["by_group"].get(g, {}).get(main)) for r in report["rows"])
                     + " |")
    return lines


def plot(path: Path, reports: list[dict]) -> None:
    main = reports[0]["primary_metric"]
    series = {r["base_model"]: [{"system": row["system"], "params": row["trainable_params"],
                                 "score": row["overall"][main], "interval": row["intervals"].get(main)}
                                for row in r["rows"]] for r in reports}
    label = reports[0]["metric_labels"][main]
    quality_vs_params(path, series, f"{label} (95% bootstrap interval)",
                      f"{reports[0]['domain']}: held-out {label} vs trainable parameters",
                      xlabel="trainable parameters (log; the base model plotted at 1)")


def write_run_report(out_dir: Path, report: dict) -> None:
    chart = "quality_vs_params.png"
    plot(out_dir / chart, [report])
    lines = [f"# {report['domain']}: methods compared on `{report['base_model']}`", "", describe(report), "",
             *table(report), *export_table(report), "", f"![quality vs trainable parameters]({chart})",
             *group_table(report), ""]
    (out_dir / "report.md").write_text("\n".join(lines), encoding="utf-8")


def write_domain_report(folder: Path, reports: list[dict]) -> None:
    """reports/<domain>/compare.md and its plot from the domain's comparisons, one per base model."""
    if not reports:
        return
    domain, main = reports[0]["domain"], reports[0]["primary_metric"]
    chart = f"compare_{main}_vs_params.png"
    plot(folder / chart, reports)
    lines = [f"# {domain}: PEFT methods compared", "",
             "Each method trained on the same data and budget, scored with the domain's metrics on its held-out "
             f"split. Regenerated by `make compare DOMAIN={domain} METHODS=...` (one base model per run, "
             "`MODEL=...`).", "", f"![{main} vs trainable parameters]({chart})", ""]
    for report in reports:
        lines += [f"## `{report['base_model']}`", "", describe(report), "", *table(report), *export_table(report),
                  ""]
    (folder / "compare.md").write_text("\n".join(lines), encoding="utf-8")
