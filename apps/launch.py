"""What every domain demo shares: `python -m apps.<domain> --run DIR [--host H] [--port P]`, and launching."""

from __future__ import annotations

import argparse
from collections.abc import Callable


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
