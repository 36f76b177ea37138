"""Modal music demo: `make demo DOMAIN=music RUN=runs/music/<run>`. Type a description (or pick a held-out test
description) and hear the base MusicGen and its adaptation side by side (same seed), each with its pitch-class
profile against the target mode's (the mode named in the description) and its PCP distance. Also a tab of the hub."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from apps.launch import LoadOnce, command_line, serve
from cookbook.discovery import get_recipe
from cookbook.runs import finished_run, load_run_config
from cookbook.tasks.audio_lm.chroma import chroma_profile, pcp_distance
from cookbook.tasks.audio_lm.inference import AudioLmRun, generate_audio, load_audio_lm_run
from domains.music.data import TONIC_HZ
from domains.music.metrics import REFS

SECONDS = 4.0


def mode_of(text: str) -> str:
    """The first mode the description names ("" if none)."""
    words = [w.strip(",.").lower() for w in (text or "").split()]
    return next((w for w in words if w in REFS), "")


def chroma_figure(audio: np.ndarray, rate: int, mode: str, title: str):
    """Bar chart of the clip's 24-bin pitch-class profile, with the target mode's profile as steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    profile = chroma_profile(audio, rate, TONIC_HZ)
    fig, ax = plt.subplots(figsize=(5, 2.4))
    ax.bar(np.arange(24), profile, color="#4c72b0", label="generated")
    if mode:
        ax.step(np.arange(24), REFS[mode], where="mid", color="#dd8452", label=f"{mode} profile")
        title += f" (PCP distance to {mode}: {pcp_distance(profile, REFS[mode]):.3f})"
    ax.set_xticks(range(0, 24, 2), [f"{100 * i}" for i in range(0, 24, 2)], fontsize=7)
    ax.set_xlabel("cents above the tonic (C4)", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def held_out_descriptions(run_dir: str, per_split: int = 4) -> list[str]:
    recipe, cfg = get_recipe("music"), load_run_config(run_dir)
    return [e.text for split in recipe.test_splits for e in recipe.load_examples(cfg.data, split)[:per_split]]


def build_app(model: LoadOnce[AudioLmRun], base_model: str, method: str, examples: list[str],
              seconds: float = SECONDS):
    import gradio as gr

    def run_both(text: str, seed: float):
        text = (text or "").strip()
        if not text:
            raise gr.Error("type a description or pick one")
        run, mode = model.get(), mode_of(text)
        out = []
        for system, use_adapter in (("base", False), ("adapted", True)):
            clip = generate_audio(run, [text], seconds, use_adapter, seed=int(seed))[0]
            pcm = (np.clip(clip, -1.0, 1.0) * 32767).astype(np.int16)  # as generated: Gradio would peak-normalise
            out += [(run.sampling_rate, pcm), chroma_figure(clip, run.sampling_rate, mode, system)]
        return out

    loading = "" if model.loaded else " The model loads on the first generation."
    with gr.Blocks(title="Modal music generation") as app:
        gr.Markdown(f"# Modal music generation\nMusicGen `{base_model}` with and without its `{method}` adaptation: "
                    f"{seconds:g}-second sampled clips (guidance 3, the same seed for both).{loading}")
        text = gr.Textbox(label="Description", elem_id="description", lines=2,
                          value=examples[0] if examples else "")
        with gr.Row():
            pick = gr.Dropdown(choices=examples, label="...or a held-out test description", value=None)
            seed = gr.Number(value=0, precision=0, label="seed", elem_id="seed")
        go = gr.Button("Generate", variant="primary", elem_id="generate")
        with gr.Row():
            with gr.Column():
                base_audio = gr.Audio(label="Base", type="numpy", elem_id="base-audio", interactive=False)
                base_plot = gr.Plot(label="Base pitch-class profile", elem_id="base-chroma")
            with gr.Column():
                tuned_audio = gr.Audio(label="Adapted", type="numpy", elem_id="tuned-audio", interactive=False)
                tuned_plot = gr.Plot(label="Adapted pitch-class profile", elem_id="tuned-chroma")
        pick.change(lambda t: t, inputs=[pick], outputs=[text])
        go.click(run_both, inputs=[text, seed], outputs=[base_audio, base_plot, tuned_audio, tuned_plot])
    return app


def build(run_dir: str, load_now: bool = False):
    """The demo page (gr.Blocks) of a finished music run; its model loads on the first generation, or now."""
    _, metrics = finished_run(Path(run_dir))
    model = LoadOnce(lambda: load_audio_lm_run(run_dir))
    if load_now:
        model.get()
    seconds = load_run_config(run_dir).data.max_audio_s or SECONDS
    return build_app(model, metrics["base_model"], metrics.get("method", ""), held_out_descriptions(run_dir), seconds)


def main(run_dir: str, host: str = "127.0.0.1", port: int = 7860) -> None:
    serve(build(run_dir, load_now=True), host, port)


if __name__ == "__main__":
    command_line(main)
