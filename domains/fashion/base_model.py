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

from cookbook.errors import CookbookError
from cookbook.models.sd_build import SdShape, build_components, save_pipeline
from cookbook.models.sources import MODEL_SOURCES, OfflineSource, register
from cookbook.paths import cached_build
from domains.fashion import data

NAME = "sd-fashion-base"
SHAPE = SdShape(image_size=32, unet_channels=(32, 64), layers_per_block=1, attention_head_dim=8,
                vae_channels=(32, 64), text_hidden=64, text_layers=2, text_heads=4, vocab_size=800)


@dataclass
class PretrainPlan:
    # Sized to about 33 minutes of both cores: measured 4.9-5.1 CPU-s per VAE step (batch 16, 32 x 32) under load
    # 10-15 on the 2-core machine, and an estimated ~2 CPU-s per UNet + text-encoder step (a UNet step's FLOPs are
    # about 0.4 of a VAE step's): 200 x 5 + 1500 x 2 = 4,000 CPU-s. An idle machine should do better.
    vae_steps: int = 200
    unet_steps: int = 1500
    batch_size: int = 16
    vae_lr: float = 1e-3
    unet_lr: float = 5e-4
    kl_weight: float = 1e-6
    caption_dropout: float = 0.1
    seed: int = 0
    corpus_seed: int = 0
    checkpoint_every: int = 25  # steps between resumable states (pretrain-state.pt in the scratch folder)
    log_every: int = 10  # steps between progress lines on stderr


PLAN = PretrainPlan()
FOLDER = f"{NAME}-v1-vae{PLAN.vae_steps}-unet{PLAN.unet_steps}"
STATE = "pretrain-state.pt"
STAGES = ("vae", "unet")


def _what_is_trained(plan: dict) -> dict:
    """The plan less how often it logs and checkpoints: what a resumed build must agree on."""
    return {k: v for k, v in plan.items() if k not in ("checkpoint_every", "log_every")}


def _step_seed(plan: PretrainPlan, stage: str, step: int) -> int:
    """Every random draw of a step (batch, caption dropout, noise, timesteps) comes from this seed, so a resumed
    build takes the same steps as an uninterrupted one."""
    return plan.seed * 1_000_003 + STAGES.index(stage) * 100_000 + step


def _vae_loss(parts: dict, x, captions, plan: PretrainPlan):
    import torch.nn.functional as F

    posterior = parts["vae"].encode(x).latent_dist
    recon = parts["vae"].decode(posterior.sample()).sample
    return F.mse_loss(recon, x) + plan.kl_weight * posterior.kl().mean()


def _unet_loss(parts: dict, x, captions, plan: PretrainPlan):
    import torch

    from cookbook.tasks.diffusion.loss import diffusion_loss

    tok, vae = parts["tokenizer"], parts["vae"]
    drop = torch.rand(len(captions)) < plan.caption_dropout
    captions = ["" if d else c for c, d in zip(captions, drop.tolist(), strict=True)]
    ids = tok(captions, padding="max_length", truncation=True, max_length=tok.model_max_length,
              return_tensors="pt").input_ids
    with torch.no_grad():
        latents = vae.encode(x).latent_dist.mode() * vae.config.scaling_factor
    return diffusion_loss(parts["unet"], parts["scheduler"], latents, parts["text_encoder"](ids)[0],
                          min_snr_gamma=5.0)


TRAINED = {"vae": ("vae",), "unet": ("unet", "text_encoder")}  # what each stage trains
LOSSES = {"vae": _vae_loss, "unet": _unet_loss}


def _save_state(work: Path, state: dict) -> None:
    """Written under a scratch name and renamed, so an interruption mid-write leaves the previous state."""
    import torch

    tmp = work / (STATE + ".tmp")
    torch.save(state, tmp)
    tmp.replace(work / STATE)


def _run_stage(stage: str, parts: dict, images, texts, plan: PretrainPlan, work: Path, state: dict) -> None:
    """Train one stage from where `state` left it, checkpointing every plan.checkpoint_every steps."""
    import torch

    steps = {"vae": plan.vae_steps, "unet": plan.unet_steps}[stage]
    lr = {"vae": plan.vae_lr, "unet": plan.unet_lr}[stage]
    modules = [parts[name] for name in TRAINED[stage]]
    params = [p for m in modules for p in m.parameters()]
    opt = torch.optim.AdamW(params, lr=lr)
    record = state["stages"].setdefault(stage, {"losses": [], "seconds": 0.0, "step": 0})
    if state.get("optimizer") is not None and state["stage"] == stage:
        opt.load_state_dict(state["optimizer"])
    if record["step"]:
        print(f"[{NAME}] {stage}: resuming at step {record['step']}/{steps}", file=sys.stderr)
    for m in modules:
        m.train()
    t0, c0, done_before, first = time.time(), time.process_time(), record["seconds"], record["step"]
    for step in range(record["step"], steps):
        torch.manual_seed(_step_seed(plan, stage, step))
        idx = torch.randint(0, len(images), (plan.batch_size,))
        loss = LOSSES[stage](parts, images[idx], [texts[i] for i in idx.tolist()], plan)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        record["losses"].append(loss.item())
        record["step"], record["seconds"] = step + 1, round(done_before + time.time() - t0, 1)
        if record["step"] % plan.log_every == 0 or record["step"] == steps:
            recent = record["losses"][-plan.log_every:]
            done = record["step"] - first
            print(f"[{NAME}] {stage} step {record['step']}/{steps}: loss {sum(recent) / len(recent):.4f} "
                  f"(mean of last {len(recent)}), {(time.time() - t0) / done:.2f} s/step wall, "
                  f"{(time.process_time() - c0) / done:.2f} CPU-s/step, {record['seconds']:.0f} s in this stage",
                  file=sys.stderr, flush=True)
        if record["step"] % plan.checkpoint_every == 0 or record["step"] == steps:
            state.update(stage=stage, optimizer=opt.state_dict() if record["step"] < steps else None,
                         models={name: parts[name].state_dict() for name in ("vae", "unet", "text_encoder")})
            _save_state(work, state)
    for m in modules:
        m.eval()


def _set_scaling_factor(parts: dict, images, plan: PretrainPlan) -> float:
    """The VAE's scaling factor makes latents unit-variance, as Stable Diffusion's 0.18215 does for its VAE."""
    import torch

    g = torch.Generator().manual_seed(plan.seed + 1)
    probe = images[torch.randint(0, len(images), (64,), generator=g)]
    with torch.no_grad():
        factor = float(1.0 / parts["vae"].encode(probe).latent_dist.mode().std())
    parts["vae"].register_to_config(scaling_factor=factor)
    return factor


def pretrain(work: Path, plan: PretrainPlan = PLAN, corpus: Path | None = None) -> dict:
    """Build and pretrain the pipeline into `work` (on `corpus`'s base_train split; default: the cached corpus),
    continuing from work/pretrain-state.pt when an earlier build was interrupted; returns the record also written
    to work/pretrain.json."""
    import torch

    from cookbook.tasks.diffusion.data import load_image

    torch.manual_seed(plan.seed)
    corpus = corpus or data.build_corpus(seed=plan.corpus_seed, splits=("base_train",))
    rows = data.load_split(corpus, "base_train")
    texts = [r["description"] for r in rows]
    images = torch.stack([load_image(str(corpus / r["image"]), SHAPE.image_size) for r in rows])
    state = {"plan": asdict(plan), "stage": STAGES[0], "stages": {}, "optimizer": None, "scaling_factor": None}
    if (work / STATE).is_file():
        state = torch.load(work / STATE, weights_only=False)
        if _what_is_trained(state.get("plan") or {}) != _what_is_trained(asdict(plan)):
            raise CookbookError(f"{work / STATE}: an interrupted build with another plan; delete {work} to start "
                                "over")
    parts = build_components(SHAPE, work / "tokenizer", texts)
    for name, weights in state.pop("models", {}).items():
        parts[name].load_state_dict(weights)
    for stage in STAGES:
        if stage == "unet":
            if state["scaling_factor"] is None:
                state["scaling_factor"] = _set_scaling_factor(parts, images, plan)
            parts["vae"].register_to_config(scaling_factor=state["scaling_factor"])
        _run_stage(stage, parts, images, texts, plan, work, state)
    save_pipeline(parts, work)

    def mean(xs):
        return round(sum(xs) / len(xs), 5) if xs else None

    vae, unet = state["stages"]["vae"], state["stages"]["unet"]
    record = {"what": f"{NAME}: a small latent diffusion model pretrained by the cookbook on the base split of the "
                      "procedural sketch corpus (plain, striped and dotted prints); not Stable Diffusion weights",
              "plan": asdict(plan), "shape": asdict(SHAPE), "base_train_rows": len(rows),
              "vae_loss_first10": mean(vae["losses"][:10]), "vae_loss_last10": mean(vae["losses"][-10:]),
              "unet_loss_first50": mean(unet["losses"][:50]), "unet_loss_last50": mean(unet["losses"][-50:]),
              "vae_seconds": vae["seconds"], "unet_seconds": unet["seconds"],
              "total_seconds": round(vae["seconds"] + unet["seconds"], 1),
              "torch_threads": torch.get_num_threads()}
    (work / "pretrain.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    (work / STATE).unlink(missing_ok=True)
    return record


def ensure() -> Path:
    return cached_build(FOLDER, lambda work: pretrain(work), marker="model_index.json", resume=True)


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
    parser.add_argument("--log-every", type=int, default=PLAN.log_every)
    args = parser.parse_args(argv)
    if not args.out:
        print(ensure())
        return 0
    plan = PretrainPlan(vae_steps=args.vae_steps, unet_steps=args.unet_steps, batch_size=args.batch_size,
                        log_every=args.log_every)
    print(json.dumps(pretrain(Path(args.out), plan), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
