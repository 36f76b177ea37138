"""The diffusion kind's pieces on a tiny random UNet: min-SNR weights, seeded evaluation noise, every registered
diffusion method attaches to the attention projections through the registry and moves the output after a step,
and the locally built CLIP tokenizer covers any text."""

import copy

import pytest
import torch
from diffusers import DDPMScheduler

from cookbook.config import PeftConfig
from cookbook.models.clip_tokenizer import build_clip_tokenizer
from cookbook.models.sd_build import SdShape, build_unet
from cookbook.peft_methods import PEFT_METHODS, methods_for
from cookbook.tasks.diffusion.loss import diffusion_loss, draw_noise, min_snr_weights, snr
from cookbook.tasks.diffusion.pipeline import MODEL_TYPE

SCHEDULER = DDPMScheduler(num_train_timesteps=1000, beta_schedule="scaled_linear", beta_start=0.00085,
                          beta_end=0.012)


def test_min_snr_weights_clip_the_easy_timesteps_only():
    t = torch.tensor([0, 100, 500, 999])
    s = snr(SCHEDULER, t)
    w = min_snr_weights(SCHEDULER, t, gamma=5.0)
    assert torch.allclose(w[s > 5], 5.0 / s[s > 5])
    assert torch.allclose(w[s <= 5], torch.ones_like(w[s <= 5]))
    assert s[0] > s[-1]  # noisier with time


def test_evaluation_noise_is_seeded_per_row():
    latents = torch.zeros(3, 4, 2, 2)
    a = draw_noise(latents, 1000, torch.tensor([7, 8, 9]))
    b = draw_noise(latents, 1000, torch.tensor([7, 8, 9]))
    c = draw_noise(latents[:1], 1000, torch.tensor([8]))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert torch.equal(a[0][1], c[0][0]) and a[1][1] == c[1][0]  # a row's noise does not depend on its batch


def test_the_diffusion_kind_offers_nera_and_peft_baselines():
    assert {"nera", "lora", "dora", "lokr", "loha"} <= set(methods_for("diffusion"))


@pytest.mark.parametrize("method", ["nera", "lora", "dora", "lokr", "loha"])
def test_every_method_trains_the_attention_projections(method):
    torch.manual_seed(0)
    unet = build_unet(SdShape(image_size=16))
    cfg = PeftConfig(method=method, r=2, alpha=2, dropout=0.0, nera_grid_size=3, nera_spline_order=2)
    model = PEFT_METHODS.get(method).attach_to(copy.deepcopy(unet), cfg, MODEL_TYPE, 10)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(any(k in n for k in ("to_q", "to_k", "to_v", "to_out")) for n in trainable)
    latents, text = torch.randn(2, 4, 8, 8), torch.randn(2, 5, 32)
    seeds = torch.tensor([1, 2])
    with torch.no_grad():
        before = diffusion_loss(model, SCHEDULER, latents, text, seeds=seeds)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    diffusion_loss(model, SCHEDULER, latents, text, min_snr_gamma=5.0).backward()
    opt.step()
    with torch.no_grad():
        after = diffusion_loss(model, SCHEDULER, latents, text, seeds=seeds)
    assert after != before


def test_local_clip_tokenizer_never_meets_an_unknown_token(tmp_path):
    tok = build_clip_tokenizer(tmp_path / "tok", ["a red dress with long sleeves"] * 10, vocab_size=300)
    ids = tok("A RED dress, zebra-print ~ 42").input_ids
    assert ids[0] == tok.bos_token_id and ids[-1] == tok.eos_token_id
    assert tok.unk_token_id not in ids[1:-1]  # CLIP's unknown token is its end-of-text
    assert len(tok("red dress").input_ids) == 4  # merges learned: whole words


def test_lokr_decompose_factor_lets_r_set_its_budget_on_narrow_layers():
    from domains.fashion.base_model import SHAPE  # sd-fashion-base's widths (32 / 64 channels)

    unet = build_unet(SHAPE)

    def trainable(**settings):
        cfg = PeftConfig(method="lokr", alpha=2, dropout=0.0, **settings)
        model = PEFT_METHODS.get("lokr").attach_to(copy.deepcopy(unet), cfg, MODEL_TYPE, 10)
        return sum(p.numel() for p in model.parameters() if p.requires_grad)

    # peft's default factorisation keeps the second factor whole on these widths, so r changes nothing ...
    assert trainable(r=4) == trainable(r=8) == 3040
    # ... while a factor of 2 leaves a wide second factor that is low-rank below r = half its side
    assert trainable(r=4, lokr_decompose_factor=2) == 5632 and trainable(r=8, lokr_decompose_factor=2) == 11136
