"""What an audio-LM domain's `load_examples` returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class MusicExample:
    id: str
    audio_path: str  # a 16-bit PCM WAV (any rate: resampled to the codec's)
    text: str  # the description the model is conditioned on
    group: str = ""  # reports break metrics down by it (e.g. the mode)
    tonic_hz: float = 0.0  # the reference pitch of a pitch-class profile (0 = unknown)
    tempo_bpm: float = 0.0  # the described tempo (0 = unknown)
