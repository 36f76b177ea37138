"""Scores of generated clips against their target mode and their reference clips, with no hub model:

- pitch-class-profile distance (total variation between the clip's 24-bin chroma and the mode's known profile;
  lower is better), in-scale energy (share of the chroma on the mode's degrees), mode accuracy (the nearest of all
  modes' profiles is the target), share of near-silent clips;
- tempo agreement (the clip's estimated tempo is within 8% of the described tempo, or of its double or half) and
  onset agreement (its onset rate over the reference clip's, smaller over larger; cookbook/tasks/audio_lm/rhythm.py);
- Fréchet distance between the generated set and the real test clips, over Whisper tiny.en encoder embeddings
  (cookbook/tasks/audio_lm/embed.py; a set-level score, lower is better, biased upward at small n).

`tempo_agreement` and `onset_agreement` of the real clips themselves (`reference_ceiling`) show how well the
estimators do on audio whose answer is known."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from cookbook.tasks.audio_lm.audio import read_wav
from cookbook.tasks.audio_lm.chroma import chroma_profile, nearest, pcp_distance
from cookbook.tasks.audio_lm.frechet import frechet_between
from cookbook.tasks.audio_lm.rhythm import estimate_tempo, onset_rate, onset_rate_agreement, tempo_agreement
from domains.music.modes import MODES, pitch_class_profile

REFS = {m: pitch_class_profile(m) for m in MODES}
EMBEDDER = "whisper-tiny.en"  # the offline ASR source whose encoder embeds clips for the Fréchet distance
EMBED_SECONDS = 4.0  # the corpus' clip length
CLIP_KEYS = ("pcp_distance", "in_scale", "mode_accuracy", "silent", "tempo_agreement", "onset_agreement")


@lru_cache(maxsize=512)
def _reference(path: str) -> tuple[np.ndarray, int, float]:
    audio, sr = read_wav(path)
    return audio, sr, onset_rate(audio, sr)


def score_clip(audio: np.ndarray, sr: int, mode: str, tonic_hz: float, tempo_bpm: float = 0.0,
               reference_onset_rate: float = 0.0) -> dict:
    profile = chroma_profile(audio, sr, tonic_hz)
    silent = float(np.sqrt(np.mean(np.square(audio))) < 1e-3) if len(audio) else 1.0
    return {"pcp_distance": pcp_distance(profile, REFS[mode]),
            "in_scale": float(profile[REFS[mode] > 0].sum()),
            "mode_accuracy": float(profile.sum() > 0 and nearest(profile, REFS) == mode),
            "silent": silent,
            "tempo_agreement": tempo_agreement(estimate_tempo(audio, sr), tempo_bpm),
            "onset_agreement": onset_rate_agreement(onset_rate(audio, sr), reference_onset_rate)}


def _mean(rows: list[dict]) -> dict:
    return {**{k: float(np.mean([r[k] for r in rows])) for k in CLIP_KEYS}, "n": len(rows)}


def _embedder():
    from cookbook.tasks.audio_lm.embed import whisper_embedder

    return whisper_embedder(EMBEDDER, EMBED_SECONDS)


def score_split(predictions: list[tuple[np.ndarray, int]], examples, embedder=None) -> dict:
    """Per-clip scores, their means overall and per mode, and the set's Fréchet distance to the real clips.
    `embedder`: an object with `embed([(audio, sr), ...]) -> (n, d)` (default: Whisper tiny.en's encoder)."""
    refs = [_reference(e.audio_path) for e in examples]
    per = [{"id": e.id, "group": e.group,
            **score_clip(audio, sr, e.group, e.tonic_hz, e.tempo_bpm, ref[2])}
           for (audio, sr), e, ref in zip(predictions, examples, refs, strict=True)]
    groups = sorted({r["group"] for r in per})
    embedder = embedder or _embedder()
    generated = embedder.embed([(a, sr) for a, sr in predictions])
    real = embedder.embed([(a, sr) for a, sr, _ in refs])
    overall = {**_mean(per), "frechet": frechet_between(generated, real)}
    return {"overall": overall, "by_group": {g: _mean([r for r in per if r["group"] == g]) for g in groups},
            "per_example": per}


def reference_ceiling(examples) -> dict:
    """The clip scores of the real clips themselves (what a perfect generator would get from these estimators)."""
    rows = []
    for e in examples:
        audio, sr, rate = _reference(e.audio_path)
        rows.append(score_clip(audio, sr, e.group, e.tonic_hz, e.tempo_bpm, rate))
    return _mean(rows)


def main() -> int:
    """`python -m domains.music.metrics`: the estimators on the real test clips (their ceiling) and Fréchet
    distances between sets of real clips (the noise floor at n = 8 and the distance between modes)."""
    import time
    from types import SimpleNamespace

    from domains.music.recipe import load_examples

    splits = {s: load_examples(SimpleNamespace(corpus_seed=0), s) for s in ("heldout_test", "base_test")}
    for split, examples in splits.items():
        print(split, {k: round(v, 3) for k, v in reference_ceiling(examples).items()})
    t0 = time.time()
    emb = {s: _embedder().embed([_reference(e.audio_path)[:2] for e in ex]) for s, ex in splits.items()}
    held, base = emb["heldout_test"], emb["base_test"]
    print(f"embedded {len(held) + len(base)} clips in {time.time() - t0:.1f} s")
    print("Frechet, heldout_test 8 vs 8 other clips (same modes):", round(frechet_between(held[::4][:8],
                                                                                           held[1::4][:8]), 3))
    print("Frechet, heldout_test 8 vs base_test 8 (other modes):", round(frechet_between(held[::4][:8],
                                                                                          base[::5][:8]), 3))
    print(f"Frechet, heldout_test {len(held)} vs base_test {len(base)}:", round(frechet_between(held, base), 3))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
