"""Run untrusted Python (or a command) in the sandbox: `run_program`, `run_command`, `run_many`.

One run: a fresh working directory (and uid, cgroup) is made; `python -I _child.py` starts in its own session,
inside namespaces where the host allows them, gets its spec on stdin and sets itself up (_harness.py); the parent
reads stdout, stderr and the verdict pipe, each capped, until the child exits or the wall clock runs out; then
everything of the run is killed (reap.py) and removed, and the verdict is decided here (verdict.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import selectors
import site
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cookbook.errors import SandboxError
from cookbook.sandbox import cgroup, reap, workdir
from cookbook.sandbox.limits import Isolation, Limits
from cookbook.sandbox.probe import HostCaps, hidden_ancestors, host_caps
from cookbook.sandbox.uids import private_uid
from cookbook.sandbox.verdict import SandboxResult, decide

CHILD = Path(__file__).with_name("_child.py")
PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm")  # the world-writable places; each run gets empty ones
VERDICT_CAP = 4096
LINGER_S = 0.2  # after the child exits, how long leftovers holding its pipes may keep writing


@dataclass(frozen=True)
class Job:
    program: str
    test: str = ""
    entry_point: str | None = None


@dataclass(frozen=True)
class _Plan:
    prefix: tuple[str, ...] | None  # unshare argv prefix, or None: no namespaces
    uid: bool  # run as a private uid
    controllers: tuple[str, ...]
    tmpfs: bool
    report: dict[str, str]


def _plan(caps: HostCaps, iso: Isolation) -> _Plan:
    prefix = caps.unshare if iso.namespaces else None
    # Python must be reachable as the run's uid: directly, or bridged inside a mount namespace (probe.py)
    uid = caps.root and iso.private_uid and (caps.uid_drop or (prefix is not None and not caps.userns))
    controllers = caps.controllers if iso.cgroups else ()
    tmpfs = caps.tmpfs and iso.tmpfs
    if "pids" in controllers:
        processes = "pids-cgroup"
    elif uid:
        processes = "rlimit-nproc"
    else:
        processes = "none (root ignores RLIMIT_NPROC)" if caps.root else "rlimit-nproc (shared with your uid)"
    report = {"network": "netns" if prefix else "sockets-disabled",
              "pid": "pidns" if prefix else "process-group",
              "user": "private-uid" if uid else ("userns-root" if prefix and caps.userns else "same-uid"),
              "processes": processes,
              "memory": "memory-cgroup+rlimit-as" if "memory" in controllers else "rlimit-as",
              "workdir": "tmpfs" if tmpfs else "directory",
              "guard": "audit-hook"}
    return _Plan(prefix, uid, controllers, tmpfs, report)


def _tasks_of_my_uid() -> int:
    """Threads now running as our real uid: RLIMIT_NPROC counts them too when the run shares our uid."""
    me, total = str(os.getuid()), 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        status = reap._status(pid)
        if status.get("Uid", "").split()[:1] == [me]:
            total += int(status.get("Threads", "1"))
    return total


def _rlimits(limits: Limits, private: bool) -> dict[str, tuple[int, int]]:
    mb = 1024 * 1024
    cpu = limits.cpu_seconds()
    nproc = limits.processes if private else _tasks_of_my_uid() + limits.processes
    return {"RLIMIT_AS": (limits.memory_mb * mb,) * 2, "RLIMIT_CPU": (cpu, cpu + 1),
            "RLIMIT_FSIZE": (limits.file_size_mb * mb,) * 2, "RLIMIT_NOFILE": (limits.open_files,) * 2,
            "RLIMIT_NPROC": (nproc, nproc), "RLIMIT_CORE": (0, 0)}


def _python_dirs() -> list[str]:
    """Where Python and its packages live: readable even if they are under the real HOME."""
    dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    dirs.update(site.getsitepackages())
    dirs.update(p for p in sys.path if p and os.path.isdir(p))
    return sorted(dirs)


def _interpreter_dirs() -> list[str]:
    """What the child's Python itself needs: its prefixes and site-packages (not every sys.path entry)."""
    dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    dirs.update(site.getsitepackages())
    return sorted(os.path.realpath(d) for d in dirs)


def _bridged_dirs(private_tmp: list) -> list[str]:
    """Python's folders, less those under the run's private mounts: the child mounts its own /tmp before it
    bridges hidden directories, so a parent's sys.path entry under /tmp (a test's temporary folder) is not there."""
    roots = [d for d, _ in private_tmp]
    return [d for d in _python_dirs() if not any(_under(os.path.realpath(d), r) for r in roots)]


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _pump(proc: subprocess.Popen, spec: bytes, readers: dict[str, int], deadline: float, cap: int):
    """Feed stdin, read stdout, stderr and `readers` (each capped; the rest read and dropped, so a flood never
    blocks the program into a fake timeout) until the child exits and its pipes close, or the deadline."""
    sel = selectors.DefaultSelector()
    streams = {"stdout": proc.stdout.fileno(), "stderr": proc.stderr.fileno(), **readers}
    bufs = {name: bytearray() for name in streams}
    for name, fd in streams.items():
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ, name)
    pending = memoryview(spec)
    os.set_blocking(proc.stdin.fileno(), False)
    sel.register(proc.stdin.fileno(), selectors.EVENT_WRITE, "stdin")
    truncated, timed_out, exited_at = False, False, None
    while sel.get_map():
        now = time.monotonic()
        if now >= deadline:
            timed_out = True
            break
        if proc.poll() is not None:
            exited_at = exited_at or now
            if now - exited_at > LINGER_S:
                break
        for key, _ in sel.select(timeout=min(0.05, deadline - now)):
            if key.data == "stdin":
                try:
                    pending = pending[os.write(key.fd, pending[:65536]):]
                except BlockingIOError:
                    continue
                except OSError:  # the child is gone or closed stdin: nothing more to feed
                    pending = pending[:0]
                if not pending:
                    sel.unregister(key.fd)
                    proc.stdin.close()
                continue
            small = key.data not in ("stdout", "stderr")
            truncated |= _read_into(key.fd, bufs[key.data], VERDICT_CAP if small else cap, sel) and not small
    sel.close()
    return bufs, timed_out, truncated, (exited_at or time.monotonic())


def _read_into(fd: int, buf: bytearray, cap: int, sel: selectors.BaseSelector | None) -> bool:
    """One read; True if something was dropped over the cap. On end of file, stop watching `fd`."""
    try:
        data = os.read(fd, 1 << 20)
    except BlockingIOError:
        return False
    except OSError:
        data = b""
    if not data:
        if sel is not None:
            sel.unregister(fd)
        return False
    room = max(0, cap - len(buf))
    buf += data[:room]
    return len(data) > room


def _drain(fds: dict[str, int], bufs: dict[str, bytearray], cap: int) -> bool:
    """What is left in the pipes once everything is dead (their writers are gone: they end)."""
    truncated = False
    for name, fd in fds.items():
        for _ in range(64):
            before = len(bufs[name])
            try:
                data = os.read(fd, 1 << 20)
            except OSError:
                break
            if not data:
                break
            small = name not in ("stdout", "stderr")
            room = max(0, (VERDICT_CAP if small else cap) - before)
            bufs[name] += data[:room]
            truncated |= len(data) > room and not small
    return truncated


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def _returncode(outer: int, init_report: bytes) -> int:
    """The code's own exit status: what pid 1 of the namespace reported for it, else the process's."""
    try:
        return os.waitstatus_to_exitcode(int(init_report))
    except ValueError:
        return outer


def _execute(spec: dict, limits: Limits, iso: Isolation, files: dict, collect: Sequence[str]) -> SandboxResult:
    caps = host_caps()
    plan = _plan(caps, iso)
    if spec["mode"] == "command" and spec["argv"][0] != "python" and plan.prefix is None:
        raise SandboxError(f"sandbox: without a network namespace here only `python ...` commands can run "
                           f"(sockets are refused inside Python), not {spec['argv'][0]!r}")
    run_id = secrets.token_hex(8)
    with contextlib.ExitStack() as stack:
        uid = stack.enter_context(private_uid()) if plan.uid else None
        work, mounted = workdir.make(run_id, uid=uid, size_mb=limits.disk_mb, tmpfs=plan.tmpfs)
        stack.callback(workdir.remove, work, mounted)
        workdir.write_files(work, files, uid)
        cg = cgroup.create(run_id, plan.controllers, limits.processes, limits.memory_mb)
        stack.callback(cgroup.kill_all, cg)
        token = secrets.token_bytes(32) if spec["mode"] == "program" else None
        result = _spawn(spec, plan, limits, work, uid, cg, token, run_id)
        if collect:
            result.files = workdir.read_files(work, collect, limits.output_bytes)
    return result


def _spawn(spec: dict, plan: _Plan, limits: Limits, work: Path, uid: int | None, cg: cgroup.RunCgroup,
           token: bytes | None, run_id: str) -> SandboxResult:
    home = os.path.realpath(os.path.expanduser("~"))
    # A world-writable tmpfs over /tmp would hide the interpreter itself when it lives there (a checkout and its
    # .venv cloned under /tmp): such a directory is covered like a hidden ancestor instead (a read-only-for-others
    # tmpfs with only the interpreter's folders bound back), so the program still cannot write there.
    holds_python = {d: sorted({os.path.relpath(p, os.path.realpath(d)).split("/")[0] for p in _interpreter_dirs()
                               if _under(p, os.path.realpath(d))}) for d in PRIVATE_TMP if os.path.isdir(d)}
    private_tmp = [[d, max(1, limits.disk_mb // 4)] for d in PRIVATE_TMP
                   if plan.prefix and os.path.isdir(d) and not _under(str(work), d) and not holds_python.get(d)]
    covered = [(d, kids) for d, kids in holds_python.items() if kids and plan.prefix and not _under(str(work), d)]
    report = {**plan.report, "tmp": "private-tmpfs" if ["/tmp"] in [p[:1] for p in private_tmp] else
              "covered" if any(d == "/tmp" for d, _ in covered) else "shared"}
    token_r, token_w = os.pipe()
    verdict_r, verdict_w = os.pipe()
    status_r, status_w = os.pipe() if plan.prefix else (None, None)
    os.write(token_w, token or b"")
    os.close(token_w)
    child = {**spec, "workdir": str(work), "token_fd": token_r, "verdict_fd": verdict_w, "status_fd": status_w,
             "uid": uid,
             "cgroup_procs": cg.procs_files, "private_tmp": private_tmp, "rlimits": _rlimits(limits, uid is not None),
             "block_sockets": plan.prefix is None, "parent_pid": os.getpid(),
             "deny_read": [] if _under(str(work), home) else [home], "allow_read": _python_dirs(),
             "reveal": (hidden_ancestors(_bridged_dirs(private_tmp)) if uid is not None and plan.prefix else [])
             + [[d, kids] for d, kids in covered]}
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(work / "home"), "TMPDIR": str(work / "tmp"),
           "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "USER": "sandbox", "LOGNAME": "sandbox",
           "COOKBOOK_SANDBOX_RUN": run_id}
    argv = [*(plan.prefix or ()), sys.executable, "-I", str(CHILD)]
    start = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                pass_fds=[fd for fd in (token_r, verdict_w, status_w) if fd is not None], env=env,
                                cwd=work, start_new_session=True)
    except OSError as exc:
        for fd in (token_r, verdict_r, verdict_w, status_r, status_w):
            if fd is not None:
                os.close(fd)
        return SandboxResult(False, "error", 0.0, f"the sandbox did not start: {exc}", isolation=report)
    for fd in (token_r, verdict_w, status_w):
        if fd is not None:
            os.close(fd)
    readers = {"verdict": verdict_r, **({"status": status_r} if status_r is not None else {})}
    try:
        bufs, timed_out, truncated, ended = _pump(proc, json.dumps(child).encode(), readers,
                                                  start + limits.timeout_s, limits.output_bytes)
        oom = cg.out_of_memory()
    finally:
        survivors = reap.kill_run(proc, cg, uid, run_id)
    truncated |= _drain({"stdout": proc.stdout.fileno(), "stderr": proc.stderr.fileno(), **readers},
                        bufs, limits.output_bytes)
    for stream in (proc.stdout, proc.stderr):
        stream.close()
    for fd in readers.values():
        os.close(fd)
    returncode = None if timed_out else _returncode(proc.returncode, bytes(bufs.get("status", b"")))
    stdout, stderr = (bufs[k].decode("utf-8", "replace") for k in ("stdout", "stderr"))
    status, reason = decide(returncode=returncode, channel=bytes(bufs["verdict"]), token=token,
                            timed_out=timed_out, out_of_memory=oom, last_error=_last_line(stderr))
    if survivors:
        reason += f"; {survivors} process(es) of the run could not be killed"
    return SandboxResult(passed=status == "passed", status=status, seconds=round(ended - start, 3), reason=reason,
                         returncode=returncode, stdout=stdout, stderr=stderr,
                         truncated=truncated, isolation=report, survivors=survivors)


def run_program(program: str, test: str = "", *, entry_point: str | None = None, timeout_s: float | None = None,
                limits: Limits | None = None, isolation: Isolation | None = None,
                allow_processes: bool = False) -> SandboxResult:
    """Run `program`, then `test` in the same namespace, then `check(<entry_point>)` if `entry_point` is given
    (HumanEval's harness). Passed only if all of that returned. `allow_processes` lets the code fork and exec
    (the OS limits still hold); by default the guard refuses it, as no HumanEval solution needs it."""
    if entry_point is not None and not entry_point.isidentifier():
        raise SandboxError(f"sandbox: entry point {entry_point!r} is not a Python name")
    spec = {"mode": "program", "program": program, "test": test, "entry_point": entry_point,
            "allow_processes": bool(allow_processes)}
    return _execute(spec, (limits or Limits()).with_timeout(timeout_s), isolation or Isolation(), {}, ())


def run_command(argv: Sequence[str], *, files: dict[str, str | bytes] | None = None, collect: Sequence[str] = (),
                timeout_s: float | None = None, limits: Limits | None = None,
                isolation: Isolation | None = None) -> SandboxResult:
    """Run a command in the same isolation, in a working directory holding `files` (name -> content); passed
    means exit status 0. `argv[0] == "python"`: `python -m MOD ...`, `python -c CODE ...` or `python SCRIPT ...`
    run in the sandbox's interpreter under the guard (e.g. `["python", "-m", "pytest", "-q", "test_x.py"]`,
    `["python", "-m", "coverage", "run", "-m", "pytest"]`). `collect`: files to hand back in `result.files`."""
    argv = list(argv)
    if not argv or not all(isinstance(a, str) for a in argv):
        raise SandboxError("sandbox: a command is a non-empty list of strings")
    if argv[0] == "python" and (len(argv) < 2 or (argv[1] in ("-m", "-c") and len(argv) < 3)):
        raise SandboxError(f"sandbox: `{' '.join(argv)}` names no module, code or script")
    spec = {"mode": "command", "argv": argv, "allow_processes": True}
    return _execute(spec, (limits or Limits()).with_timeout(timeout_s), isolation or Isolation(), files or {},
                    collect)


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def run_many(jobs: Iterable[Job], *, workers: int | None = None, **options) -> list[SandboxResult]:
    """run_program for each job, up to `workers` (default: the cores we may use) at a time; results in order.
    Threads suffice: each one only waits on its own subprocess."""
    jobs = list(jobs)
    workers = max(1, min(workers or cores(), len(jobs) or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda j: run_program(j.program, j.test, entry_point=j.entry_point, **options), jobs))
