"""Telecom assistant demo: `make demo DOMAIN=telecom RUN=runs/telecom/<timestamp>`."""

from __future__ import annotations

from pathlib import Path

from apps.launch import command_line, serve
from apps.side_by_side import build_app
from cookbook.config import load_config
from cookbook.inference import load_run
from domains.telecom import prompts


def main(run_dir: str, host: str = "127.0.0.1", port: int = 7860) -> None:
    tm = load_run(run_dir)
    ev = load_config(Path(run_dir) / "config.yaml").eval
    decoding = {"max_new_tokens": ev.max_new_tokens, "repetition_penalty": ev.repetition_penalty,
                "no_repeat_ngram_size": ev.no_repeat_ngram_size}
    app = build_app(tm, "Telecom assistant", prompts.SYSTEM, prompts.DEMO_QUESTIONS, decoding)
    serve(app, host, port)


if __name__ == "__main__":
    command_line(main)
