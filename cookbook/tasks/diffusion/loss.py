"""The noise-prediction loss of latent diffusion, with optional min-SNR weighting."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def snr(scheduler, timesteps: torch.Tensor) -> torch.Tensor:
    """Signal-to-noise ratio alpha_bar / (1 - alpha_bar) at each timestep."""
    alpha_bar = scheduler.alphas_cumprod.to(timesteps.device)[timesteps].float()
    return alpha_bar / (1.0 - alpha_bar)


def min_snr_weights(scheduler, timesteps: torch.Tensor, gamma: float) -> torch.Tensor:
    """Per-sample weights of Min-SNR-gamma (Hang et al. 2023): min(SNR, gamma) / SNR for epsilon targets,
    min(SNR, gamma) / (SNR + 1) for v-prediction."""
    s = snr(scheduler, timesteps)
    clipped = torch.clamp(s, max=gamma)
    if scheduler.config.prediction_type == "v_prediction":
        return clipped / (s + 1.0)
    return clipped / s


def draw_noise(latents: torch.Tensor, n_timesteps: int, seeds: torch.Tensor | None):
    """(noise, timesteps): from torch's RNG while training; from one generator per row (seeded by the row's
    index) for the evaluation loss, so every evaluation scores the same noise."""
    if seeds is None:
        noise = torch.randn_like(latents)
        t = torch.randint(0, n_timesteps, (latents.shape[0],), device=latents.device)
        return noise, t
    noise, t = [], []
    for seed in seeds.tolist():
        g = torch.Generator().manual_seed(int(seed))
        noise.append(torch.randn(latents.shape[1:], generator=g))
        t.append(torch.randint(0, n_timesteps, (1,), generator=g))
    return torch.stack(noise).to(latents), torch.cat(t).to(latents.device)


def diffusion_loss(unet, scheduler, latents: torch.Tensor, text: torch.Tensor, min_snr_gamma: float = 0.0,
                   seeds: torch.Tensor | None = None) -> torch.Tensor:
    noise, t = draw_noise(latents, scheduler.config.num_train_timesteps, seeds)
    noisy = scheduler.add_noise(latents, noise, t)
    target = scheduler.get_velocity(latents, noise, t) if scheduler.config.prediction_type == "v_prediction" \
        else noise
    pred = unet(noisy, t, text).sample
    per_sample = F.mse_loss(pred.float(), target.float(), reduction="none").mean(dim=(1, 2, 3))
    if min_snr_gamma > 0:
        per_sample = per_sample * min_snr_weights(scheduler, t, min_snr_gamma)
    return per_sample.mean()
