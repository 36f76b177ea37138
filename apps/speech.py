"""Child-like speech demo: `make demo DOMAIN=speech RUN=runs/speech/<run>`. Upload or record audio (or pick a
held-out corpus utterance) and see the base and adapted Whisper transcripts side by side, the adapted transcript's
word differences from the base marked (and from the reference, for corpus utterances). Also a tab of the hub."""

from __future__ import annotations

import html
from pathlib import Path

from apps.launch import LoadOnce, command_line, serve
from cookbook.discovery import get_recipe
from cookbook.runs import finished_run, load_run_config
from cookbook.tasks.asr.audio import read_wav, to_mono_16k
from cookbook.tasks.asr.inference import AsrRun, load_asr_run, transcribe
from cookbook.tasks.asr.metrics import utterance_wer, word_diff

STYLE = {"sub": "background:#ffe08a", "ins": "background:#b7f0b1", "del": "text-decoration:line-through;color:#b00"}


def diff_html(reference: str, hypothesis: str) -> str:
    """`hypothesis` word by word: substituted and inserted words highlighted, missing reference words struck out."""
    words = []
    for word, tag in word_diff(reference, hypothesis):
        text = html.escape(word)
        words.append(f'<span class="{tag}" style="{STYLE[tag]}">{text}</span>' if tag else text)
    return " ".join(words) or "(empty)"


def corpus_examples(run_dir: str, per_split: int = 3) -> dict[str, tuple[str, str]]:
    """A few held-out utterances: label -> (wav path, reference)."""
    recipe = get_recipe("speech")
    cfg = load_run_config(run_dir)
    out = {}
    for split in recipe.test_splits:
        for ex in recipe.load_examples(cfg.data, split)[:per_split]:
            out[f"{split}: {ex.reference}"] = (ex.audio_path, ex.reference)
    return out


def build_app(model: LoadOnce[AsrRun], base_model: str, method: str, examples: dict[str, tuple[str, str]],
              max_new_tokens: int = 48):
    """`model` is loaded on the first transcription unless it already is; `base_model` and `method` (the run's
    metrics.json) name it in the header meanwhile."""
    import gradio as gr

    def run_both(audio, example):
        reference = ""
        if audio is not None:
            rate, data = audio
            samples = to_mono_16k(data, rate)
        elif example:
            path, reference = examples[example]
            samples = read_wav(path)
        else:
            return "(upload, record or pick an utterance)", "", ""
        run = model.get()
        base = transcribe(run, [samples], use_adapter=False, max_new_tokens=max_new_tokens)[0]
        tuned = transcribe(run, [samples], use_adapter=True, max_new_tokens=max_new_tokens)[0]
        marked = f"<div id='tuned-diff'>{diff_html(base, tuned)}</div>"
        info = ""
        if reference:
            info = (f"Reference: <b>{html.escape(reference)}</b><br>WER base {utterance_wer(base, reference):.2f}, "
                    f"tuned {utterance_wer(tuned, reference):.2f}<br>Tuned vs reference: "
                    f"{diff_html(reference, tuned)}")
        return base or "(empty)", marked, info

    loading = "" if model.loaded else " The model loads on the first transcription."
    with gr.Blocks(title="Child-like speech recognition") as app:
        gr.Markdown(f"# Child-like speech recognition\nWhisper `{base_model}` with and without its "
                    f"`{method}` adaptation (greedy).{loading} In the adapted transcript, words that differ from the "
                    "base transcript are marked: <span style='background:#ffe08a'>changed</span>, "
                    "<span style='background:#b7f0b1'>added</span>, <span style='text-decoration:line-through'>"
                    "dropped</span>.")
        with gr.Row():
            audio = gr.Audio(sources=["upload", "microphone"], type="numpy", label="Audio", elem_id="audio")
            example = gr.Dropdown(choices=list(examples), label="...or a held-out corpus utterance",
                                  elem_id="example", value=None)
        go = gr.Button("Transcribe", variant="primary", elem_id="transcribe")
        with gr.Row():
            base = gr.Textbox(label="Base Whisper", elem_id="base-transcript", interactive=False)
            tuned = gr.HTML(label="Adapted (differences from base marked)", elem_id="tuned-transcript")
        info = gr.HTML(elem_id="reference-info")
        go.click(run_both, inputs=[audio, example], outputs=[base, tuned, info])
    return app


def build(run_dir: str, load_now: bool = False):
    """The demo page (gr.Blocks) of a finished speech run; its model loads on the first transcription, or now."""
    _, metrics = finished_run(Path(run_dir))
    model = LoadOnce(lambda: load_asr_run(run_dir))
    if load_now:
        model.get()
    ev = load_run_config(run_dir).eval
    return build_app(model, metrics["base_model"], metrics.get("method", ""), corpus_examples(run_dir),
                     ev.max_new_tokens)


def main(run_dir: str, host: str = "127.0.0.1", port: int = 7860) -> None:
    serve(build(run_dir, load_now=True), host, port)


if __name__ == "__main__":
    command_line(main)
