"""Note onsets and tempo of audio, numpy only (librosa is not a dependency: it pulls numba): an onset-strength
envelope (spectral flux of the log-compressed magnitude spectrogram, half-wave rectified, summed over frequency),
onsets by peak picking on it, and a tempo estimate from its autocorrelation weighted by a log-normal prior around
120 bpm (the method and defaults of librosa's onset_strength / onset_detect / beat.tempo, re-implemented).

Agreement measures: `tempo_agreement` (the estimate lies within 8% of the target tempo, or of its double or half:
MIREX's "accuracy 2", since a beat tracker may lock onto half or double time) and `onset_rate_agreement` (the
ratio of two clips' onset rates, smaller over larger: 1 = equally dense, 0 = one has none)."""

from __future__ import annotations

import numpy as np

N_FFT, HOP = 2048, 512  # at 32 kHz: a 64 ms window every 16 ms


def onset_envelope(audio: np.ndarray, sr: int, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """Onset strength per frame (frame rate sr / hop), normalised so its maximum is 1 (all zeros for silence)."""
    audio = np.asarray(audio, dtype=np.float64).reshape(-1)
    if len(audio) < n_fft:
        audio = np.pad(audio, (0, n_fft - len(audio)))
    frames = np.lib.stride_tricks.sliding_window_view(audio, n_fft)[::hop] * np.hanning(n_fft)
    mag = np.abs(np.fft.rfft(frames, axis=1))
    ref = max(mag.max(), 1e-10)
    logmag = np.log1p(100.0 * mag / ref)  # compressed, relative to the clip's own peak
    flux = np.maximum(0.0, np.diff(logmag, axis=0)).sum(axis=1)
    flux = np.concatenate([[0.0], flux])
    if mag.max() < 1e-6 or flux.max() <= 0:
        return np.zeros(len(flux))
    return flux / flux.max()


def onsets(envelope: np.ndarray, frame_rate: float, delta: float = 0.07, wait_s: float = 0.03,
           window_s: float = 0.1) -> np.ndarray:
    """Frame indices of onsets: local maxima of the envelope that exceed its local mean by `delta`, at least
    `wait_s` apart (librosa's peak_pick with its onset_detect defaults)."""
    w = max(1, int(round(window_s * frame_rate)))
    wait = max(1, int(round(wait_s * frame_rate)))
    picked, last = [], -wait - 1
    for i in range(1, len(envelope)):
        lo, hi = max(0, i - w), min(len(envelope), i + w + 1)
        is_max = envelope[i] >= envelope[max(0, i - wait):min(len(envelope), i + 2)].max()
        if is_max and envelope[i] > envelope[lo:hi].mean() + delta and i - last > wait:
            picked.append(i)
            last = i
    return np.asarray(picked, dtype=int)


def onset_rate(audio: np.ndarray, sr: int) -> float:
    """Onsets per second of the clip."""
    env = onset_envelope(audio, sr)
    return float(len(onsets(env, sr / HOP)) / max(len(audio) / sr, 1e-9))


def estimate_tempo(audio: np.ndarray, sr: int, start_bpm: float = 120.0, std_octaves: float = 1.0,
                   bpm_range: tuple[float, float] = (40.0, 240.0)) -> float:
    """The clip's tempo in bpm (0.0 when it has no onsets): the lag with the most prior-weighted autocorrelation."""
    env = onset_envelope(audio, sr)
    env = env - env.mean()
    if not np.any(env):
        return 0.0
    frame_rate = sr / HOP
    ac = np.correlate(env, env, mode="full")[len(env) - 1:]
    lags = np.arange(1, len(ac))
    bpm = 60.0 * frame_rate / lags
    keep = (bpm >= bpm_range[0]) & (bpm <= bpm_range[1])
    if not keep.any():
        return 0.0
    prior = np.exp(-0.5 * (np.log2(bpm[keep] / start_bpm) / std_octaves) ** 2)
    score = ac[1:][keep] * prior
    if score.max() <= 0:
        return 0.0
    return float(bpm[keep][int(np.argmax(score))])


def tempo_agreement(estimate: float, target: float, tolerance: float = 0.08) -> float:
    """1.0 when `estimate` is within `tolerance` of `target` or of its double or half, else 0.0."""
    if estimate <= 0 or target <= 0:
        return 0.0
    return float(any(abs(estimate / (target * f) - 1.0) <= tolerance for f in (0.5, 1.0, 2.0)))


def onset_rate_agreement(rate: float, reference: float) -> float:
    """min / max of two onset rates (1 = equally dense; 0 when either has none)."""
    if rate <= 0 or reference <= 0:
        return 0.0
    return float(min(rate, reference) / max(rate, reference))
