"""The tiny recipe under `accelerate launch` with 2 CPU processes (DDP over gloo)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, read_metrics

pytestmark = pytest.mark.integration


def test_two_process_ddp_run(tmp_path):
    out = tmp_path / "run"
    accelerate = Path(sys.executable).with_name("accelerate")
    proc = subprocess.run(
        [str(accelerate), "launch", "--config_file", "configs/accelerate/ddp_cpu.yaml", "--num_processes", "2",
         "-m", "cookbook.cli", "train", "telecom", "--config", "tiny", f"output_dir={out}"],
        cwd=REPO, capture_output=True, text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    m = read_metrics(out)
    assert m["num_processes"] == 2 and m["completed"] is True and m["steps"] == 6
    assert (out / "adapter" / "adapter_model.safetensors").is_file()
