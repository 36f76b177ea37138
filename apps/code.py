"""Code demo: `make demo DOMAIN=code RUN=runs/code/<run>`; also a tab of the hub.

Write a function's signature and docstring; the base model and the tuned adapter each write its body (greedy, as
`make eval` samples pass@1). Then the tuned model writes a pytest test for the tuned function, and the test is run
in the sandbox against it: does it parse, run and pass, which lines and branches of the function it covers, and how
many mutants of the function it kills (domains/code/unittest_score.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from apps.launch import LoadOnce, command_line, serve
from cookbook.discovery import get_recipe
from cookbook.runs import finished_run, load_run_config
from cookbook.tasks.program.examples import ProgramExample
from cookbook.tasks.program.sampling import SamplingSettings, sample_completions
from cookbook.tasks.text.generate import load_run
from domains.code import prompts

EXAMPLE = '''def running_max(xs: list[int]) -> list[int]:
    """Return the running maximum of xs: element i is the largest of xs[0..i].
    >>> running_max([1, 3, 2, 5])
    [1, 3, 3, 5]
    """
'''


def function_name(head: str) -> str:
    """The name of the last function the head defines (the one being completed)."""
    try:
        tree = ast.parse(head.rstrip() + "\n    pass\n")
    except SyntaxError as exc:
        raise ValueError(f"the signature and docstring do not parse: {exc.msg} (line {exc.lineno})") from None
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    if not names:
        raise ValueError("write a `def name(...):` line and its docstring")
    return names[-1]


def complete(tm, head: str, max_new_tokens: int) -> tuple[str, str]:
    """(base function, tuned function): the head with each model's body."""
    head = head.rstrip() + "\n"
    example = ProgramExample(id="demo", prompt=prompts.codegen_user(), reference="",
                             answer_prefix=prompts.codegen_prefix(head), program_head=head,
                             stops=prompts.CODEGEN_STOPS)
    settings = SamplingSettings(n=1, max_new_tokens=max_new_tokens)
    base = sample_completions(tm, [example], prompts.SYSTEM, settings, use_adapter=False)[0][0]
    tuned = sample_completions(tm, [example], prompts.SYSTEM, settings, use_adapter=True)[0][0]
    return head + base, head + tuned


def write_and_score_test(tm, function_source: str, max_new_tokens: int) -> tuple[str, dict]:
    """(the tuned model's pytest test of `function_source`, its scores from the sandbox)."""
    from domains.code.benchmark_tasks import FOCAL_MODULE, FocalTask, unit_test_prompt
    from domains.code.unittest_score import score_unit_test

    name = function_name(function_source)
    focal_prompt = unit_test_prompt(FOCAL_MODULE, name, function_source)
    example = ProgramExample(id="demo-test", prompt=prompts.unittest_user(focal_prompt), reference="",
                             answer_prefix=prompts.FENCE, stops=prompts.UNITTEST_STOPS)
    test = sample_completions(tm, [example], prompts.SYSTEM, SamplingSettings(n=1, max_new_tokens=max_new_tokens),
                              use_adapter=True)[0][0]
    task = FocalTask(task_id=f"demo/{name}", entry_point=name, source=function_source, prompt=focal_prompt,
                     origin="demo")
    score = score_unit_test(task, test)
    shown = {k: v for k, v in vars(score).items() if k != "task_id"}
    return test, shown


def build(run_dir: str, load_now: bool = False):
    import gradio as gr

    recipe = get_recipe("code")
    _, metrics = finished_run(Path(run_dir))
    model = LoadOnce(lambda: load_run(run_dir))
    if load_now:
        model.get()
    max_new = load_run_config(run_dir).eval.max_new_tokens

    def on_complete(head: str):
        try:
            function_name(head or "")
        except ValueError as exc:
            return f"# {exc}", f"# {exc}", ""
        base_fn, tuned_fn = complete(model.get(), head, max_new)
        return base_fn, tuned_fn, tuned_fn

    def on_test(function_source: str):
        try:
            function_name(function_source or "")
        except ValueError as exc:
            return f"# {exc}", {"error": f"the function to test: {exc}"}
        return write_and_score_test(model.get(), function_source, max_new)

    loading = "" if model.loaded else " The model loads on the first request."
    with gr.Blocks(title="Code assistant") as app:
        gr.Markdown(f"# Code assistant\n{recipe.description}. Base `{metrics['base_model']}` with and without its "
                    f"`{metrics.get('method', '')}` adapter, greedy.{loading} Generated tests run in the sandbox.")
        head = gr.Code(value=EXAMPLE, language="python", label="Signature and docstring", elem_id="head")
        go = gr.Button("Complete", variant="primary", elem_id="complete")
        with gr.Row():
            base = gr.Code(language="python", label="Base model", elem_id="base-code", interactive=False)
            tuned = gr.Code(language="python", label="Tuned adapter", elem_id="tuned-code", interactive=False)
        focal = gr.Textbox(label="Function to test (the tuned completion; edit it freely)", lines=8,
                           elem_id="function-under-test")
        test_btn = gr.Button("Write a test for it (tuned model) and run it in the sandbox", elem_id="write-test")
        with gr.Row():
            test = gr.Code(language="python", label="Generated test", elem_id="test-code", interactive=False)
            scores = gr.JSON(label="Sandbox verdict of the generated test", elem_id="test-scores")
        go.click(on_complete, inputs=[head], outputs=[base, tuned, focal])
        test_btn.click(on_test, inputs=[focal], outputs=[test, scores])
    return app


def main(run_dir: str, host: str = "127.0.0.1", port: int = 7860) -> None:
    serve(build(run_dir, load_now=True), host, port)


if __name__ == "__main__":
    command_line(main)
