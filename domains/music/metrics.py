"""Scores of generated clips against their target mode: pitch-class-profile distance (total variation between the
clip's 24-bin chroma and the mode's known profile; lower is better), in-scale energy (the share of the clip's
chroma on the mode's degrees; higher is better), mode accuracy (the nearest of all modes' profiles is the target),
and the share of near-silent clips."""

from __future__ import annotations

import numpy as np

from cookbook.tasks.audio_lm.chroma import chroma_profile, nearest, pcp_distance
from domains.music.modes import MODES, pitch_class_profile

REFS = {m: pitch_class_profile(m) for m in MODES}


def score_clip(audio: np.ndarray, sr: int, mode: str, tonic_hz: float) -> dict:
    profile = chroma_profile(audio, sr, tonic_hz)
    silent = float(np.sqrt(np.mean(np.square(audio))) < 1e-3) if len(audio) else 1.0
    return {"pcp_distance": pcp_distance(profile, REFS[mode]),
            "in_scale": float(profile[REFS[mode] > 0].sum()),
            "mode_accuracy": float(profile.sum() > 0 and nearest(profile, REFS) == mode),
            "silent": silent}


def _mean(rows: list[dict]) -> dict:
    keys = ("pcp_distance", "in_scale", "mode_accuracy", "silent")
    return {**{k: float(np.mean([r[k] for r in rows])) for k in keys}, "n": len(rows)}


def score_split(predictions: list[tuple[np.ndarray, int]], examples) -> dict:
    per = [{"id": e.id, "group": e.group, **score_clip(audio, sr, e.group, e.tonic_hz)}
           for (audio, sr), e in zip(predictions, examples, strict=True)]
    groups = sorted({r["group"] for r in per})
    return {"overall": _mean(per), "by_group": {g: _mean([r for r in per if r["group"] == g]) for g in groups},
            "per_example": per}
