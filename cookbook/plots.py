"""Plots every task kind's reports share."""

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


def loss_curve(path: Path, log_history: list[dict]) -> bool:
    """Train and eval loss against step from a Trainer's `state.log_history` (on a resumed run it holds the steps
    before the interruption too). False, and no file, when nothing was logged."""
    train = [(h["step"], h["loss"]) for h in log_history if "loss" in h and "step" in h]
    evals = [(h["step"], h["eval_loss"]) for h in log_history if "eval_loss" in h and "step" in h]
    if not train and not evals:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2))
    for points, label, style in ((train, "train loss", "-"), (evals, "eval loss", "o--")):
        if points:
            ax.plot(*zip(*points, strict=True), style, label=label)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title("Loss")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def loss_curves(path: Path, histories: dict[str, dict], title: str) -> bool:
    """Each system's train loss (line) and eval loss (markers) against step, one colour per system, for a
    comparison's convergence. `histories`: {system: {"loss": [[step, loss], ...], "eval_loss": [...]}}. False, and
    no file, when no system logged a loss."""
    histories = {k: v for k, v in histories.items() if v and (v.get("loss") or v.get("eval_loss"))}
    if not histories:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (train_ax, eval_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    for i, (system, history) in enumerate(histories.items()):
        for ax, key, style in ((train_ax, "loss", "-"), (eval_ax, "eval_loss", "o-")):
            if history.get(key):
                ax.plot(*zip(*history[key], strict=True), style, color=f"C{i % 10}", label=system, lw=1, ms=3)
    for ax, what in ((train_ax, "train loss (as logged)"), (eval_ax, "eval loss (held-out rows)")):
        ax.set_xlabel("step")
        ax.set_ylabel(what)
        ax.grid(alpha=0.3)
    eval_ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def pareto_front(points: list[tuple[float, float]], higher_is_better: bool = True) -> list[tuple[float, float]]:
    """The points no other point beats: fewer or equal parameters and a better score."""
    sign = 1.0 if higher_is_better else -1.0
    front, best = [], float("-inf")
    for x, y in sorted(points, key=lambda p: (p[0], -sign * p[1])):
        if sign * y > best:
            front.append((x, y))
            best = sign * y
    return front


def quality_vs_params(path: Path | None, series: dict[str, list[dict]], ylabel: str, title: str,
                      xlabel: str = "trainable parameters (log; untuned systems plotted at 1)",
                      higher_is_better: bool = True, ax=None) -> None:
    """A score against trainable parameters (log x), one colour per series (a base model), each point labelled with
    its system, a vertical bar where it has an `interval`, and each series' Pareto frontier (by
    `higher_is_better`) dashed. A point: {"system", "params", "score", "interval": [lo, hi] or absent}. Saved to
    `path`, or drawn on `ax` (one panel of a larger figure, which its caller saves)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.8)) if ax is None else (None, ax)
    for i, (label, points) in enumerate(series.items()):
        color = f"C{i}"
        xy = [(max(p["params"], 1), p["score"]) for p in points]
        for p, (x, y) in zip(points, xy, strict=True):
            lo_hi = p.get("interval")
            if lo_hi:
                ax.errorbar([x], [y], yerr=[[y - lo_hi[0]], [lo_hi[1] - y]], color=color, capsize=3, lw=0.8)
            ax.scatter([x], [y], color=color, s=36)
            ax.annotate(p["system"], (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
        front = pareto_front(xy, higher_is_better)
        ax.plot([p[0] for p in front], [p[1] for p in front], color=color, linestyle="--",
                label=f"{label} (frontier)")
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    if fig is not None:
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
