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
    # Both ranks wrote their RNG state into each checkpoint before it was renamed into place.
    last = out / "checkpoints" / "checkpoint-6"
    assert (last / "rng_state_0.pth").is_file() and (last / "rng_state_1.pth").is_file()
    assert not (out / "checkpoints" / ".incomplete").exists()
    # Only the main process took the run directory's lock, logged to TensorBoard and drew the loss curve.
    assert (out / "train.lock").is_file() and (out / "loss_curve.png").is_file()
    assert len({e.name.split(".")[-2] for e in (out / "tensorboard").glob("events.out.tfevents.*")}) == 1
