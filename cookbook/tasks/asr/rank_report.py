"""The learned rank distributions in the ASR comparison report: a heatmap per method (module kind x layer), how the
number of zero coefficients evolved (for methods whose summary traces it), and Markdown tables: a summary per
method, the mean rank per module kind, every layer, and the rank correlation between methods across layers.

A method's summary (`rank_distribution` in its metrics.json, from its registry entry) gives `layers`
({layer name: {"used": n, ...}}), `threshold` (what "used" means), optionally `max_rank` and a trace
`zeros_by_step` ([[step, zero coefficients], ...]) over `coefficients` in all. Nothing here knows a method.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SETTLED_FRACTION = 0.02  # settled: from this step on, the zero count stays within 2% of all coefficients of its end


def split_layer(name: str) -> tuple[str, str]:
    """'encoder.0.self_attn.q_proj' -> ('encoder.0', 'self_attn.q_proj'): up to the first index, and the rest."""
    parts = name.split(".")
    for i, part in enumerate(parts):
        if part.isdigit():
            return ".".join(parts[: i + 1]), ".".join(parts[i + 1:]) or name
    return "", name


def _kind_key(name: str) -> str:
    """'encoder.0.self_attn.q_proj' -> 'encoder self_attn.q_proj' (the layer index dropped)."""
    column, kind = split_layer(name)
    stack = column.rsplit(".", 1)[0] if column else ""
    return f"{stack} {kind}".strip()


def _max_rank(ranks: dict) -> int:
    return int(ranks.get("max_rank") or max(v["used"] for v in ranks["layers"].values()) or 1)


def _average_ranks(values: list[float]) -> np.ndarray:
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    sorted_vals = np.asarray(values, dtype=float)[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and sorted_vals[j + 1] == sorted_vals[i]:
            j += 1
        ranks[order[i: j + 1]] = (i + j) / 2.0
        i = j + 1
    return ranks


def spearman(a: list[float], b: list[float]) -> float | None:
    """Spearman rank correlation (average ranks for ties); None when either side is constant."""
    ra, rb = _average_ranks(a), _average_ranks(b)
    if len(a) < 3 or ra.std() == 0 or rb.std() == 0:
        return None
    return float(np.corrcoef(ra, rb)[0, 1])


def settled_step(trace: list[list[int]], coefficients: int) -> int | None:
    """First traced step from which the zero count stays within SETTLED_FRACTION of all coefficients of its final
    value."""
    if not trace:
        return None
    final, tol = trace[-1][1], SETTLED_FRACTION * coefficients
    step = trace[-1][0]
    for s, zeros in reversed(trace):
        if abs(zeros - final) > tol:
            break
        step = s
    return step


def plot_rank_heatmaps(path: Path, ranks: dict, plt) -> None:
    """One panel per method: rows = module kinds, columns = layers, colour = used / max rank, numbers = used."""
    methods = list(ranks)
    fig, axes = plt.subplots(1, len(methods), figsize=(5.5 * len(methods), 5), squeeze=False)
    for ax, method in zip(axes[0], methods, strict=True):
        layers, top = ranks[method]["layers"], _max_rank(ranks[method])
        columns = list(dict.fromkeys(split_layer(n)[0] for n in layers))
        kinds = list(dict.fromkeys(split_layer(n)[1] for n in layers))
        grid = np.full((len(kinds), len(columns)), np.nan)
        for name, v in layers.items():
            col, kind = split_layer(name)
            grid[kinds.index(kind), columns.index(col)] = v["used"]
        ax.imshow(grid / top, vmin=0, vmax=1, cmap="viridis", aspect="auto")
        for (i, j), value in np.ndenumerate(grid):
            if not np.isnan(value):
                ax.text(j, i, f"{int(value)}", ha="center", va="center", fontsize=7,
                        color="black" if value / top > 0.6 else "white")
        ax.set_xticks(range(len(columns)))
        ax.set_xticklabels(columns, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(kinds)))
        ax.set_yticklabels(kinds, fontsize=7)
        ax.set_title(f"{method}: ranks used of {top}\n({ranks[method]['threshold']})", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_zero_traces(path: Path, ranks: dict, plt) -> bool:
    traced = {m: r for m, r in ranks.items() if r.get("zeros_by_step")}
    if not traced:
        return False
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for method, r in traced.items():
        steps, zeros = zip(*r["zeros_by_step"], strict=True)
        ax.plot(steps, [z / r["coefficients"] for z in zeros], label=method)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("fraction of rank coefficients exactly 0")
    ax.set_ylim(0, 1)
    ax.legend()
    ax.set_title("when the learned rank distribution settles", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def rank_markdown(ranks: dict) -> list[str]:
    methods = list(ranks)
    lines = ["## Learned rank distributions", "",
             "| method | what counts as used | ranks used / possible | zero share | per layer min-max | per layer std |"
             " settled by step |", "|---|---|---|---|---|---|---|"]
    for m in methods:
        r = ranks[m]
        used = [v["used"] for v in r["layers"].values()]
        possible = _max_rank(r) * len(used)
        settled = settled_step(r.get("zeros_by_step", []), r.get("coefficients", possible))
        lines.append(f"| {m} | {r['threshold']} | {sum(used)} / {possible} | {1 - sum(used) / possible:.1%} | "
                     f"{min(used)}-{max(used)} | {np.std(used):.2f} | {settled if settled is not None else '-'} |")
    lines.append("")
    common = [n for n in ranks[methods[0]]["layers"] if all(n in ranks[m]["layers"] for m in methods)]
    for i, a in enumerate(methods):
        for b in methods[i + 1:]:
            rho = spearman([ranks[a]["layers"][n]["used"] for n in common],
                           [ranks[b]["layers"][n]["used"] for n in common])
            shown = f"{rho:.2f}" if rho is not None else "undefined (one side is the same in every layer)"
            lines.append(f"- Spearman rank correlation of ranks used per layer, {a} vs {b}, over {len(common)} "
                         f"layers: {shown}")
    lines += ["", "Mean ranks used per module kind (over the layer index; min-max in brackets):", "",
              "| module kind | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
    kinds = list(dict.fromkeys(_kind_key(n) for m in methods for n in ranks[m]["layers"]))
    for kind in kinds:
        cells = []
        for m in methods:
            used = [v["used"] for n, v in ranks[m]["layers"].items() if _kind_key(n) == kind]
            cells.append(f"{np.mean(used):.1f} ({min(used)}-{max(used)})" if used else "-")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    lines += ["", "<details><summary>Ranks used in every layer</summary>", "",
              "| layer | " + " | ".join(f"{m} (of {_max_rank(ranks[m])})" for m in methods) + " |",
              "|---|" + "---|" * len(methods)]
    names = list(dict.fromkeys(n for m in methods for n in ranks[m]["layers"]))
    for n in names:
        cells = [str(ranks[m]["layers"][n]["used"]) if n in ranks[m]["layers"] else "-" for m in methods]
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    lines += ["", "</details>", ""]
    return lines
