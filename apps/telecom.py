"""Telecom assistant demo: `make demo DOMAIN=telecom RUN=runs/telecom/<timestamp>`."""

from __future__ import annotations

from apps.launch import command_line, serve
from apps.side_by_side import build_app
from cookbook.discovery import get_recipe
from cookbook.runs import load_run_config
from cookbook.tasks.text.generate import decoding_settings, load_run


def main(run_dir: str, host: str = "127.0.0.1", port: int = 7860) -> None:
    recipe = get_recipe("telecom")
    tm = load_run(run_dir)
    decoding = decoding_settings(load_run_config(run_dir).eval)
    app = build_app(tm, "Telecom assistant", recipe.system_prompt, recipe.demo_examples, decoding)
    serve(app, host, port)


if __name__ == "__main__":
    command_line(main)
