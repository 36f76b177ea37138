"""What every domain demo shares: `python -m apps.<domain> --run DIR [--host H] [--port P]`, launching, and a model
loaded on first use (so the hub can build every domain's page at start without loading every model)."""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Model = TypeVar("Model")


class LoadOnce(Generic[Model]):
    """A model loaded by `load()` on the first `get()`, once per process, then shared by every browser session.
    A load that fails raises to the caller (Gradio shows it) and is tried again on the next `get()`."""

    def __init__(self, load: Callable[[], Model]):
        self._load = load
        self._model: Model | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def get(self) -> Model:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model


def serve(app, host: str, port: int) -> None:
    print(f"[cookbook] demo on http://{host}:{port}", flush=True)
    app.launch(server_name=host, server_port=port, show_error=True)


def command_line(main: Callable[..., None]) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=7860)
    a = ap.parse_args()
    main(a.run, a.host, a.port)
