"""What every kind's `compare` shares: one training run per method, each in its own process (so its time and peak
memory are its own), reused when a finished run is already there (a comparison resumes where it stopped); the
training columns every comparison row starts from; and the committed results, reports/<domain>/compare_<base
model>.json, from which the domain's compare.md is rebuilt over every base model compared so far."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from cookbook.errors import CookbookError
from cookbook.paths import reports_dir
from cookbook.runs import read_json, write_json

# metrics.json keys (cookbook/runs.py) a comparison row carries for each trained method
RUN_COLUMNS = ("trainable_params", "total_params", "train_runtime_s", "peak_rss_mb", "train_tokens_per_s", "steps",
               "train_loss_last", "eval_loss")


def method_spec(spec: str) -> tuple[str, list[str]]:
    """`conv_adapter:adapter_size=large:adapter_layers=[0]` -> ("conv_adapter", ["peft.adapter_size=large", ...]):
    a method with its own peft settings, so one comparison can hold several sizes of one method. A dotted key is
    any other override of that run (`lora:train.seed=1`: a second seed of the same method)."""
    name, *settings = spec.split(":")
    for setting in settings:
        if "=" not in setting:
            raise CookbookError(f"method '{spec}': '{setting}' is not key=value (e.g. {name}:r=16)")
    return name.strip(), [s.strip() if "." in s.split("=")[0] else f"peft.{s.strip()}" for s in settings]


def with_sizes(methods: list[str], sizes: list[str], presets: Callable[[str], tuple[str, ...]]) -> list[str]:
    """Each method that has size presets (`presets(name)`, e.g. conv_adapter: small/medium/large) once per size in
    `sizes` (conv_adapter -> conv_adapter:adapter_size=small, ...); methods without presets, and specs that already
    set their own peft settings, once. A size a method does not have is an error."""
    if not sizes:
        return methods
    out = []
    for spec in methods:
        name, settings = method_spec(spec)
        have = presets(name)
        if settings or not have:
            out.append(spec)
            continue
        unknown = [s for s in sizes if s not in have]
        if unknown:
            raise CookbookError(f"method '{name}' has no size {', '.join(unknown)} (its sizes: {', '.join(have)})")
        out += [f"{name}:adapter_size={size}" for size in sizes]
    return out


def method_dir(out_dir: Path, spec: str) -> Path:
    """The run directory of one method spec inside a comparison (conv_adapter:adapter_size=large ->
    conv_adapter_adapter_size-large)."""
    return Path(out_dir) / spec.replace(":", "_").replace("=", "-").replace("/", "-")


def train_method_run(domain: str, config: str, method: str, run_dir: Path, overrides: list[str]) -> None:
    """Train `method` (a spec: a name, optionally with :key=value peft settings) into `run_dir`, unless a finished
    run is there."""
    if read_json(run_dir / "metrics.json").get("completed"):
        print(f"[cookbook] {method}: finished run in {run_dir}, reused", file=sys.stderr)
        return
    name, settings = method_spec(method)
    cmd = [sys.executable, "-m", "cookbook.cli", "train", domain, "--config", config, f"peft.method={name}",
           f"output_dir={run_dir}", *overrides, *settings]
    print(f"[cookbook] {method}: {' '.join(cmd[2:])}", file=sys.stderr, flush=True)
    if subprocess.run(cmd).returncode != 0:
        raise CookbookError(f"training {method} failed (see above); fix it and re-run: finished methods are kept")


def run_columns(run_dir: Path, keys: tuple[str, ...] = RUN_COLUMNS) -> dict:
    """The finished run's training measurements (`keys` of its metrics.json; None where it has none)."""
    metrics = read_json(Path(run_dir) / "metrics.json")
    return {key: metrics.get(key) for key in keys}


def publish(report: dict, write_domain_report: Callable[[Path, list[dict]], None]) -> Path:
    """reports/<domain>/compare_<base model>.json, then `write_domain_report(folder, every compare_*.json there)`;
    returns the folder."""
    folder = reports_dir() / report["domain"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"compare_{Path(report['base_model']).name}.json"
    write_json(path, with_earlier_rows(report, read_json(path)))
    write_domain_report(folder, [read_json(p) for p in sorted(folder.glob("compare_*.json"))])
    return folder


def stamp_measured(rows: list[dict]) -> str:
    """Now, also written into each row as when it was measured (published rows keep it beside kept earlier rows)."""
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    for row in rows:
        row["measured"] = now
    return now


def measured_when(report: dict) -> str:
    """One date, or which rows were measured when (a comparison run in parts; the train times of rows measured
    apart were taken under different machine loads)."""
    dates: dict[str, list[str]] = {}
    for row in report["rows"]:
        dates.setdefault(row.get("measured", report["created"]), []).append(row["system"])
    if len(dates) == 1:
        return next(iter(dates))
    return "in parts: " + "; ".join(f"{', '.join(systems)} {when}" for when, systems in sorted(dates.items()))


# What must match for an earlier comparison's rows to stand next to a new one's.
SAME_SETUP = ("domain", "config", "overrides", "base_model", "split", "splits", "n_examples", "decoding", "budget",
              "metrics")


def with_earlier_rows(report: dict, earlier: dict) -> dict:
    """`report`, plus the rows of methods an earlier comparison measured and this one did not, when both used the
    same setup and scored the same base answers (so each kept row's paired delta against the base still holds).
    A comparison can thus run its methods in parts; each row says when it was measured."""
    for row in report["rows"]:
        row.setdefault("measured", report["created"])
    if not earlier.get("rows") or any(earlier.get(k) != report.get(k) for k in SAME_SETUP):
        return report
    if scores_of(earlier["rows"][0]) != scores_of(report["rows"][0]):
        return report  # another base: the earlier deltas were against other answers
    have = {row["system"] for row in report["rows"]}
    kept = [{**row, "measured": row.get("measured", earlier.get("created"))} for row in earlier["rows"]
            if row["system"] not in have]
    if not kept:
        return report
    methods = [*report.get("methods", []), *(r["system"] for r in kept)]
    return {**report, "rows": report["rows"] + kept, "methods": methods}


def scores_of(row: dict):
    """A row's overall scores: one set, or one per benchmark split."""
    if "splits" in row:
        return {split: scored.get("overall") for split, scored in row["splits"].items()}
    return row.get("overall")


def write_domain_markdown(folder: Path, reports: list[dict], title: str, intro: str, chart_suffix: str,
                          plot_split: Callable[[Path, list[dict], str], None], describe: Callable[[dict], str],
                          table: Callable[[dict], list[str]]) -> None:
    """reports/<domain>/compare.md: `intro`, one plot per test split (`plot_split(path, reports with that split,
    split)`), then per comparison (one per base model) its description and table."""
    lines = [f"# {reports[0]['domain']}: {title}", "", intro, ""]
    for split in dict.fromkeys(s for r in reports for s in r["splits"]):
        chart = f"compare_{split}_{chart_suffix}.png"
        plot_split(folder / chart, [r for r in reports if split in r["splits"]], split)
        lines += [f"![{split}]({chart})", ""]
    for report in reports:
        lines += [f"## `{report['base_model']}`", "", *provenance_lines(report), describe(report), "",
                  *table(report), ""]
    (folder / "compare.md").write_text("\n".join(lines), encoding="utf-8")


def provenance_lines(report: dict) -> list[str]:
    """What the compared base model is (cookbook.models.provenance, recorded when the comparison ran)."""
    return [f"Model: {report['provenance']}", ""] if report.get("provenance") else []


def cell(v) -> str:
    """A comparison table's cell: scores to 4 decimals, seconds and megabytes to 1, counts with separators."""
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4f}" if abs(v) <= 1 else f"{v:,.1f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


RUN_HEAD = ("system", "trainable params", "train s", "peak RSS MB")


def one_decimal(v) -> str:
    """Seconds and megabytes."""
    return "-" if v is None else f"{v:,.1f}"


def run_cells(row: dict) -> list[str]:
    """The cells under RUN_HEAD for one comparison row (untuned systems have no training columns)."""
    return [row["system"], cell(row["trainable_params"]), one_decimal(row.get("train_runtime_s")),
            one_decimal(row.get("peak_rss_mb"))]
