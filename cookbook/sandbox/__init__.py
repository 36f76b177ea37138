"""Run model-generated Python without trusting it: the one sandbox every caller uses (docs/sandbox.md).

    run_program(program, test, entry_point="f", timeout_s=3) -> SandboxResult   # HumanEval-style check
    run_command(["python", "-m", "pytest", "-q"], files={...}, collect=[...])    # a command, same isolation
    run_many([Job(program, test, entry_point), ...], workers=None)               # in parallel, bounded by cores
"""

from cookbook.sandbox.limits import Isolation, Limits
from cookbook.sandbox.probe import host_caps
from cookbook.sandbox.run import Job, cores, run_command, run_many, run_program
from cookbook.sandbox.verdict import STATUSES, SandboxResult

__all__ = ["STATUSES", "Isolation", "Job", "Limits", "SandboxResult", "cores", "host_caps", "run_command",
           "run_many", "run_program"]
