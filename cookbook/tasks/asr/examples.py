"""What an ASR domain's `load_examples` returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class AudioExample:
    id: str
    audio_path: str  # a 16-bit PCM WAV file
    reference: str  # the transcript
    group: str = ""  # reports break WER down by it (e.g. the speaker type)
