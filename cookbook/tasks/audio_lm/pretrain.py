"""Pretrain a MusicGen's text encoder and decoder from scratch on (description, codes) pairs, with its codec frozen
(trained first: codec_train.py). The same delay pattern, codebook cross-entropy and classifier-free-guidance text
dropout as fine-tuning (codes.py, data.py), AdamW with linear warm-up and cosine decay to 10%, gradient clipping,
fp32. Resumable: `checkpoint` holds the trained weights, the optimiser, the step and the loss history, written
atomically every `save_every` steps; each step's batch depends only on the seed and the step."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from cookbook.tasks.audio_lm.codec_train import _save
from cookbook.tasks.audio_lm.codes import codebook_cross_entropy
from cookbook.tasks.audio_lm.data import MusicCollator


@dataclass
class LmPlan:
    steps: int = 800
    batch_size: int = 8
    lr: float = 1e-3
    warmup: int = 50
    weight_decay: float = 0.01
    cfg_dropout: float = 0.1
    save_every: int = 50
    log_every: int = 10
    seed: int = 0


def trained_parts(model) -> dict:
    """The modules pretraining updates: everything but the codec."""
    parts = {"text_encoder": model.text_encoder, "decoder": model.decoder}
    if getattr(model, "enc_to_dec_proj", None) is not None:
        parts["enc_to_dec_proj"] = model.enc_to_dec_proj
    return parts


def _lr_factor(step: int, plan: LmPlan) -> float:
    if step < plan.warmup:
        return (step + 1) / plan.warmup
    progress = (step - plan.warmup) / max(1, plan.steps - plan.warmup)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


@torch.no_grad()
def held_out_loss(model, tokenizer, items: list[dict], batch_size: int = 8) -> float:
    """Mean codebook cross-entropy over `items` with the text kept (no CFG dropout)."""
    collate = MusicCollator(tokenizer, model.decoder, cfg_dropout=0.0)
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(items), batch_size):
        batch = collate(items[i:i + batch_size])
        labels = batch.pop("labels")
        loss, _ = codebook_cross_entropy(model(**batch).logits, labels)
        total, count = total + float(loss) * len(labels), count + len(labels)
    return round(total / max(count, 1), 5)


def pretrain_lm(model, tokenizer, items: list[dict], plan: LmPlan, checkpoint: Path, log=print) -> dict:
    """Train the text encoder + decoder of `model` on items [{text, codes (K, T)}]; resume from `checkpoint`."""
    model.audio_encoder.requires_grad_(False)
    parts = trained_parts(model)
    params = [p for m in parts.values() for p in m.parameters()]
    opt = torch.optim.AdamW(params, lr=plan.lr, betas=(0.9, 0.95), weight_decay=plan.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: _lr_factor(s, plan))
    step, losses = 0, []
    if checkpoint.is_file():
        state = torch.load(checkpoint, weights_only=False)
        for name, module in parts.items():
            module.load_state_dict(state["parts"][name])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        step, losses = state["step"], state["losses"]
        log(f"lm: resumed at step {step}/{plan.steps}")
    collate = MusicCollator(tokenizer, model.decoder, plan.cfg_dropout)
    model.train()
    t0, t_log, c_log = time.time(), time.time(), time.process_time()
    while step < plan.steps:
        g = torch.Generator().manual_seed(plan.seed * 1_000_003 + step)
        rows = torch.randint(0, len(items), (plan.batch_size,), generator=g).tolist()
        torch.manual_seed(plan.seed * 1_000_003 + step)  # the CFG dropout draw
        batch = collate([items[r] for r in rows])
        labels = batch.pop("labels")
        loss, _ = codebook_cross_entropy(model(**batch).logits, labels)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"lm: non-finite loss at step {step}; lower the learning rate")
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        step += 1
        losses.append(round(float(loss.detach()), 5))
        if step % plan.log_every == 0 or step == plan.steps:
            recent = losses[-plan.log_every:]
            log(f"lm step {step}/{plan.steps} loss {sum(recent) / len(recent):.4f} "
                f"lr {sched.get_last_lr()[0]:.2e} ({(time.time() - t_log) / len(recent):.2f} s/step, "
                f"{(time.process_time() - c_log) / len(recent):.2f} CPU s/step)")
            t_log, c_log = time.time(), time.process_time()
        if step % plan.save_every == 0 or step == plan.steps:
            _save(checkpoint, {"parts": {n: m.state_dict() for n, m in parts.items()}, "opt": opt.state_dict(),
                               "sched": sched.state_dict(), "step": step, "losses": losses})
    model.eval()

    def mean(xs):
        return round(sum(xs) / len(xs), 5) if xs else None

    return {"steps": step, "loss_first10": mean(losses[:10]), "loss_last10": mean(losses[-10:]),
            "seconds": round(time.time() - t0, 1)}
