"""What every kind's `compare` shares: one training run per method, each in its own process (so its time and peak
memory are its own), reused when a finished run is already there (a comparison resumes where it stopped)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cookbook.errors import CookbookError
from cookbook.runs import read_json


def train_method_run(domain: str, config: str, method: str, run_dir: Path, overrides: list[str]) -> None:
    if read_json(run_dir / "metrics.json").get("completed"):
        print(f"[cookbook] {method}: finished run in {run_dir}, reused", file=sys.stderr)
        return
    cmd = [sys.executable, "-m", "cookbook.cli", "train", domain, "--config", config, f"peft.method={method}",
           f"output_dir={run_dir}", *overrides]
    print(f"[cookbook] {method}: {' '.join(cmd[2:])}", file=sys.stderr, flush=True)
    if subprocess.run(cmd).returncode != 0:
        raise CookbookError(f"training {method} failed (see above); fix it and re-run: finished methods are kept")
