"""Train an EnCodec codec (transformers' `EncodecModel`, e.g. a MusicGen's `audio_encoder`) from scratch to
reconstruct audio, so that a MusicGen built from a config has a codec whose codes mean something.

As EnCodec / audiocraft train it, minus the adversarial losses: encoder -> residual vector quantiser -> decoder;
each codebook is an exponential-moving-average k-means (decay 0.99, initialised from the first batch, dead codes
re-seeded from the batch), the encoder gets gradients through the quantiser by the straight-through estimator and
a commitment loss; the reconstruction loss is a multi-resolution STFT loss (log-magnitude L1 + spectral
convergence at 4 window sizes) plus 0.1 x waveform L1. Resumable: `checkpoint` holds the codec, the optimiser, the
step and the loss history, written every `save_every` steps (atomically)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

STFT_SIZES = (256, 512, 1024, 2048)


@dataclass
class CodecPlan:
    steps: int = 1500
    batch_size: int = 8
    crop_s: float = 1.0
    lr: float = 1e-3
    commitment: float = 1.0
    decay: float = 0.99
    dead_code: float = 0.5  # codes whose EMA cluster size falls below this are re-seeded
    save_every: int = 100
    log_every: int = 25
    seed: int = 0


def stft_loss(recon: torch.Tensor, target: torch.Tensor, sizes=STFT_SIZES) -> torch.Tensor:
    """Multi-resolution STFT loss of (B, samples) signals: log-magnitude L1 + spectral convergence, averaged."""
    total = recon.new_zeros(())
    for n in sizes:
        window = torch.hann_window(n, device=recon.device)
        mags = [torch.stft(x, n, n // 4, window=window, return_complex=True).abs() for x in (recon, target)]
        total = total + F.l1_loss(torch.log(mags[0] + 1e-5), torch.log(mags[1] + 1e-5))
        total = total + torch.linalg.norm(mags[1] - mags[0]) / (torch.linalg.norm(mags[1]) + 1e-7)
    return total / len(sizes)


@torch.no_grad()
def _ema_update(codebook, flat: torch.Tensor, idx: torch.Tensor, plan: CodecPlan) -> None:
    size = codebook.embed.shape[0]
    onehot = F.one_hot(idx, size).type(flat.dtype)
    codebook.cluster_size.mul_(plan.decay).add_(onehot.sum(0), alpha=1 - plan.decay)
    codebook.embed_avg.mul_(plan.decay).add_(onehot.t() @ flat, alpha=1 - plan.decay)
    n = codebook.cluster_size.sum()
    smoothed = (codebook.cluster_size + 1e-5) / (n + size * 1e-5) * n
    codebook.embed.copy_(codebook.embed_avg / smoothed.unsqueeze(1))
    dead = codebook.cluster_size < plan.dead_code
    if dead.any():
        pick = flat[torch.randint(0, len(flat), (int(dead.sum()),), device=flat.device)]
        codebook.embed[dead] = pick
        codebook.embed_avg[dead] = pick
        codebook.cluster_size[dead] = 1.0


def quantize(codec, embeddings: torch.Tensor, plan: CodecPlan | None = None, init: bool = False):
    """Residual quantisation of (B, D, T) embeddings -> (straight-through quantised embeddings, commitment loss).
    With `plan` (training) each codebook takes an EMA k-means step; `init` seeds codebooks from the batch."""
    bsz, dim, frames = embeddings.shape
    residual = embeddings.permute(0, 2, 1).reshape(-1, dim)
    total, commit = torch.zeros_like(residual), embeddings.new_zeros(())
    for layer in codec.quantizer.layers:
        book = layer.codebook
        if init:
            with torch.no_grad():
                size, n = book.embed.shape[0], len(residual)
                pick = torch.randperm(n)[:size] if n >= size else torch.randint(0, n, (size,))
                book.embed.copy_(residual.detach()[pick])
                book.embed_avg.copy_(book.embed)
                book.cluster_size.fill_(1.0)
        idx = torch.cdist(residual.detach(), book.embed).argmin(dim=1)
        q = book.embed[idx]
        commit = commit + F.mse_loss(residual, q.detach())
        if plan is not None:
            _ema_update(book, residual.detach(), idx, plan)
        total = total + q
        residual = residual - q.detach()
    flat = embeddings.permute(0, 2, 1).reshape(-1, dim)
    st = flat + (total - flat).detach()
    return st.reshape(bsz, frames, dim).permute(0, 2, 1), commit / len(codec.quantizer.layers)


def reconstruct(codec, audio: torch.Tensor) -> torch.Tensor:
    """(B, samples) -> (B, samples) through encoder, quantiser and decoder."""
    emb = codec.encoder(audio.unsqueeze(1))
    q, _ = quantize(codec, emb)
    return codec.decoder(q)[:, 0, : audio.shape[-1]]


def _crops(clips: torch.Tensor, plan: CodecPlan, step: int, rate: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(plan.seed * 1_000_003 + step)  # batch depends only on the step: resumable
    crop = min(int(plan.crop_s * rate), clips.shape[1])
    rows = torch.randint(0, len(clips), (plan.batch_size,), generator=g)
    starts = torch.randint(0, clips.shape[1] - crop + 1, (plan.batch_size,), generator=g)
    gain = 0.5 + torch.rand(plan.batch_size, 1, generator=g)  # level augmentation
    return torch.stack([clips[r, s:s + crop] for r, s in zip(rows.tolist(), starts.tolist(), strict=True)]) * gain


def _save(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def train_codec(codec, clips: torch.Tensor, rate: int, plan: CodecPlan, checkpoint: Path, log=print) -> dict:
    """Train `codec` on (N, samples) float clips at `rate`; resume from `checkpoint` if it exists. Returns
    {steps, loss_first25, loss_last25, seconds} (seconds: of this process's share of the training)."""
    opt = torch.optim.Adam([p for p in codec.parameters() if p.requires_grad], lr=plan.lr, betas=(0.5, 0.9))
    step, losses = 0, []
    if checkpoint.is_file():
        state = torch.load(checkpoint, weights_only=False)
        codec.load_state_dict(state["codec"])
        opt.load_state_dict(state["opt"])
        step, losses = state["step"], state["losses"]
        log(f"codec: resumed at step {step}/{plan.steps}")
    codec.train()
    t0, t_log, c_log = time.time(), time.time(), time.process_time()
    while step < plan.steps:
        x = _crops(clips, plan, step, rate)
        emb = codec.encoder(x.unsqueeze(1))
        q, commit = quantize(codec, emb, plan, init=step == 0)
        recon = codec.decoder(q)[:, 0, : x.shape[-1]]
        loss = stft_loss(recon, x) + 0.1 * F.l1_loss(recon, x) + plan.commitment * commit
        if not torch.isfinite(loss):
            raise FloatingPointError(f"codec: non-finite loss at step {step}; lower the codec learning rate")
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(codec.parameters(), 1.0)
        opt.step()
        step += 1
        losses.append(round(float(loss.detach()), 5))
        if step % plan.log_every == 0 or step == plan.steps:
            recent = losses[-plan.log_every:]
            log(f"codec step {step}/{plan.steps} loss {sum(recent) / len(recent):.4f} "
                f"({(time.time() - t_log) / len(recent):.2f} s/step, "
                f"{(time.process_time() - c_log) / len(recent):.2f} CPU s/step)")
            t_log, c_log = time.time(), time.process_time()
        if step % plan.save_every == 0 or step == plan.steps:
            _save(checkpoint, {"codec": codec.state_dict(), "opt": opt.state_dict(), "step": step, "losses": losses})
    codec.eval()

    def mean(xs):
        return round(sum(xs) / len(xs), 5) if xs else None

    return {"steps": step, "loss_first25": mean(losses[:25]), "loss_last25": mean(losses[-25:]),
            "seconds": round(time.time() - t0, 1)}
