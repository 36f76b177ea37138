"""Speech recognition: Whisper-style seq2seq fine-tuning on (audio, transcript) pairs with any PEFT method that
supports the `asr` kind; evaluated by WER/CER per test split, with and without the adaptation; `compare` trains
several methods at equal steps."""

from __future__ import annotations

from cookbook.tasks import TaskKind, lazy
from cookbook.tasks.asr.examples import AudioExample

TASK = TaskKind(
    name="asr", description="ASR: seq2seq fine-tuning on (audio, transcript) pairs",
    example_type=AudioExample,
    train=lazy("cookbook.tasks.asr.train", "train_asr"),
    load_run=lazy("cookbook.tasks.asr.inference", "load_asr_run"),
    evaluate=lazy("cookbook.tasks.asr.evaluate", "evaluate_asr"),
    compare=lazy("cookbook.tasks.asr.compare", "compare_methods"),
)
