"""The named modes of the corpus: raga-like and makam-like scales given in cents above the tonic (so makam's
neutral seconds and thirds are kept, which a 12-note scale cannot hold), with the degrees each mode dwells on, its
characteristic phrase, its ornaments and its mood. These are simplified, textbook-style sketches of the real
traditions (a raga is more than its scale), written for this project; the corpus is synthesised from them.

The base split (modes the corpus-pretrained MusicGen is trained on) and the held-out modes (the low-resource
adaptation targets) are fixed here. `pitch_class_profile` gives each mode's known profile."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Mode:
    name: str
    family: str  # "raga" or "makam"
    cents: tuple[int, ...]  # scale degrees above the tonic, ascending, first is 0
    weights: tuple[float, ...]  # how much the melody dwells on each degree (tonic and the "vadi" weigh most)
    phrase: tuple[int, ...]  # characteristic phrase (degree indices; negative = the octave below)
    ornaments: tuple[str, ...]  # of ORNAMENTS
    mood: str

    def __post_init__(self):
        if self.cents[0] != 0 or list(self.cents) != sorted(set(self.cents)) or self.cents[-1] >= 1200:
            raise ValueError(f"mode {self.name}: cents must start at 0, ascend and stay below 1200")
        if len(self.weights) != len(self.cents):
            raise ValueError(f"mode {self.name}: one weight per degree")


ORNAMENTS = ("glide", "grace", "oscillation")  # meend / gamaka glide, kan / grace note, andolan-like oscillation

MODES: dict[str, Mode] = {m.name: m for m in [
    # raga-like (Hindustani that scales, simplified)
    Mode("bilawal", "raga", (0, 200, 400, 500, 700, 900, 1100), (3, 1, 1.5, 1, 2, 1.5, 1), (0, 1, 2, 3, 4, 5, 4, 2),
         ("grace", "glide"), "bright"),
    Mode("kafi", "raga", (0, 200, 300, 500, 700, 900, 1000), (3, 1, 2, 1.5, 2, 1, 1), (0, 1, 2, 3, 4, 3, 2, 1),
         ("glide", "oscillation"), "romantic"),
    Mode("bhairav", "raga", (0, 100, 400, 500, 700, 800, 1100), (3, 1.5, 1, 1, 1.5, 2, 1), (0, 1, 1, 2, 3, 5, 5, 4),
         ("oscillation", "glide"), "solemn"),
    Mode("yaman", "raga", (0, 200, 400, 600, 700, 900, 1100), (3, 1, 2, 1.5, 1, 1, 1.5), (-1, 1, 2, 3, 4, 3, 2, 1),
         ("glide", "grace"), "serene"),
    Mode("todi", "raga", (0, 100, 300, 600, 700, 800, 1100), (3, 1.5, 1.5, 1, 0.5, 2, 1), (0, 1, 2, 3, 5, 3, 2, 1),
         ("oscillation", "grace"), "melancholic"),
    # makam-like (Turkish makam scales, rounded to 50 cents)
    Mode("rast", "makam", (0, 200, 350, 500, 700, 900, 1050), (3, 1, 1.5, 1.5, 2, 1, 1), (0, 1, 2, 3, 4, 3, 2, 1),
         ("glide", "grace"), "majestic"),
    Mode("hicaz", "makam", (0, 100, 400, 500, 700, 800, 1000), (3, 1.5, 1.5, 2, 1.5, 1, 1), (3, 2, 1, 0, 1, 2, 3, 4),
         ("glide", "oscillation"), "longing"),
    Mode("ussak", "makam", (0, 150, 300, 500, 700, 800, 1000), (3, 1.5, 1, 2, 1, 1, 1), (0, 1, 2, 3, 2, 1, 0, -1),
         ("grace", "oscillation"), "tender"),
    Mode("saba", "makam", (0, 150, 300, 400, 700, 800, 1000), (3, 1.5, 2, 1.5, 1, 1, 1), (0, 1, 2, 3, 2, 1, 0, 1),
         ("oscillation", "glide"), "mournful"),
]}

BASE_MODES = ("bilawal", "kafi", "bhairav", "rast", "hicaz")  # pretraining split of musicgen-corpus-base
HELDOUT_MODES = ("yaman", "todi", "ussak", "saba")  # adaptation targets (never seen in pretraining)

N_BINS = 24  # pitch-class bins per octave: quarter tones, so a 350-cent neutral third is a bin of its own


def degree_bin(cents: float, n_bins: int = N_BINS) -> int:
    return int(round(cents / (1200 / n_bins))) % n_bins


def pitch_class_profile(mode: str | Mode, n_bins: int = N_BINS) -> np.ndarray:
    """The mode's known pitch-class profile relative to its tonic: its degree weights in their bins, summing to 1."""
    m = MODES[mode] if isinstance(mode, str) else mode
    profile = np.zeros(n_bins)
    for cents, weight in zip(m.cents, m.weights, strict=True):
        profile[degree_bin(cents, n_bins)] += weight
    return profile / profile.sum()


def get_mode(name: str) -> Mode:
    if name not in MODES:
        raise KeyError(f"mode '{name}' is not one of {', '.join(MODES)}")
    return MODES[name]
