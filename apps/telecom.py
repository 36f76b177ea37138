"""Telecom assistant demo: `make demo DOMAIN=telecom RUN=runs/telecom/<timestamp>`; also a tab of the hub."""

from __future__ import annotations

from pathlib import Path

from apps.launch import LoadOnce, command_line, serve
from apps.side_by_side import build_app
from cookbook.discovery import get_recipe
from cookbook.runs import finished_run, load_run_config
from cookbook.tasks.text.generate import decoding_settings, load_run


def build(run_dir: str, load_now: bool = False):
    """The demo page (gr.Blocks) of a finished telecom run; its model loads on the first question, or now."""
    recipe = get_recipe("telecom")
    _, metrics = finished_run(Path(run_dir))
    model = LoadOnce(lambda: load_run(run_dir))
    if load_now:
        model.get()
    decoding = decoding_settings(load_run_config(run_dir).eval)
    return build_app(model, metrics["base_model"], metrics.get("method", ""), "Telecom assistant",
                     recipe.system_prompt, recipe.demo_examples, decoding)


def main(run_dir: str, host: str = "127.0.0.1", port: int = 7860) -> None:
    serve(build(run_dir, load_now=True), host, port)


if __name__ == "__main__":
    command_line(main)
