"""Loading a Stable-Diffusion-shaped pipeline (a diffusers folder or hub id) into the parts training needs, and
putting them back together as a pipeline for sampling."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from cookbook.errors import ModelSourceError
from cookbook.models.resolve import ResolvedModel

MODEL_TYPE = "sd-unet"  # the model type the PEFT method registry knows a diffusers UNet by


@dataclass
class SdParts:
    unet: object
    vae: object
    text_encoder: object
    tokenizer: object
    noise_scheduler: object  # the training (DDPM) schedule

    @property
    def vae_scale(self) -> int:
        return 2 ** (len(self.vae.config.block_out_channels) - 1)

    @property
    def default_resolution(self) -> int:
        return int(self.vae.config.sample_size if isinstance(self.vae.config.sample_size, int)
                   else self.vae.config.sample_size[0])


def load_parts(resolved: ResolvedModel) -> SdParts:
    """The UNet (trainable base), VAE and text encoder (frozen, eval mode), tokenizer and noise schedule."""
    from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    path = resolved.path
    try:
        unet = UNet2DConditionModel.from_pretrained(path, subfolder="unet")
        vae = AutoencoderKL.from_pretrained(path, subfolder="vae")
        text_encoder = CLIPTextModel.from_pretrained(path, subfolder="text_encoder", dtype=torch.float32)
        tokenizer = CLIPTokenizer.from_pretrained(path, subfolder="tokenizer")
        scheduler = DDPMScheduler.from_pretrained(path, subfolder="scheduler")
    except OSError as exc:
        where = f"hub id {path}" if resolved.source == "hub" else path
        raise ModelSourceError(
            f"{where}: not a Stable Diffusion pipeline that loads here ({str(exc).splitlines()[0][:160]}); pass "
            "model.source=/path/to/a/diffusers/folder (unet/, vae/, text_encoder/, tokenizer/, scheduler/) or an "
            "offline source such as tiny-sd") from None
    for frozen in (vae, text_encoder):
        frozen.requires_grad_(False)
        frozen.eval()
    return SdParts(unet, vae, text_encoder, tokenizer, scheduler)


def encode_prompts(parts: SdParts, prompts: list[str]) -> torch.Tensor:
    ids = parts.tokenizer(prompts, padding="max_length", truncation=True, max_length=parts.tokenizer.model_max_length,
                          return_tensors="pt").input_ids
    with torch.no_grad():
        return parts.text_encoder(ids)[0]


def sampling_pipeline(parts: SdParts, unet):
    """A StableDiffusionPipeline over these parts with `unet` (adapted or base) and a DDIM sampler."""
    from diffusers import DDIMScheduler, StableDiffusionPipeline

    pipe = StableDiffusionPipeline(vae=parts.vae, text_encoder=parts.text_encoder, tokenizer=parts.tokenizer,
                                   unet=unet, scheduler=DDIMScheduler.from_config(parts.noise_scheduler.config),
                                   safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe
