"""A pids + memory cgroup per run, made under the cgroup we are in (so the limits above ours still hold).

pids.max counts every process and thread of the run, whatever uid it runs as; memory caps the run as a whole
(RLIMIT_AS is per process, so a fork bomb could multiply it). Works with cgroup v1 (one hierarchy per
controller) and v2 (where our cgroup must delegate the controller to its children); anything else: none.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

CONTROLLERS = ("pids", "memory")
_PROBE = "cookbook-sandbox-probe"


def _mounts() -> dict[str, Path]:
    """controller -> where its hierarchy is mounted ("" for v2's unified one)."""
    out: dict[str, Path] = {}
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        left, _, right = line.partition(" - ")
        fstype, _, options = (right.split() + ["", "", ""])[:3]
        mount_point = left.split()[4]
        if fstype == "cgroup2":
            out.setdefault("", Path(mount_point))
        elif fstype == "cgroup":
            for opt in options.split(","):
                if opt in CONTROLLERS:
                    out[opt] = Path(mount_point)
    return out


def _own_dirs() -> dict[str, Path]:
    """controller -> the directory of the cgroup this process is in."""
    mounts = _mounts()
    out: dict[str, Path] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        _, names, path = line.split(":", 2)
        for name in names.split(",") if names else [""]:
            if name in mounts:
                out[name] = mounts[name] / path.lstrip("/")
    if "" in out:  # v2: a controller is usable if our cgroup hands it down to children
        try:
            delegated = (out[""] / "cgroup.subtree_control").read_text().split()
        except OSError:
            delegated = []
        for name in CONTROLLERS:
            if name in delegated and name not in out:
                out[name] = out[""]
    out.pop("", None)
    return out


def usable_controllers() -> tuple[str, ...]:
    found = []
    for name, parent in _own_dirs().items():
        probe = parent / _PROBE
        try:
            probe.mkdir(exist_ok=True)
            if (probe / f"{name}.max").exists() or (probe / f"{name}.limit_in_bytes").exists():
                found.append(name)
        except OSError:
            pass
        finally:
            try:
                probe.rmdir()
            except OSError:
                pass
    return tuple(sorted(found))


@dataclass
class RunCgroup:
    dirs: list[Path] = field(default_factory=list)

    @property
    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in self.dirs]

    def pids(self) -> set[int]:
        out: set[int] = set()
        for d in self.dirs:
            try:
                out.update(int(p) for p in (d / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                pass
        return out

    def out_of_memory(self) -> bool:
        """The kernel's OOM killer acted inside the run (memory.oom_control in v1, memory.events in v2)."""
        for d in self.dirs:
            for name, key in (("memory.oom_control", "oom_kill"), ("memory.events", "oom_kill")):
                try:
                    for line in (d / name).read_text().splitlines():
                        k, _, v = line.partition(" ")
                        if k == key and int(v) > 0:
                            return True
                except (OSError, ValueError):
                    pass
        return False


def create(run_id: str, controllers: tuple[str, ...], processes: int, memory_mb: int) -> RunCgroup:
    """A cgroup per controller for this run, limits set; RunCgroup() (none) where that fails."""
    own = _own_dirs()
    cg = RunCgroup()
    limit_bytes = memory_mb * 1024 * 1024
    by_dir: dict[Path, list[str]] = {}
    for name in controllers:
        if name in own:
            by_dir.setdefault(own[name] / f"cookbook-sandbox-{run_id}", []).append(name)
    for d, names in by_dir.items():
        try:
            d.mkdir()
        except OSError:
            continue
        cg.dirs.append(d)
        for name in names:
            settings = {"pids": [("pids.max", processes)],
                        "memory": [("memory.limit_in_bytes", limit_bytes), ("memory.max", limit_bytes),
                                   ("memory.swap.max", 0)]}[name]
            for file, value in settings:
                if (d / file).exists():
                    try:
                        (d / file).write_text(str(value))
                    except OSError:
                        pass
    return cg


def kill_all(cg: RunCgroup, wait_s: float = 2.0) -> None:
    """SIGKILL until the cgroups are empty (v1 has no cgroup.kill; a fork bomb's children appear as we go,
    but pids.max caps how many), then remove them."""
    deadline = time.monotonic() + wait_s
    while cg.dirs:
        pids = cg.pids()
        if not pids or time.monotonic() > deadline:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)
    for d in cg.dirs:
        for _ in range(100):  # rmdir fails while the last killed tasks are still exiting
            try:
                d.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.01)
