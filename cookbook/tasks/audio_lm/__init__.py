"""Text-to-audio LM: MusicGen-style models fine-tuned on (description, audio) pairs through EnCodec codes with the delay
pattern, with any PEFT method that supports the `audio_lm` kind; evaluated by generating audio for held-out
descriptions and scoring it with the domain's metrics (e.g. pitch-class-profile distance to the target mode)."""

from __future__ import annotations

from cookbook.tasks import TaskKind, lazy
from cookbook.tasks.audio_lm.examples import MusicExample

TASK = TaskKind(
    name="audio_lm", description="audio LM: MusicGen-style text-to-audio on (description, audio) pairs",
    example_type=MusicExample,
    train=lazy("cookbook.tasks.audio_lm.train", "train_audio_lm"),
    load_run=lazy("cookbook.tasks.audio_lm.inference", "load_audio_lm_run"),
    evaluate=lazy("cookbook.tasks.audio_lm.evaluate", "evaluate_audio_lm"),
    compare=lazy("cookbook.tasks.evaluated_compare", "compare_evaluated"),
)
