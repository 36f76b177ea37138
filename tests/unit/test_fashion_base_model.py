"""sd-fashion-base's pretraining recipe, in miniature (two steps per stage on a 16-sketch corpus): it writes a
diffusers pipeline that the diffusion kind loads by local path and samples from, with its record; the source is
registered from the domain folder and its run-card note says it is not Stable Diffusion. Also the loading path's
errors for a folder that is not a pipeline."""

import json

import pytest

from cookbook.errors import ModelSourceError
from cookbook.models import MODEL_SOURCES
from cookbook.models.resolve import ResolvedModel, resolve_model
from cookbook.tasks.diffusion.pipeline import load_parts
from domains.fashion import base_model, data


@pytest.mark.integration
def test_miniature_pretraining_gives_a_loadable_pipeline(tmp_path):
    import numpy as np

    from cookbook.config import DiffusionConfig
    from cookbook.tasks.diffusion.sampling import generate

    corpus = data.build_corpus(seed=1, sizes={**data.SPLIT_SIZES, "base_train": 16}, folder=tmp_path / "corpus",
                               splits=("base_train",))
    plan = base_model.PretrainPlan(vae_steps=2, unet_steps=2, batch_size=4)
    record = base_model.pretrain(tmp_path / "sd", plan, corpus=corpus)
    assert record["base_train_rows"] == 16 and record["unet_loss_last50"] > 0
    assert json.loads((tmp_path / "sd" / "pretrain.json").read_text())["plan"]["unet_steps"] == 2
    resolved = resolve_model(str(tmp_path / "sd"))
    assert resolved.source == "local"
    parts = load_parts(resolved)
    assert parts.default_resolution == 32 and parts.vae_scale == 2
    assert parts.vae.config.scaling_factor != 0.18215  # measured on the sketches, not Stable Diffusion's
    image = generate(parts, parts.unet, ["a red sheath midi dress"], DiffusionConfig(inference_steps=2), 32)[0]
    assert image.shape == (32, 32, 3) and image.dtype == np.uint8


def test_the_source_is_registered_and_labelled():
    source = MODEL_SOURCES.get("sd-fashion-base")
    assert source.kind == "diffusion" and "not Stable Diffusion" in source.card_note


def test_a_folder_that_is_not_a_pipeline_fails_clearly(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelSourceError, match="not a Stable Diffusion pipeline"):
        load_parts(ResolvedModel(str(tmp_path), str(tmp_path), "local"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelSourceError, match="no config.json, nor a diffusers model_index.json"):
        resolve_model(str(empty))
