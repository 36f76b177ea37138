"""Speech recognition: Whisper-style seq2seq fine-tuning on (audio, transcript) pairs with any PEFT method that
supports the `asr` kind; evaluated by WER/CER per test split, with and without the adaptation; `compare` trains
several methods at equal steps."""

from __future__ import annotations

from cookbook.tasks import TaskKind
from cookbook.tasks.asr.examples import AudioExample


def _train(cfg, recipe, run_dir):
    from cookbook.tasks.asr.train import train_asr

    return train_asr(cfg, recipe, run_dir)


def _load_run(run_dir):
    from cookbook.tasks.asr.inference import load_asr_run

    return load_asr_run(run_dir)


def _evaluate(cfg, recipe, run_dir):
    from cookbook.tasks.asr.evaluate import evaluate_asr

    return evaluate_asr(cfg, recipe, run_dir)


def _compare(cfg, recipe, config_name, methods, out_dir, overrides):
    from cookbook.tasks.asr.compare import compare_methods

    return compare_methods(cfg, recipe, config_name, methods, out_dir, overrides)


TASK = TaskKind(name="asr", description="speech recognition: seq2seq fine-tuning on (audio, transcript) pairs",
                example_type=AudioExample, train=_train, load_run=_load_run, evaluate=_evaluate, compare=_compare)
