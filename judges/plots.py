"""Figures for the judge report (matplotlib, Agg). Each function writes one PNG and returns its file name."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from judges.rubrics import CRITERION_NAMES  # noqa: E402


def _save(fig, out_dir: Path, name: str) -> str:
    fig.tight_layout()
    fig.savefig(out_dir / name, dpi=110)
    plt.close(fig)
    return name


def scores_by_group(judged: dict, out_dir: Path) -> str:
    groups = sorted(judged["pointwise"]["tuned"]["by_group"])
    fig, ax = plt.subplots(figsize=(max(6, 0.5 * len(groups) + 2), 4))
    width = 0.4
    for k, (system, color) in enumerate((("base", "#999999"), ("tuned", "#1f77b4"))):
        by = judged["pointwise"][system]["by_group"]
        vals = [by[g]["mean"] or 0 for g in groups]
        ax.bar([i + (k - 0.5) * width for i in range(len(groups))], vals, width, label=system, color=color)
    ax.set_xticks(range(len(groups)), groups, rotation=60, ha="right", fontsize=8)
    ax.set_ylim(0, 5)
    ax.set_ylabel("mean judge score (1-5, mean of criteria)")
    ax.set_title(f"Pointwise judge scores per {judged.get('group_label') or 'group'}")
    ax.legend()
    return _save(fig, out_dir, "scores_by_group.png")


def pairwise_bias(judged: dict, out_dir: Path) -> str:
    pw = judged["pairwise"]
    wtl = pw["win_tie_loss"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.5))
    a1.bar(["tuned wins", "tie", "base wins"], [wtl["win"], wtl["tie"], wtl["loss"]],
           color=["#1f77b4", "#cccccc", "#999999"])
    a1.set_title(f"Pairwise, both orders (n={wtl['n']}, unparsed {wtl['unparsed']})")
    rates = {"swap-flip rate": pw["swap"]["flip_rate"], "position-A win rate": pw["position"]["position_a_win_rate"],
             "raw win rate": pw["length_controlled"]["raw_win_rate"],
             "length-controlled\nwin rate": pw["length_controlled"]["lc_win_rate"]}
    a2.bar(list(rates), [v if v is not None else 0 for v in rates.values()], color="#ff7f0e")
    a2.axhline(0.5, color="k", lw=0.8, ls="--")
    a2.set_ylim(0, 1)
    a2.tick_params(axis="x", labelsize=8)
    a2.set_title("Bias checks (dashed: 0.5)")
    return _save(fig, out_dir, "pairwise_bias.png")


def length_distribution(judged: dict, out_dir: Path) -> str:
    lens = judged["lengths_words"]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist([lens["base"], lens["tuned"]], bins=20, label=["base", "tuned"], color=["#999999", "#1f77b4"])
    ax.set_xlabel("answer length (words)")
    ax.set_ylabel("answers")
    ax.set_title("Answer lengths")
    ax.legend()
    return _save(fig, out_dir, "answer_lengths.png")


def calibration(cal: dict, out_dir: Path) -> str:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    names = [*CRITERION_NAMES, "pooled"]
    sections = [*(cal["per_criterion"][c] for c in CRITERION_NAMES), cal["pooled"]]
    for k, metric in enumerate(("exact", "within_one", "spearman", "kappa_quadratic")):
        ax.bar([i + (k - 1.5) * 0.2 for i in range(len(names))], [s[metric] or 0 for s in sections], 0.2,
               label=metric)
    ax.set_xticks(range(len(names)), names, fontsize=8)
    ax.set_ylim(-0.5, 1)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_title(f"Judge vs gold labels (n={cal['n_parsed']} parsed of {cal['n_gold']})")
    ax.legend(fontsize=7)
    return _save(fig, out_dir, "calibration.png")


def write_all(report: dict, out_dir: Path) -> list[str]:
    files = []
    judged = report.get("judged_eval")
    if judged:
        files += [scores_by_group(judged, out_dir), pairwise_bias(judged, out_dir),
                  length_distribution(judged, out_dir)]
    if report.get("calibration", {}).get("n_parsed"):
        files.append(calibration(report["calibration"], out_dir))
    return files
