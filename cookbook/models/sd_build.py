"""Build a small Stable-Diffusion-shaped pipeline from configs (UNet2DConditionModel + AutoencoderKL + CLIPTextModel +
a locally built CLIP tokenizer + a DDPM noise schedule) and save it as a diffusers pipeline folder. Used by the
random `tiny-sd` source (tests) and by domains that pretrain their own small base."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cookbook.models.clip_tokenizer import build_clip_tokenizer

ATTENTION_TARGETS = ["to_q", "to_k", "to_v", "to_out.0"]  # the UNet's attention projections (self and cross)


@dataclass
class SdShape:
    """The sizes of a small pipeline. The VAE downsamples by 2 ** (len(vae_channels) - 1)."""

    image_size: int = 32
    unet_channels: tuple[int, ...] = (32, 64)
    layers_per_block: int = 1
    attention_head_dim: int = 8
    norm_groups: int = 8
    vae_channels: tuple[int, ...] = (32, 64)
    latent_channels: int = 4
    text_hidden: int = 32
    text_layers: int = 2
    text_heads: int = 4
    vocab_size: int = 1000
    train_timesteps: int = 1000
    extra: dict = field(default_factory=dict)

    @property
    def latent_size(self) -> int:
        return self.image_size // 2 ** (len(self.vae_channels) - 1)


def build_unet(shape: SdShape):
    """A random-init text-conditional UNet: cross-attention in every block but the deepest."""
    from diffusers import UNet2DConditionModel

    n = len(shape.unet_channels)
    return UNet2DConditionModel(
        sample_size=shape.latent_size, in_channels=shape.latent_channels, out_channels=shape.latent_channels,
        layers_per_block=shape.layers_per_block, block_out_channels=shape.unet_channels,
        down_block_types=("CrossAttnDownBlock2D",) * (n - 1) + ("DownBlock2D",),
        up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * (n - 1),
        cross_attention_dim=shape.text_hidden, attention_head_dim=shape.attention_head_dim,
        norm_num_groups=shape.norm_groups)


def build_components(shape: SdShape, tokenizer_dir: Path, texts: list[str]) -> dict:
    from diffusers import AutoencoderKL, DDPMScheduler
    from transformers import CLIPTextConfig, CLIPTextModel

    tokenizer = build_clip_tokenizer(tokenizer_dir, texts, shape.vocab_size)
    unet = build_unet(shape)
    m = len(shape.vae_channels)
    vae = AutoencoderKL(in_channels=3, out_channels=3, block_out_channels=shape.vae_channels,
                        down_block_types=("DownEncoderBlock2D",) * m, up_block_types=("UpDecoderBlock2D",) * m,
                        latent_channels=shape.latent_channels, norm_num_groups=shape.norm_groups,
                        sample_size=shape.image_size)
    text_encoder = CLIPTextModel(CLIPTextConfig(
        vocab_size=len(tokenizer), hidden_size=shape.text_hidden, intermediate_size=shape.text_hidden * 2,
        num_hidden_layers=shape.text_layers, num_attention_heads=shape.text_heads, max_position_embeddings=77,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id))
    scheduler = DDPMScheduler(num_train_timesteps=shape.train_timesteps, beta_schedule="scaled_linear",
                              beta_start=0.00085, beta_end=0.012, clip_sample=False, steps_offset=1)
    return dict(unet=unet, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, scheduler=scheduler)


def save_pipeline(components: dict, folder: Path) -> None:
    from diffusers import StableDiffusionPipeline

    pipe = StableDiffusionPipeline(**components, safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    pipe.save_pretrained(str(folder), safe_serialization=True)
