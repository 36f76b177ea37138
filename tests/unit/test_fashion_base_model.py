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


@pytest.mark.integration
def test_an_interrupted_build_resumes_to_the_same_weights(tmp_path, monkeypatch):
    """Stopped right after its UNet-stage checkpoint at step 2 of 3, the build continues from that checkpoint on
    the next call and ends with the weights and losses of a build that was never stopped."""
    import torch
    from safetensors.torch import load_file

    corpus = data.build_corpus(seed=1, sizes={**data.SPLIT_SIZES, "base_train": 8}, folder=tmp_path / "corpus",
                               splits=("base_train",))
    plan = base_model.PretrainPlan(vae_steps=2, unet_steps=3, batch_size=2, checkpoint_every=1)
    straight = base_model.pretrain(tmp_path / "straight", plan, corpus=corpus)

    real_save = base_model._save_state

    def save_then_stop(work, state):
        real_save(work, state)
        if state["stage"] == "unet" and state["stages"]["unet"]["step"] == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(base_model, "_save_state", save_then_stop)
    with pytest.raises(KeyboardInterrupt):
        base_model.pretrain(tmp_path / "resumed", plan, corpus=corpus)
    assert (tmp_path / "resumed" / base_model.STATE).is_file()
    monkeypatch.setattr(base_model, "_save_state", real_save)
    resumed = base_model.pretrain(tmp_path / "resumed", plan, corpus=corpus)
    assert resumed["unet_loss_last50"] == straight["unet_loss_last50"]
    a = load_file(tmp_path / "straight" / "unet" / "diffusion_pytorch_model.safetensors")
    b = load_file(tmp_path / "resumed" / "unet" / "diffusion_pytorch_model.safetensors")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not (tmp_path / "resumed" / base_model.STATE).exists()  # a finished build drops its state


def test_a_state_from_another_plan_is_refused(tmp_path):
    import torch

    from cookbook.errors import CookbookError

    (tmp_path / "sd").mkdir()
    torch.save({"plan": {"vae_steps": 7}}, tmp_path / "sd" / base_model.STATE)
    corpus = data.build_corpus(seed=1, sizes={**data.SPLIT_SIZES, "base_train": 2}, folder=tmp_path / "corpus",
                               splits=("base_train",))
    with pytest.raises(CookbookError, match="another plan"):
        base_model.pretrain(tmp_path / "sd", base_model.PretrainPlan(vae_steps=1, unet_steps=1), corpus=corpus)


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


def test_a_saved_pipeline_loads_by_path_with_its_own_weights(tmp_path):
    """The path a real Stable Diffusion checkpoint takes (model.source=/path/to/folder): a pipeline saved by
    diffusers' save_pretrained (here a tiny random one) comes back part for part, weights unchanged."""
    import torch

    from cookbook.models.sd_build import SdShape, build_components, save_pipeline

    torch.manual_seed(3)
    shape = SdShape(image_size=16, vocab_size=300)
    parts = build_components(shape, tmp_path / "tok", ["a red dress with long sleeves"] * 8)
    save_pipeline(parts, tmp_path / "my-sd")
    resolved = resolve_model(str(tmp_path / "my-sd"))
    assert resolved.source == "local" and resolved.describe() == f"local folder {tmp_path / 'my-sd'}"
    loaded = load_parts(resolved)
    for name in ("unet", "vae", "text_encoder"):
        saved, back = parts[name].state_dict(), getattr(loaded, name).state_dict()
        assert saved.keys() == back.keys() and all(torch.equal(saved[k], back[k]) for k in saved), name
    assert loaded.tokenizer("a red dress").input_ids == parts["tokenizer"]("a red dress").input_ids
    assert loaded.noise_scheduler.config.num_train_timesteps == shape.train_timesteps
    assert not any(p.requires_grad for p in loaded.vae.parameters())  # frozen; the UNet is what trains
