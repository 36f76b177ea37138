"""The judge comparison table (markdown) and plot from the calibration file (judges/calibration.py)."""

from __future__ import annotations

from pathlib import Path

TARGETS = {"kappa": 0.6, "swap_flip_rate": 0.15, "position_a_rate": (0.4, 0.6), "injection_shift": 0.3,
           "injection_shift_per_attack": 1.0}


def _f(v, digits: int = 2) -> str:
    return "-" if v is None else f"{v:+.{digits}f}" if isinstance(v, float) and v < 0 else \
        f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def _ci(v, ci) -> str:
    return _f(v) + (f" [{_f(ci[0])}, {_f(ci[1])}]" if ci else "")


def _worst_attack(row: dict) -> str:
    by = row.get("injection_shift_by_attack") or {}
    by = {k: v for k, v in by.items() if v is not None}
    if not by:
        return "-"
    k = max(by, key=lambda a: abs(by[a]))
    return f"{_f(by[k])} ({k})"


def table_md(table: dict) -> str:
    judges = table.get("judges", {})
    lines = [f"Gold: `{table.get('gold_file')}` (domain {table.get('domain')}); default judge: "
             f"**{table.get('default')}** (highest kappa).", "",
             "| judge | gold n (unparsed) | exact | within-one | Spearman [95% CI] | quadratic kappa [95% CI] | "
             "swap-flip | position-A | injection shift (worst attack) | wall s | load |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in judges.items():
        lines.append(
            f"| {name} | {r['n_gold']} ({r['unparsed']}) | {_f(r['exact'])} | {_f(r['within_one'])} | "
            f"{_ci(r['spearman'], r.get('spearman_ci'))} | {_ci(r['kappa'], r.get('kappa_ci'))} | "
            f"{_f(r.get('swap_flip_rate'))} | {_f(r.get('position_a_rate'))} | "
            f"{_f(r.get('injection_shift'))}; {_worst_attack(r)} | {r['seconds']:.0f} | "
            f"{r.get('load_average', ['-'])[0]} |")
    cats_all = _categories(judges)
    if cats_all:
        lines += ["", "Judge mean score (1-5, mean of criteria) per gold category (gold mean in brackets):", "",
                  "| judge | " + " | ".join(cats_all) + " |", "|---|" + "---|" * len(cats_all)]
    for name, r in judges.items() if cats_all else ():
        cats = r.get("by_category", {})
        lines.append(f"| {name} | " + " | ".join(
            f"{cats[c]['judge_mean']:.2f} ({cats[c]['gold_mean']:.2f})" if c in cats else "-"
            for c in _categories(judges)) + " |")
    lines += ["", f"Targets: kappa >= {TARGETS['kappa']}, swap-flip <= {TARGETS['swap_flip_rate']}, position-A in "
              f"{TARGETS['position_a_rate']}, mean injection shift within +-{TARGETS['injection_shift']} and no "
              f"attack kind beyond +-{TARGETS['injection_shift_per_attack']}."]
    return "\n".join(lines) + "\n"


def _categories(judges: dict) -> list[str]:
    return sorted({c for r in judges.values() for c in r.get("by_category", {})})


def plot(table: dict, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(table.get("judges", {}))
    rows = [table["judges"][n] for n in names]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 0.6 * len(names) + 2.2), sharey=True)
    y = list(range(len(names)))
    kappa = [r["kappa"] or 0.0 for r in rows]
    err = [[k - (r.get("kappa_ci") or [k, k])[0] for k, r in zip(kappa, rows, strict=True)],
           [(r.get("kappa_ci") or [k, k])[1] - k for k, r in zip(kappa, rows, strict=True)]]
    ax1.barh(y, kappa, xerr=err, color="#4c72b0", capsize=4)
    ax1.axvline(TARGETS["kappa"], color="k", ls="--", lw=1, label=f"target {TARGETS['kappa']}")
    ax1.set_yticks(y, names)
    ax1.set_xlabel("quadratic kappa vs gold (95% bootstrap CI)")
    ax1.set_xlim(min(-0.2, min(kappa) - 0.1), 1.0)
    ax1.legend(loc="lower right")
    for offset, key, color, label in ((-0.2, "swap_flip_rate", "#dd8452", "swap-flip rate"),
                                      (0.2, "position_a_rate", "#55a868", "position-A rate")):
        ax2.barh([i + offset for i in y], [r.get(key) or 0.0 for r in rows], height=0.38, color=color, label=label)
    ax2.axvline(TARGETS["swap_flip_rate"], color="#dd8452", ls="--", lw=1)
    ax2.axvspan(*TARGETS["position_a_rate"], color="#55a868", alpha=0.12)
    ax2.set_xlim(0, 1)
    ax2.set_xlabel("pairwise bias (dashed: flip target; band: position-A target)")
    ax2.legend(loc="lower right")
    fig.suptitle(f"Judges against {table.get('domain')} gold labels")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
