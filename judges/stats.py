"""Statistics for judges: agreement with gold labels, pairwise outcomes and position / length bias."""

from __future__ import annotations

import math

import numpy as np


def agreement(pred: list[int], gold: list[int]) -> dict:
    """Exact and within-one agreement, Spearman's rho and Cohen's quadratic-weighted kappa on 1-5 scores."""
    from scipy.stats import spearmanr
    from sklearn.metrics import cohen_kappa_score

    p, g = np.asarray(pred), np.asarray(gold)
    n = len(p)
    if n == 0:
        return {"n": 0, "exact": None, "within_one": None, "spearman": None, "kappa_quadratic": None}
    out = {"n": int(n), "exact": float(np.mean(p == g)), "within_one": float(np.mean(np.abs(p - g) <= 1))}
    # Spearman and kappa are undefined when one side is constant (a judge that always says 3): report None.
    rho = spearmanr(p, g).statistic if len(set(p)) > 1 and len(set(g)) > 1 else float("nan")
    out["spearman"] = None if math.isnan(rho) else float(rho)
    kappa = cohen_kappa_score(p, g, labels=[1, 2, 3, 4, 5], weights="quadratic")
    out["kappa_quadratic"] = None if math.isnan(kappa) else float(kappa)
    return out


def win_tie_loss(outcomes: list[str | None]) -> dict:
    """Outcomes "x" (first system wins), "y", "tie"; None (unparseable) is counted apart."""
    counted = [o for o in outcomes if o is not None]
    n = len(counted)
    win, tie, loss = (counted.count(k) for k in ("x", "tie", "y"))
    return {"n": n, "unparsed": len(outcomes) - n, "win": win, "tie": tie, "loss": loss,
            "win_rate": (win + 0.5 * tie) / n if n else None}


def flip_rate(pairs: list[dict]) -> dict:
    """Share of pairs (both orders parsed) whose verdict changes when the order is swapped."""
    parsed = [p for p in pairs if p["outcome"] is not None]
    flips = sum(p["flip"] for p in parsed)
    return {"n": len(parsed), "flips": flips, "flip_rate": flips / len(parsed) if parsed else None}


def position_bias(single_verdicts: list[str | None]) -> dict:
    """Share of decisive single-order verdicts that pick the answer shown first (0.5 = no position bias)."""
    v = [x for x in single_verdicts if x is not None]
    a, b, tie = v.count("A"), v.count("B"), v.count("tie")
    return {"n": len(v), "A": a, "B": b, "tie": tie, "position_a_win_rate": a / (a + b) if a + b else None}


def length_controlled_win_rate(outcomes: list[str | None], len_x: list[int], len_y: list[int]) -> dict:
    """Length-controlled win rate of x over y, as length-controlled AlpacaEval: a logistic regression of the
    outcome on the (normalised, tanh-squashed) length difference; the LC win rate is the predicted win
    probability at zero length difference. Ties count as half a win and half a loss (sample weights)."""
    from sklearn.linear_model import LogisticRegression

    rows = [(o, lx - ly) for o, lx, ly in zip(outcomes, len_x, len_y, strict=True) if o is not None]
    if not rows:
        return {"n": 0, "lc_win_rate": None, "raw_win_rate": None, "length_coef": None}
    diffs = np.array([d for _, d in rows], dtype=float)
    scale = diffs.std() or 1.0
    feats, ys, weights = [], [], []
    for (outcome, _), d in zip(rows, diffs, strict=True):
        f = [math.tanh(d / scale)]
        for y, w in ((1, {"x": 1.0, "tie": 0.5, "y": 0.0}[outcome]), (0, {"x": 0.0, "tie": 0.5, "y": 1.0}[outcome])):
            if w:
                feats.append(f)
                ys.append(y)
                weights.append(w)
    raw = float(np.average(ys, weights=weights))
    out = {"n": len(rows), "raw_win_rate": raw, "mean_length_diff": float(diffs.mean()), "length_scale": scale}
    if len(set(ys)) < 2:  # all wins or all losses: the regression is undefined, the raw rate is all we have
        return {**out, "lc_win_rate": raw, "length_coef": None, "note": "one outcome only; LC = raw"}
    model = LogisticRegression(C=np.inf).fit(np.array(feats), np.array(ys), sample_weight=np.array(weights))
    lc = 1.0 / (1.0 + math.exp(-float(model.intercept_[0])))
    return {**out, "lc_win_rate": lc, "length_coef": float(model.coef_[0][0])}


def mean_scores(results: list[dict], criteria: list[str]) -> dict:
    """Mean score per criterion (and their mean) over parsed results; unparseable ones are counted apart."""
    parsed = [r["scores"] for r in results if r["scores"] is not None]
    out = {c: float(np.mean([s[c] for s in parsed])) if parsed else None for c in criteria}
    out["mean"] = float(np.mean([out[c] for c in criteria])) if parsed else None
    out["n"] = len(parsed)
    out["unparsed"] = len(results) - len(parsed)
    return out
