"""What one sandboxed run may use (`Limits`) and which isolation to use where the host allows it (`Isolation`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from cookbook.errors import SandboxError


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 10.0  # wall clock, enforced from the parent's side (a program can ignore any signal but KILL)
    # RLIMIT_CPU of each process. None: one second past the wall-clock timeout, so a busy program is stopped by the
    # wall clock (status timeout, no signal number) and the CPU limit stays the backstop; at equal values the two
    # race and a busy loop was sometimes killed by SIGXCPU first.
    cpu_s: float | None = None
    memory_mb: int = 1024  # RLIMIT_AS of each process, and the memory cgroup's limit for the whole run
    file_size_mb: int = 16  # RLIMIT_FSIZE: the largest file any process may write
    disk_mb: int = 64  # size of the working directory where it is a tmpfs (root); the private /tmp gets a quarter
    open_files: int = 256  # RLIMIT_NOFILE
    processes: int = 32  # processes + threads: RLIMIT_NPROC of the run's own uid, and pids.max of its cgroup
    output_bytes: int = 64 * 1024  # kept per stream; the rest is read and dropped so the program never blocks

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and not value > 0:
                raise SandboxError(f"sandbox limit {f.name} must be positive, got {value!r}")

    def cpu_seconds(self) -> int:
        """Whole seconds for RLIMIT_CPU (it has no finer unit), never less than the request."""
        return max(1, math.ceil(self.cpu_s if self.cpu_s is not None else self.timeout_s + 1))

    def with_timeout(self, timeout_s: float | None) -> Limits:
        return self if timeout_s is None else replace(self, timeout_s=timeout_s)


@dataclass(frozen=True)
class Isolation:
    """Each True means "use it if this host allows it"; the result's `isolation` says what was actually used.
    False forces the fallback (tests use this to check the paths a host without root or namespaces takes)."""

    namespaces: bool = True  # pid + network + mount (+ ipc, uts) namespaces via unshare(1)
    private_uid: bool = True  # root only: run as an unused uid of its own (RLIMIT_NPROC counts, files are safe)
    cgroups: bool = True  # pids and memory cgroups under our own, where they are writable
    tmpfs: bool = True  # root only: the working directory is a size-capped tmpfs (a full disk stays the run's)
