"""The offline base `sd-fashion-base`: a small text-conditional latent diffusion model pretrained by the cookbook on
the base split of the sketch corpus (no Stable Diffusion weights ship offline). Built once into the cache:

  1. a CLIP tokenizer whose merges are learned from the base split's descriptions;
  2. the AutoencoderKL trained to reconstruct base-split sketches (MSE + a small KL term), 32 x 32 -> 16 x 16 x 4;
  3. the UNet and the CLIP text encoder trained together by the noise-prediction loss (10% empty captions).

Its record (steps, losses, seconds) is written to pretrain.json inside the cached folder. Every run card on it says
what it is. `python -m domains.fashion.base_model` builds it (or a smaller one into --out, for a check)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from cookbook.models.sd_build import SdShape, build_components, save_pipeline
from cookbook.models.sources import MODEL_SOURCES, OfflineSource, register
from cookbook.paths import cached_build
from domains.fashion import data

NAME = "sd-fashion-base"
SHAPE = SdShape(image_size=32, unet_channels=(32, 64), layers_per_block=1, attention_head_dim=8,
                vae_channels=(32, 64), text_hidden=64, text_layers=2, text_heads=4, vocab_size=800)


@dataclass
class PretrainPlan:
    vae_steps: int = 400
    unet_steps: int = 2500
    batch_size: int = 16
    vae_lr: float = 1e-3
    unet_lr: float = 5e-4
    kl_weight: float = 1e-6
    caption_dropout: float = 0.1
    seed: int = 0
    corpus_seed: int = 0


PLAN = PretrainPlan()
FOLDER = f"{NAME}-v1-vae{PLAN.vae_steps}-unet{PLAN.unet_steps}"


def _batches(rows: list[dict], corpus: Path, batch_size: int, steps: int, seed: int):
    import torch

    from cookbook.tasks.diffusion.data import load_image

    images = torch.stack([load_image(str(corpus / r["image"]), SHAPE.image_size) for r in rows])
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        idx = torch.randint(0, len(rows), (batch_size,), generator=g)
        yield images[idx], [rows[i]["description"] for i in idx.tolist()]


def _train_vae(vae, rows, corpus, plan: PretrainPlan) -> list[float]:
    import torch
    import torch.nn.functional as F
    from tqdm import tqdm

    opt = torch.optim.AdamW(vae.parameters(), lr=plan.vae_lr)
    losses = []
    vae.train()
    for x, _ in tqdm(_batches(rows, corpus, plan.batch_size, plan.vae_steps, plan.seed), total=plan.vae_steps,
                     desc="sd-fashion-base: VAE"):
        posterior = vae.encode(x).latent_dist
        recon = vae.decode(posterior.sample()).sample
        loss = F.mse_loss(recon, x) + plan.kl_weight * posterior.kl().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    vae.eval()
    return losses


def _train_unet(parts: dict, rows, corpus, plan: PretrainPlan) -> list[float]:
    import torch
    from tqdm import tqdm

    from cookbook.tasks.diffusion.loss import diffusion_loss

    unet, text_encoder, tok, vae = parts["unet"], parts["text_encoder"], parts["tokenizer"], parts["vae"]
    # the VAE's scaling factor makes latents unit-variance, as Stable Diffusion's 0.18215 does for its VAE
    with torch.no_grad():
        probe = next(_batches(rows, corpus, 64, 1, plan.seed + 1))[0]
        vae.register_to_config(scaling_factor=float(1.0 / vae.encode(probe).latent_dist.mode().std()))
    params = list(unet.parameters()) + list(text_encoder.parameters())
    opt = torch.optim.AdamW(params, lr=plan.unet_lr)
    losses = []
    unet.train()
    text_encoder.train()
    for x, captions in tqdm(_batches(rows, corpus, plan.batch_size, plan.unet_steps, plan.seed + 2),
                            total=plan.unet_steps, desc="sd-fashion-base: UNet + text encoder"):
        captions = ["" if torch.rand(()) < plan.caption_dropout else c for c in captions]
        ids = tok(captions, padding="max_length", truncation=True, max_length=tok.model_max_length,
                  return_tensors="pt").input_ids
        with torch.no_grad():
            latents = vae.encode(x).latent_dist.mode() * vae.config.scaling_factor
        loss = diffusion_loss(unet, parts["scheduler"], latents, text_encoder(ids)[0], min_snr_gamma=5.0)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        losses.append(float(loss))
    unet.eval()
    text_encoder.eval()
    return losses


def pretrain(work: Path, plan: PretrainPlan = PLAN, corpus: Path | None = None) -> dict:
    """Build and pretrain the pipeline into `work` (on `corpus`'s base_train split; default: the cached corpus);
    returns the record also written to work/pretrain.json."""
    import torch

    torch.manual_seed(plan.seed)
    corpus = corpus or data.build_corpus(seed=plan.corpus_seed, splits=("base_train",))
    rows = data.load_split(corpus, "base_train")
    t0 = time.time()
    parts = build_components(SHAPE, work / "tokenizer", [r["description"] for r in rows])
    vae_losses = _train_vae(parts["vae"], rows, corpus, plan)
    t_vae = time.time() - t0
    unet_losses = _train_unet(parts, rows, corpus, plan)
    save_pipeline(parts, work)

    def mean(xs):
        return round(sum(xs) / len(xs), 5) if xs else None

    record = {"what": f"{NAME}: a small latent diffusion model pretrained by the cookbook on the base split of the "
                      "procedural sketch corpus (plain, striped and dotted prints); not Stable Diffusion weights",
              "plan": asdict(plan), "shape": asdict(SHAPE), "base_train_rows": len(rows),
              "vae_loss_first10": mean(vae_losses[:10]), "vae_loss_last10": mean(vae_losses[-10:]),
              "unet_loss_first50": mean(unet_losses[:50]), "unet_loss_last50": mean(unet_losses[-50:]),
              "vae_seconds": round(t_vae, 1), "total_seconds": round(time.time() - t0, 1),
              "torch_threads": torch.get_num_threads()}
    (work / "pretrain.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def ensure() -> Path:
    return cached_build(FOLDER, lambda work: pretrain(work), marker="model_index.json")


CARD_NOTE = (f"{NAME} is a small latent diffusion model (UNet 32/64 channels, 2-block VAE, 2-layer CLIP text "
             "encoder, 32 x 32 images) pretrained by the cookbook on the base split of the procedural sketch corpus "
             "(domains/fashion/base_model.py; record in its pretrain.json); it is not Stable Diffusion.")
if NAME not in MODEL_SOURCES:
    register(NAME, OfflineSource(kind="diffusion", instruction_tuned=False, ensure=ensure, card_note=CARD_NOTE,
                                 description="small latent diffusion model pretrained by the cookbook on the fashion "
                                             "sketches' base split (built once, minutes on CPU)"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=f"Build {NAME} into the cache, or a smaller one into --out.")
    parser.add_argument("--out", default="")
    parser.add_argument("--vae-steps", type=int, default=PLAN.vae_steps)
    parser.add_argument("--unet-steps", type=int, default=PLAN.unet_steps)
    parser.add_argument("--batch-size", type=int, default=PLAN.batch_size)
    args = parser.parse_args(argv)
    if not args.out:
        print(ensure())
        return 0
    plan = PretrainPlan(vae_steps=args.vae_steps, unet_steps=args.unet_steps, batch_size=args.batch_size)
    print(json.dumps(pretrain(Path(args.out), plan), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
