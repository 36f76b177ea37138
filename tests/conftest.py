import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run `python -m cookbook.cli ...` from the repo root, as `make` would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "cookbook.cli", *args], cwd=REPO, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def read_metrics(run_dir: Path) -> dict:
    return json.loads((Path(run_dir) / "metrics.json").read_text())


def train_tiny(tmp_path_factory, domain: str) -> Path:
    """Train `domain` with its tiny config into a fresh folder; the finished run directory."""
    out = tmp_path_factory.mktemp(f"tiny_{domain}") / "run"
    proc = run_cli("train", domain, "--config", "tiny", f"output_dir={out}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """One tiny telecom run shared by the tests that only read a finished run."""
    return train_tiny(tmp_path_factory, "telecom")
