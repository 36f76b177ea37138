"""A Gradio page that answers one question with the base model and the tuned adapter, side by side."""

from __future__ import annotations

from cookbook.inference import TunedModel, generate


def build_app(tm: TunedModel, title: str, system: str = "", examples: list[str] | None = None,
              max_new_tokens: int = 96):
    import gradio as gr

    def answer(question: str):
        question = (question or "").strip()
        if not question:
            return "(ask a question)", "(ask a question)"
        base = generate(tm, [question], system, use_adapter=False, max_new_tokens=max_new_tokens)[0]
        tuned = generate(tm, [question], system, use_adapter=True, max_new_tokens=max_new_tokens)[0]
        return base or "(empty answer)", tuned or "(empty answer)"

    with gr.Blocks(title=title) as app:
        gr.Markdown(f"# {title}\nBase model `{tm.base_model}` with and without its `{tm.method}` adapter "
                    "(greedy decoding).")
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
