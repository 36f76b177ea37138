"""A Gradio page that answers one question with the base model and the tuned adapter, side by side."""

from __future__ import annotations

from apps.launch import LoadOnce
from cookbook.tasks.text.generate import TunedModel, generate


def build_app(model: LoadOnce[TunedModel], base_model: str, method: str, title: str, system: str = "",
              examples: list[str] | None = None, decoding: dict | None = None):
    """`model` is loaded on the first question unless it already is; `base_model` and `method` (the run's
    metrics.json) name it in the header meanwhile. `decoding`: generate() keyword arguments, normally the run's eval
    settings, so the demo answers as the evaluation did."""
    import gradio as gr

    def answer(question: str):
        question = (question or "").strip()
        if not question:
            return "(ask a question)", "(ask a question)"
        tm = model.get()
        base = generate(tm, [question], system, use_adapter=False, **(decoding or {}))[0]
        tuned = generate(tm, [question], system, use_adapter=True, **(decoding or {}))[0]
        return base or "(empty answer)", tuned or "(empty answer)"

    settings = ", ".join(f"{k}={v}" for k, v in (decoding or {}).items()) or "default settings"
    loading = "" if model.loaded else " The model loads on the first question."
    with gr.Blocks(title=title) as app:
        gr.Markdown(f"# {title}\nBase model `{base_model}` with and without its `{method}` adapter "
                    f"(greedy; {settings}).{loading}")
        question = gr.Textbox(label="Question", elem_id="question", lines=2)
        ask = gr.Button("Ask", variant="primary", elem_id="ask")
        with gr.Row():
            base = gr.Textbox(label="Base model", elem_id="base-answer", lines=6, interactive=False)
            tuned = gr.Textbox(label="Tuned adapter", elem_id="tuned-answer", lines=6, interactive=False)
        if examples:
            gr.Examples(examples=[[q] for q in examples], inputs=[question])
        ask.click(answer, inputs=[question], outputs=[base, tuned])
        question.submit(answer, inputs=[question], outputs=[base, tuned])
    return app
