"""RUN/train.lock: a second process is refused with the holder's pid and host; a killed holder (SIGKILL) never
leaves the directory stuck; only the main rank of a multi-process launch takes the lock."""

import os
import socket
import subprocess
import sys
import time

import pytest

import cookbook.run_lock
from cookbook.errors import RunDirInUse
from cookbook.run_lock import lock_run_dir
from tests.conftest import REPO

LAUNCH = {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29517"}  # what every rank of one launch sees

HOLD = "import sys, time; from pathlib import Path; from cookbook.run_lock import lock_run_dir; " \
       "lock_run_dir(Path(sys.argv[1])); print('held', flush=True); time.sleep(600)"


@pytest.fixture
def holder(tmp_path):
    """Another process holding tmp_path/run's lock: the main process of launch LAUNCH."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "run")], cwd=REPO, stdout=subprocess.PIPE,
                            text=True, env={**os.environ, **LAUNCH})
    assert proc.stdout.readline().strip() == "held"
    yield proc
    proc.kill()
    proc.wait(timeout=30)


def test_second_process_is_refused_naming_the_holder(tmp_path, holder):
    with pytest.raises(RunDirInUse) as err:
        lock_run_dir(tmp_path / "run")
    msg = str(err.value)
    assert msg.startswith(f"{tmp_path / 'run'}: another `cookbook train`")
    assert f"pid {holder.pid} on host {socket.gethostname()}" in msg and "\n" not in msg
    assert err.value.exit_code == 2


def test_a_killed_holder_leaves_the_lock_free(tmp_path, holder):
    holder.kill()  # SIGKILL: no chance to clean anything up
    holder.wait(timeout=30)
    lock = lock_run_dir(tmp_path / "run")
    assert lock is not None
    lock.release()


@pytest.mark.parametrize("env", [{"RANK": "1", "LOCAL_RANK": "1"}, {"LOCAL_RANK": "1"}])
def test_other_ranks_of_a_launch_do_not_take_the_lock(tmp_path, holder, monkeypatch, env):
    monkeypatch.delenv("RANK", raising=False)
    for key, value in {**env, **LAUNCH}.items():
        monkeypatch.setenv(key, value)
    assert lock_run_dir(tmp_path / "run") is None  # their main rank holds it for the whole launch


def test_other_ranks_of_a_refused_launch_wait_instead_of_loading_a_model(tmp_path, holder, monkeypatch):
    """The lock names another launch: this rank's main process is being refused, and its launcher will stop
    this rank while it waits. Were the main process merely slow, the rank goes on after the wait, never fails."""
    for key, value in {"RANK": "1", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29999"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(cookbook.run_lock, "LAUNCH_WAIT_S", 1.0)
    t0 = time.monotonic()
    assert lock_run_dir(tmp_path / "run") is None
    assert time.monotonic() - t0 >= 1.0


def test_the_same_process_gets_its_own_lock_back(tmp_path):
    first = lock_run_dir(tmp_path / "run")
    try:
        assert lock_run_dir(tmp_path / "run") is first  # an earlier in-process run that failed does not block
    finally:
        first.release()
    again = lock_run_dir(tmp_path / "run")
    assert again is not first
    again.release()
