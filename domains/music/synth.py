"""Render one melody of the corpus: a seeded melody in a named mode (its phrase, a weighted walk over its degrees,
tempo and metre with accented cycle starts), ornaments (glides, grace notes, oscillations), an optional tonic +
fifth drone, and one of four simple additive timbres, at MusicGen's 32 kHz, mono float32 in [-1, 1].

Pure numpy: the pitch of every sample is tracked in cents, so a glide or a 350-cent neutral third is exact."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from domains.music.modes import Mode, get_mode

SAMPLE_RATE = 32000  # facebook/musicgen-small's EnCodec rate; models at another rate get the audio resampled

# Harmonic amplitudes (fundamental first), attack seconds, and whether the note decays like a plucked string.
TIMBRES = {
    "flute": ((1.0, 0.12, 0.04), 0.04, False),
    "bowed": ((1.0, 0.45, 0.25, 0.15, 0.08), 0.06, False),
    "plucked": ((1.0, 0.5, 0.3, 0.2, 0.1), 0.004, True),
    "reed": ((1.0, 0.15, 0.4, 0.08, 0.2), 0.02, False),
}
INSTRUMENTS = {  # what a description calls each timbre, per family
    "raga": {"flute": "bansuri", "bowed": "sarangi", "plucked": "sitar", "reed": "shehnai"},
    "makam": {"flute": "ney", "bowed": "kemenche", "plucked": "oud", "reed": "zurna"},
}
METRES = {"raga": (7, 10, 12, 16), "makam": (9, 10, 8, 6)}  # beats per cycle (rupak, jhaptal, ...; aksak, ...)


@dataclass(frozen=True)
class Piece:
    mode: str
    tempo_bpm: int
    metre: int  # beats per cycle; the first beat of each cycle is accented
    timbre: str  # a key of TIMBRES
    drone: bool
    tonic_hz: float
    duration_s: float
    seed: int

    @property
    def instrument(self) -> str:
        return INSTRUMENTS[get_mode(self.mode).family][self.timbre]


def degree_cents(mode: Mode, degree: int) -> float:
    """Cents above the tonic of scale degree `degree` (0 = tonic; n = the upper tonic; negative = below)."""
    n = len(mode.cents)
    return mode.cents[degree % n] + 1200 * (degree // n)


def melody(piece: Piece) -> list[tuple[int, float, str]]:
    """(degree, beats, ornament or "") per note: the mode's phrase first, then a walk that prefers steps and the
    degrees the mode dwells on, returning to the phrase now and then, until the clip is filled."""
    mode, r = get_mode(piece.mode), random.Random(piece.seed)
    n = len(mode.cents)
    beats_total = piece.duration_s * piece.tempo_bpm / 60.0
    notes, beats, degree, queue = [], 0.0, 0, list(mode.phrase)
    while beats < beats_total:
        if queue:
            degree = queue.pop(0)
        else:
            steps = [-3, -2, -1, 1, 2, 3]
            cand = [degree + s for s in steps if -3 <= degree + s <= n + 3]
            pref = [mode.weights[c % n] * (3.0 if abs(c - degree) == 1 else 1.0) for c in cand]
            degree = r.choices(cand, pref)[0]
            if r.random() < 0.08:
                queue = list(mode.phrase)
        on_cycle = int(beats) % piece.metre == 0 and abs(beats - round(beats)) < 1e-6
        length = r.choice((1.0, 2.0)) if on_cycle else r.choice((0.5, 0.5, 1.0, 1.0, 1.5))
        ornament = r.choice(mode.ornaments) if r.random() < 0.35 else ""
        notes.append((degree, length, ornament))
        beats += length
    return notes


def _pitch_track(piece: Piece, notes, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample pitch (cents above the tonic) and amplitude envelope of the melody."""
    mode = get_mode(piece.mode)
    total = int(piece.duration_s * sr)
    cents, amp = np.zeros(total), np.zeros(total)
    _, attack, plucked = TIMBRES[piece.timbre]
    beat_s, start, prev = 60.0 / piece.tempo_bpm, 0, None
    beat_pos = 0.0
    for degree, length, ornament in notes:
        if start >= total:
            break
        n = min(int(length * beat_s * sr), total - start)
        t = np.arange(n) / sr
        target = degree_cents(mode, degree)
        c = np.full(n, float(target))
        if ornament == "glide" and prev is not None:  # meend: slide in from the previous note
            g = min(n, int(0.3 * n))
            c[:g] = np.linspace(prev, target, g)
        elif ornament == "grace":  # kan: a touch of the upper neighbour
            g = min(n, int(0.06 * sr))
            c[:g] = degree_cents(mode, degree + 1)
        elif ornament == "oscillation":  # andolan-like slow swing around the note
            c += 30.0 * np.sin(2 * np.pi * 4.5 * t)
        env = np.minimum(1.0, t / attack) * np.minimum(1.0, (n - np.arange(n)) / (0.03 * sr))
        if plucked:
            env *= np.exp(-t / max(0.25, 0.6 * length * beat_s))
        accent = 1.0 if abs(beat_pos % piece.metre) < 1e-6 else 0.75
        cents[start:start + n], amp[start:start + n] = c, env * accent
        prev, start, beat_pos = target, start + n, beat_pos + length
    return cents, amp


def _additive(freq: np.ndarray, harmonics, sr: int) -> np.ndarray:
    phase = 2 * np.pi * np.cumsum(freq) / sr
    out = np.zeros_like(freq)
    for k, a in enumerate(harmonics, start=1):
        out += a * np.sin(k * phase) * (k * freq < sr / 2)  # no aliasing
    return out


def _drone(piece: Piece, sr: int) -> np.ndarray:
    """Tanpura-like: the lower tonic and the fifth below the tonic, re-plucked every 1.2 s, quiet."""
    total = int(piece.duration_s * sr)
    t = np.arange(total) / sr
    pluck = np.exp(-(t % 1.2) / 0.9)
    low = _additive(np.full(total, piece.tonic_hz / 2), (1.0, 0.3), sr)
    fifth = _additive(np.full(total, piece.tonic_hz * 0.75), (1.0, 0.3), sr)
    return 0.18 * pluck * (low + 0.6 * fifth)


def render(piece: Piece, sr: int = SAMPLE_RATE) -> np.ndarray:
    """The piece as mono float32, peak 0.8."""
    cents, amp = _pitch_track(piece, melody(piece), sr)
    freq = piece.tonic_hz * 2.0 ** (cents / 1200.0)
    audio = amp * _additive(freq, TIMBRES[piece.timbre][0], sr)
    if piece.drone:
        audio = audio + _drone(piece, sr)
    audio += np.random.default_rng(piece.seed).normal(0, 1e-3, len(audio))  # a faint noise floor
    peak = np.abs(audio).max()
    return (0.8 * audio / peak if peak > 0 else audio).astype(np.float32)


def describe(piece: Piece) -> str:
    """The text description a model is conditioned on: mode, family, mood, tempo, metre, instrument, drone."""
    mode = get_mode(piece.mode)
    pace = "slow" if piece.tempo_bpm < 75 else "lively" if piece.tempo_bpm > 105 else "medium-tempo"
    drone = " over a drone" if piece.drone else ""
    return (f"A {pace} {mode.mood} {mode.family} melody in {mode.name} on {piece.instrument}{drone}, "
            f"{piece.tempo_bpm} bpm, {piece.metre} beats per cycle")
