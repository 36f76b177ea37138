"""Ending a run's processes, all of them: whatever they spawned, wherever they moved.

The layers, each covering where the one before is missing: the pid namespace (its pid 1 dies, the kernel kills
the rest), the process group (killpg), the cgroup (every member), the run's own uid (every process with it), and
last, where none of those exist, the run's marker in a process's environment (a child that cleared its
environment and setsid()'d then escapes; docs/sandbox.md says so).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

from cookbook.sandbox import cgroup


def _status(pid: str) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/status") as f:
            return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    except OSError:
        return {}


def _has_marker(pid: str, marker: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return marker in f.read().split(b"\0")
    except OSError:
        return False


def find(uid: int | None, marker: str) -> list[int]:
    """Live (not zombie) processes that are the run's: its uid, or its marker in their environment."""
    mark = f"COOKBOOK_SANDBOX_RUN={marker}".encode()
    me = os.getpid()
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        status = _status(entry)
        if not status or status.get("State", "").startswith(("Z", "X")):
            continue
        uids = status.get("Uid", "").split()
        if (uid is not None and str(uid) in uids) or _has_marker(entry, mark):
            out.append(int(entry))
    return out


def kill_run(proc: subprocess.Popen, cg: cgroup.RunCgroup, uid: int | None, marker: str,
             wait_s: float = 2.0) -> int:
    """Kill everything of the run; the number still alive after `wait_s` (0 unless something escaped)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # start_new_session: its pgid is its pid
    except OSError:
        pass
    proc.kill()
    proc.wait()
    cgroup.kill_all(cg, wait_s)
    deadline = time.monotonic() + wait_s
    while True:
        # The pid namespace is torn down asynchronously after its pid 1 dies: wait for that too.
        left = find(uid, marker)
        if not left or time.monotonic() > deadline:
            return len(left)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)
