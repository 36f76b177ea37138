"""`cookbook sandbox PROGRAM.py --test TEST.py [--timeout S] [--entry-point NAME]`: one JSON line, exit 0
whatever the verdict; bad input (a missing file, a bad limit) is a one-line error and exit 2."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cookbook.errors import SandboxError
from cookbook.sandbox.limits import Limits
from cookbook.sandbox.run import run_program


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SandboxError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SandboxError(f"{path}: cannot read it ({exc.__class__.__name__})") from None


def cmd_sandbox(args) -> int:
    program = _read(args.program)
    test = _read(args.test) if args.test else ""
    limits = Limits(timeout_s=args.timeout, memory_mb=args.memory_mb)
    result = run_program(program, test, entry_point=args.entry_point, limits=limits)
    print(json.dumps(result.to_json()))
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    sp = sub.add_parser("sandbox", help="run a program and its test in the sandbox; prints one JSON line")
    sp.add_argument("program", help="the program's .py file (untrusted)")
    sp.add_argument("--test", help="test code run after the program in its namespace (e.g. HumanEval's check)")
    sp.add_argument("--entry-point", help="call check(NAME) after the test's code, as HumanEval does")
    sp.add_argument("--timeout", type=float, default=Limits.timeout_s, help="wall-clock seconds (default 10)")
    sp.add_argument("--memory-mb", type=int, default=Limits.memory_mb, help="address space per process")
    sp.set_defaults(fn=cmd_sandbox)
