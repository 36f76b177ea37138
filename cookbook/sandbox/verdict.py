"""The result of a run, and how the parent decides it from what the child cannot forge."""

from __future__ import annotations

import signal
from dataclasses import asdict, dataclass, field

STATUSES = ("passed", "failed", "timeout", "killed", "error")
READY = b"R"  # written by the harness once its setup is done, just before untrusted code runs


@dataclass
class SandboxResult:
    passed: bool
    status: str  # one of STATUSES
    seconds: float
    reason: str  # one line: why this status
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    truncated: bool = False  # stdout or stderr went over Limits.output_bytes
    isolation: dict[str, str] = field(default_factory=dict)  # mechanism -> what was used (docs/sandbox.md)
    survivors: int = 0  # processes of the run still alive after the kill (0 unless something escaped)
    files: dict[str, bytes] = field(default_factory=dict)  # run_command(collect=...)

    def to_json(self) -> dict:
        out = asdict(self)
        out.pop("files")
        out["files"] = sorted(self.files)
        return out


def _signal_name(n: int) -> str:
    try:
        return signal.Signals(n).name
    except ValueError:
        return f"signal {n}"


def decide(*, returncode: int | None, channel: bytes, token: bytes | None, timed_out: bool,
           out_of_memory: bool = False, last_error: str = "") -> tuple[str, str]:
    """(status, reason). `channel`: all the child wrote to the verdict pipe; `token`: what it must have written
    after READY to pass (None for a command, which passes on exit status 0 alone)."""
    if timed_out:
        return "timeout", "wall-clock timeout: killed"
    if not channel.startswith(READY):
        return "error", f"setup failed before the program ran: {last_error or f'exit status {returncode}'}"
    if returncode is not None and returncode < 0:
        sig = -returncode
        if sig == signal.SIGXCPU:
            return "timeout", "CPU time limit: killed by SIGXCPU"
        if out_of_memory:
            return "killed", "out of memory: killed by the kernel (memory cgroup)"
        return "killed", f"killed by {_signal_name(sig)}"
    if token is None:
        if returncode == 0:
            return "passed", "exit status 0"
        return "failed", f"exit status {returncode}" + (f": {last_error}" if last_error else "")
    if returncode == 0 and channel == READY + token:
        return "passed", "the test returned"
    why = last_error or f"exit status {returncode}"
    if returncode == 0:
        why = "exit status 0 without the harness's token (the program exited before the test finished)"
    return "failed", why
