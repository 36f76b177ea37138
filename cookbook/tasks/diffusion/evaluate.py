"""`cookbook eval` for diffusion recipes: per test split, the denoising loss (plain MSE, the same seeded noise per
row for both systems) of the base UNet and of the adapted one, images generated for the split's prompts by both
(seconds per image measured), and the recipe's own image metrics on them. Writes RUN/eval/report.json, report.md
and a base-vs-tuned grid per split."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

from cookbook.config import RunConfig
from cookbook.recipe import Recipe
from cookbook.runs import write_json
from cookbook.tasks.diffusion.data import ImageCaptionDataset, collate
from cookbook.tasks.diffusion.inference import DiffusionRun, load_diffusion_run
from cookbook.tasks.diffusion.loss import diffusion_loss
from cookbook.tasks.diffusion.sampling import generate, save_grid
from cookbook.tasks.diffusion.train import latents_of
from cookbook.tasks.eval_rows import eval_rows


def denoising_loss(run: DiffusionRun, examples, batch_size: int) -> float:
    data = ImageCaptionDataset(examples, run.parts.tokenizer, run.resolution)
    total, n = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(data), batch_size):
            batch = collate([data[i] for i in range(start, min(start + batch_size, len(data)))])
            latents = latents_of(run.parts, batch["pixel_values"])
            text = run.parts.text_encoder(batch["input_ids"])[0]
            loss = diffusion_loss(run.unet, run.parts.noise_scheduler, latents, text, 0.0, seeds=batch["index"])
            total, n = total + float(loss) * len(latents), n + len(latents)
    return total / max(n, 1)


def systems(run: DiffusionRun):
    """(name, context) for the base UNet and the adapted one."""
    from contextlib import nullcontext

    return (("base", run.adapted.base_mode), ("tuned", nullcontext))


def evaluate_diffusion(cfg: RunConfig, recipe: Recipe, run_dir: Path) -> dict:
    run = load_diffusion_run(run_dir)
    run.unet.eval()
    out_dir = run_dir / "eval"
    out_dir.mkdir(parents=True, exist_ok=True)
    report: dict = {"domain": recipe.name, "run": str(run_dir), "method": run.method, "resolution": run.resolution,
                    "inference_steps": cfg.diffusion.inference_steps, "guidance_scale": cfg.diffusion.guidance_scale,
                    "splits": {}}
    for split in recipe.test_splits:
        examples = eval_rows(recipe.load_examples(cfg.data, split), cfg.eval.max_samples)
        section, images = {}, {}
        for name, context in systems(run):
            with context():
                loss = denoising_loss(run, examples, cfg.eval.batch_size)
                t0 = time.time()
                images[name] = generate(run.parts, run.unet, [e.prompt for e in examples], cfg.diffusion,
                                        run.resolution)
                per_image = (time.time() - t0) / max(len(examples), 1)
            section[name] = {"denoise_loss": loss, "seconds_per_image": round(per_image, 3),
                             **recipe.score(images[name], examples)}
            print(f"[cookbook] {split} {name}: denoising loss {loss:.4f}, {per_image:.2f} s/image", file=sys.stderr)
        shown = min(len(examples), 8)
        save_grid(out_dir / f"{split}_grid.png", images["base"][:shown] + images["tuned"][:shown], upscale=2,
                  columns=shown)
        section["grid"] = f"{split}_grid.png"
        report["splits"][split] = section
    primary = recipe.primary_metric
    shown = list(dict.fromkeys(m for v in report["splits"].values() for m in v["base"].get("overall", {})
                               if m != "n"))  # in the order the recipe's score() gives them
    report["metrics"] = {m: {"label": recipe.metric_labels.get(m, m), "better": recipe.direction(m)} for m in shown}
    report["summary"] = ", ".join(
        f"{s}: denoising loss {v['base']['denoise_loss']:.4f} -> {v['tuned']['denoise_loss']:.4f}"
        + (f", {primary} {v['base']['overall'][primary]:.3f} -> {v['tuned']['overall'][primary]:.3f}"
           if primary and primary in v["base"].get("overall", {}) else "")
        for s, v in report["splits"].items())
    write_json(out_dir / "report.json", report)
    write_report(out_dir, report)
    return report


def write_report(out_dir: Path, report: dict) -> None:
    lines = [f"# {report['domain']} evaluation", "",
             f"Run `{report['run']}`: the base UNet vs the same UNet with its `{report['method']}` adapter; "
             f"{report['resolution']}x{report['resolution']} images, DDIM {report['inference_steps']} steps, "
             f"guidance {report['guidance_scale']}. Denoising loss: plain MSE of the noise prediction with the same "
             "seeded noise and timestep per row for both systems.", ""]
    metrics = report.get("metrics", {})
    arrow = {"higher": " (higher is better)", "lower": " (lower is better)", "neither": ""}
    for split, section in report["splits"].items():
        base, tuned = section["base"], section["tuned"]
        lines += [f"## {split}", "", f"{base.get('overall', {}).get('n', '?')} rows.", "",
                  "| metric | base | tuned |", "|---|---|---|",
                  f"| denoising loss (lower is better) | {base['denoise_loss']:.4f} | {tuned['denoise_loss']:.4f} |",
                  f"| seconds per image | {base['seconds_per_image']} | {tuned['seconds_per_image']} |"]
        for m, info in metrics.items():
            if m in base.get("overall", {}):
                lines.append(f"| {info['label']}{arrow[info['better']]} | {base['overall'][m]:.4g} | "
                             f"{tuned['overall'][m]:.4g} |")
        if base.get("about"):
            lines += ["", base["about"] + "."]
        lines += ["", f"Top row base, bottom row tuned: ![{split}]({section['grid']})", ""]
    (out_dir / "report.md").write_text("\n".join(lines), encoding="utf-8")
