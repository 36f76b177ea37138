"""Pitch-class profiles of audio, relative to a known tonic: a power-weighted chroma from a short-time Fourier
transform (numpy only, so no librosa/numba dependency), with `n_bins` classes per octave (24 = quarter tones,
which keeps makam's neutral intervals apart). Power weighting keeps the upper harmonics of a note (the 3rd one lies
a fifth away) an order of magnitude below its fundamental."""

from __future__ import annotations

import numpy as np

FMIN, FMAX = 100.0, 2500.0


def chroma_profile(audio: np.ndarray, sr: int, tonic_hz: float, n_bins: int = 24, n_fft: int = 16384,
                   hop: int = 4096) -> np.ndarray:
    """The clip's pitch-class profile (length n_bins, sums to 1; bin 0 = the tonic). Silence gives all zeros."""
    audio = np.asarray(audio, dtype=np.float64).reshape(-1)
    if len(audio) < n_fft:
        audio = np.pad(audio, (0, n_fft - len(audio)))
    frames = np.lib.stride_tricks.sliding_window_view(audio, n_fft)[::hop] * np.hanning(n_fft)
    power = (np.abs(np.fft.rfft(frames, axis=1)) ** 2).sum(axis=0)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    keep = (freqs >= FMIN) & (freqs <= FMAX)
    cents = 1200.0 * np.log2(freqs[keep] / tonic_hz)
    bins = np.round(cents / (1200.0 / n_bins)).astype(int) % n_bins
    profile = np.bincount(bins, weights=power[keep], minlength=n_bins)
    total = profile.sum()
    return profile / total if total > 1e-12 else np.zeros(n_bins)


def pcp_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Total-variation distance between two profiles (0 = identical, 1 = disjoint); an all-zero profile is 1."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.sum() <= 0 or b.sum() <= 0:
        return 1.0
    return float(0.5 * np.abs(a / a.sum() - b / b.sum()).sum())


def nearest(profile: np.ndarray, references: dict[str, np.ndarray]) -> str:
    """The name of the reference profile closest to `profile`."""
    return min(references, key=lambda name: pcp_distance(profile, references[name]))
