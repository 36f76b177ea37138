"""The `musicgen-corpus-base` build path at a tiny size on a one-piece-per-mode corpus: the three stages run and
write a checkpoint that loads by path like a real MusicGen, a rerun resumes from the stage checkpoints instead of
retraining, and `cookbook train music model.source=<that folder>` fine-tunes it (a real checkpoint by path)."""

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

from cookbook.models.resolve import resolve_model
from cookbook.models.tiny_musicgen import MusicgenSize
from cookbook.tasks.audio_lm.codec_train import CodecPlan
from cookbook.tasks.audio_lm.model import load_musicgen
from cookbook.tasks.audio_lm.pretrain import LmPlan
from domains.music import data
from domains.music.base_model import PretrainPlan, pretrain
from tests.conftest import read_metrics, run_cli

pytestmark = pytest.mark.integration

SIZE = MusicgenSize(sampling_rate=16000, upsampling_ratios=(8, 5, 4, 2), codebook_size=16, num_codebooks=2,
                    codec_filters=2, codec_hidden=8, text_hidden=16, text_layers=1, decoder_hidden=16,
                    decoder_layers=1, decoder_heads=2, max_positions=256)
PLAN = PretrainPlan(codec=CodecPlan(steps=2, batch_size=2, crop_s=0.5, save_every=1, log_every=1),
                    lm=LmPlan(steps=2, batch_size=2, warmup=1, save_every=1, log_every=1), vocab_size=128, samples=2)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    corpus = data.build_corpus(limit=1, progress=False)
    out = tmp_path_factory.mktemp("corpus_base") / "model"
    return out, corpus, pretrain(out, PLAN, SIZE, corpus)


def test_build_writes_a_checkpoint_that_loads_by_path(built):
    out, _, record = built
    model, tok, rate = load_musicgen(resolve_model(str(out)))
    assert rate == 16000 and model.decoder.num_codebooks == 2 and model.config.audio_encoder.frame_rate == 50
    assert record["codec"]["steps"] == 2 and record["lm"]["steps"] == 2 and record["base_train_clips"] == 5
    assert np.isfinite(record["lm"]["loss_last10"]) and set(record["lm"]["held_out_loss"]) == {"base_test",
                                                                                               "heldout_test"}
    assert record["samples_base_test"]["clips"] == 2
    assert json.loads((out / "pretrain.json").read_text())["plan"]["lm"]["steps"] == 2
    assert "yaman" in tok.get_vocab()  # the tokenizer knows the held-out modes' names
    # the trained codebooks are no longer the all-zero ones of a config-built model
    assert model.audio_encoder.quantizer.layers[0].codebook.embed.abs().sum() > 0


def test_rerun_resumes_from_the_stage_checkpoints(built, tmp_path, capsys):
    out, corpus, _ = built
    again = tmp_path / "again"
    shutil.copytree(out, again)
    longer = replace(PLAN, lm=replace(PLAN.lm, steps=3))
    record = pretrain(again, longer, SIZE, corpus)
    log = capsys.readouterr().err
    assert "codec: resumed at step 2/2" in log and "lm: resumed at step 2/3" in log
    assert record["lm"]["steps"] == 3 and "lm step 3/3" in log and "lm step 1/3" not in log


def test_finetune_takes_the_checkpoint_by_path(built, tmp_path):
    out, _, _ = built
    run = tmp_path / "run"
    proc = run_cli("train", "music", "--config", "tiny", f"model.source={out}", "train.max_steps=1",
                   "data.max_train_samples=2", "data.eval_samples=0", f"output_dir={run}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    m = read_metrics(run)
    assert m["completed"] and m["base_model"] == str(out) and m["steps"] == 1
    from cookbook.tasks.audio_lm.inference import generate_audio, load_audio_lm_run

    clips = generate_audio(load_audio_lm_run(run), ["a slow raga melody in yaman"], seconds=0.2)
    assert len(clips) == 1 and clips[0].shape[0] == int(0.2 * 50) * 320
