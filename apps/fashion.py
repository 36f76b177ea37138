"""Fashion sketch demo: `make demo DOMAIN=fashion RUN=runs/fashion/<run>`; also a tab of the hub.

A description in; the run's base UNet and the same UNet with its adapter each draw it, from the same seed and
the run's eval settings (DDIM steps, guidance), side by side. The adapter is picked among the finished fashion runs
beside RUN (same parent folder: one per method after `make compare`), RUN first; each loads on first use."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np

from apps.launch import LoadOnce, command_line, serve
from cookbook.discovery import get_recipe
from cookbook.runs import finished_run, load_run_config, read_json

_LOCK = threading.Lock()  # one generation at a time: the base / adapted switch is a mode of the shared UNet
SHOWN = 256  # images are drawn at the run's resolution (32 px) and shown enlarged, pixel for pixel


def trained_runs(run_dir: Path) -> list[Path]:
    """RUN, then every other finished run of the same domain in RUN's parent folder, newest first."""
    run_dir = Path(run_dir)
    _, metrics = finished_run(run_dir)
    others = []
    for d in sorted(run_dir.parent.iterdir(), key=lambda p: p.name, reverse=True):
        m = read_json(d / "metrics.json") if d.is_dir() and d.resolve() != run_dir.resolve() else None
        if m and m.get("domain") == metrics.get("domain") and (d / "adapter" / "adapter_config.json").is_file():
            others.append(d)
    return [run_dir, *others]


def run_label(run_dir: Path) -> str:
    m = read_json(run_dir / "metrics.json") or {}
    return f"{m.get('method', '?')} · {run_dir.name} ({m.get('steps', '?')} steps, base {m.get('base_model', '?')})"


def enlarge(image: np.ndarray) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.fromarray(image).resize((SHOWN, SHOWN), Image.NEAREST))


def draw_both(run, prompt: str, diffusion_cfg, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """(base image, adapted image, seconds) for one description, both from `seed`."""
    from cookbook.tasks.diffusion.sampling import generate

    with _LOCK:
        t0 = time.time()
        with run.adapted.base_mode():
            base = generate(run.parts, run.unet, [prompt], diffusion_cfg, run.resolution, seed=seed)[0]
        tuned = generate(run.parts, run.unet, [prompt], diffusion_cfg, run.resolution, seed=seed)[0]
        return base, tuned, time.time() - t0


def build(run_dir: str, load_now: bool = False):
    """The demo page (gr.Blocks) of a finished fashion run; each run's model loads on first use, or RUN's now."""
    import gradio as gr

    from cookbook.tasks.diffusion.inference import load_diffusion_run

    recipe = get_recipe("fashion")
    runs = trained_runs(Path(run_dir))
    labels = {run_label(r): r for r in runs}
    models = {label: LoadOnce(lambda r=r: load_diffusion_run(r)) for label, r in labels.items()}
    first = next(iter(labels))
    if load_now:
        models[first].get()
    cfg = load_run_config(run_dir)
    examples = [e.prompt for e in recipe.load_examples(cfg.data, recipe.test_splits[0])[:4]]

    def on_draw(prompt: str, label: str, seed: float):
        prompt = (prompt or "").strip()
        if not prompt:
            return None, None, "Write a description first."
        label = label if label in models else first
        run = models[label].get()
        diffusion = load_run_config(labels[label]).diffusion
        base, tuned, seconds = draw_both(run, prompt, diffusion, int(seed or 0))
        return (enlarge(base), enlarge(tuned),
                f"Drawn in {seconds:.1f} s ({run.resolution} x {run.resolution} px, DDIM {diffusion.inference_steps} "
                f"steps, guidance {diffusion.guidance_scale}, seed {int(seed or 0)}), shown at {SHOWN} px.")

    m = read_json(Path(run_dir) / "metrics.json") or {}
    with gr.Blocks(title="Fashion sketches") as app:
        gr.Markdown(f"# Fashion sketches\n{recipe.description}. Base `{m.get('base_model', '?')}` without and with "
                    "an adapter, from the same seed.")
        with gr.Row():
            prompt = gr.Textbox(label="Description", lines=2, elem_id="description", scale=3,
                                value=examples[0] if examples else "")
            with gr.Column(scale=2):
                picked = gr.Dropdown(choices=list(labels), value=first, label="Adapter (finished runs)",
                                     elem_id="run")
                seed = gr.Number(value=0, precision=0, label="Seed", elem_id="seed")
        go = gr.Button("Draw", variant="primary", elem_id="draw")
        status = gr.Markdown(elem_id="status")
        with gr.Row():
            base = gr.Image(label="Base model", type="numpy", elem_id="base-image", interactive=False)
            tuned = gr.Image(label="With the adapter", type="numpy", elem_id="tuned-image", interactive=False)
        if examples:
            gr.Examples(examples=[[e] for e in examples], inputs=[prompt])
        go.click(on_draw, inputs=[prompt, picked, seed], outputs=[base, tuned, status])
        prompt.submit(on_draw, inputs=[prompt, picked, seed], outputs=[base, tuned, status])
    return app


def main(run_dir: str, host: str = "127.0.0.1", port: int = 7860) -> None:
    serve(build(run_dir, load_now=True), host, port)


if __name__ == "__main__":
    command_line(main)
