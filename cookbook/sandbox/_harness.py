"""Inside the sandbox: identity and limits first, then the untrusted code, then the verdict (stdlib only).

The verdict is never printed. The parent passed two pipes: one holding a random token, one back to itself.
After the test returned, and only then, the token is spliced from one pipe to the other (kernel to kernel: it
never becomes a Python object the program could find), and the process exits 0. The parent reads "passed" only
from that token plus exit status 0; output, early exits and fake markers say nothing. On any failure the token
pipe is closed first, before anything else runs.

The functions used after untrusted code starts are bound at load time (this file runs in a private namespace
with private builtins, see _child.py), so patching os, sys or builtins cannot redirect them.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import traceback
import types
from os import O_RDONLY, _exit, close, dup2, write

try:
    from os import splice
except ImportError:  # pragma: no cover - not Linux
    splice = None

# HumanEval tests import these; loading them now puts them in the snapshot that is restored before the test.
PRELOAD = ("math", "string", "itertools", "collections", "functools", "heapq", "hashlib", "re")
# Imported before the hook so that a later `import ctypes` (numpy does one) passes without loading a library.
try:
    import ctypes
except ImportError:  # pragma: no cover - a Python built without it
    ctypes = None
MS_NOSUID, MS_NODEV, MS_BIND, MS_REC = 2, 4, 4096, 16384
PR_SET_NO_NEW_PRIVS = 38


def main(guard: dict) -> None:
    spec = json.loads(sys.stdin.buffer.read())
    null = os.open(os.devnull, O_RDONLY)
    dup2(null, 0)
    close(null)
    token_fd, verdict_fd = _hide_fds(spec["token_fd"], spec["verdict_fd"])
    _join_and_mount(spec)
    if spec.get("status_fd") is not None:
        _become_init(spec["status_fd"], (token_fd, verdict_fd))
    _drop_privileges(spec)
    os.chdir(spec["workdir"])
    sys.dont_write_bytecode = True  # no __pycache__ written next to the program's files
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)  # what a killed program printed last is still seen
    if spec["mode"] == "program":
        _program(spec, guard, token_fd, verdict_fd)
    else:
        _command(spec, guard, token_fd, verdict_fd)


def _random_below(n: int) -> int:
    return int.from_bytes(os.urandom(4), "little") % n


def _hide_fds(token_fd: int, verdict_fd: int) -> tuple[int, int]:
    """Move the two pipes to random descriptor numbers far above what the program's own files get. This only
    costs a program that scans for them some time; the audit hook refuses /proc/self/fd and opening them."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    top = 32768 if hard == resource.RLIM_INFINITY else min(hard, 32768)
    if top <= 2048:
        return token_fd, verdict_fd
    resource.setrlimit(resource.RLIMIT_NOFILE, (top, hard))
    new_token = 1024 + _random_below(top - 1024)
    new_verdict = new_token
    while new_verdict == new_token:
        new_verdict = 1024 + _random_below(top - 1024)
    for old, new in ((token_fd, new_token), (verdict_fd, new_verdict)):
        dup2(old, new, inheritable=False)
        close(old)
    return new_token, new_verdict


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except (AttributeError, OSError):  # pragma: no cover - a Python without ctypes
        return None


def _become_init(status_fd: int, worker_fds: tuple[int, int]) -> None:
    """In a pid namespace this process is pid 1, and the kernel drops every signal pid 1 sends itself or gets
    from inside without a handler: a program's raise(SIGSEGV) or killpg would do nothing. So pid 1 stays this
    trusted loop that only reaps, and the code runs in its child; the child's wait status goes to the parent on
    a pipe only pid 1 holds. When pid 1 exits, the kernel kills whatever is left in the namespace."""
    worker = os.fork()
    if worker == 0:
        close(status_fd)
        return
    for fd in worker_fds:
        close(fd)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            _exit(0)
        except InterruptedError:
            continue
        if pid == worker:
            write(status_fd, str(status).encode())
            _exit(0)


def _join_and_mount(spec: dict) -> None:
    """Join the run's cgroups and mount the private /tmp dirs: this needs root (real root, or root of a user
    namespace), so it happens before anything untrusted."""
    for procs in spec.get("cgroup_procs", ()):
        with open(procs, "w") as f:
            f.write("0")  # "0": the writing process itself, whatever pid namespace it sees
    libc = _libc()
    for path, size_mb in spec.get("private_tmp", ()):
        _mount_tmpfs(libc, path, f"size={size_mb}m,mode=1777,nr_inodes=4096")
    for path, children in spec.get("reveal", ()):
        # Keep a handle on each child, cover the directory, then bind the children back through the handles.
        handles = [os.open(f"{path}/{c}", os.O_PATH | os.O_DIRECTORY) for c in children]
        _mount_tmpfs(libc, path, "size=1m,mode=0755,nr_inodes=256")
        for child, fd in zip(children, handles, strict=True):
            os.mkdir(f"{path}/{child}")
            if libc.mount(f"/proc/self/fd/{fd}".encode(), f"{path}/{child}".encode(), None, MS_BIND | MS_REC,
                          None) != 0:
                raise OSError(f"sandbox: cannot bind {path}/{child} back into the namespace")
            close(fd)


def _drop_privileges(spec: dict) -> None:
    """No new privileges, the run's own uid, then the rlimits (lowering needs no privilege; NPROC counts the
    new uid's processes)."""
    libc = _libc()
    if libc is not None:
        libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)  # setuid binaries (su, sudo) gain nothing from here on
    uid = spec.get("uid")
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)  # also makes the process non-dumpable: /proc/self/mem becomes root's
    for name, (soft, hard) in spec["rlimits"].items():
        limit = getattr(resource, name)
        current_hard = resource.getrlimit(limit)[1]
        if current_hard != resource.RLIM_INFINITY:
            hard = min(hard, current_hard)
        resource.setrlimit(limit, (min(soft, hard), hard))


def _mount_tmpfs(libc, path: str, options: str) -> None:
    if libc is None or libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options.encode()) != 0:
        raise OSError(f"sandbox: cannot mount a tmpfs on {path}")


def _policy(spec: dict, protected: set, **flags) -> dict:
    return {"workdir": spec["workdir"], "protected_fds": protected, "parent_pid": spec.get("parent_pid"),
            "block_sockets": spec["block_sockets"], "confine_writes": True,
            "deny_read": spec.get("deny_read", ()), "allow_read": spec.get("allow_read", ()), **flags}


def _snapshot():
    """Module attributes, sys.modules and the import path lists as they are now (before the program), and a
    function that puts them back before the test runs: a program replacing math.isclose or builtins.len, or
    sys.modules["math"], cheats no test. (Attributes it adds stay: submodules set them while importing.)

    A closure, not a class, on purpose: any class defined here could be found through object.__subclasses__()
    (no audit event), and its methods' __globals__ would lead to this harness's globals and builtins."""
    for name in PRELOAD:
        __import__(name)
    sys_modules, modules = sys.modules, dict(sys.modules)
    dicts = [(m.__dict__, dict(m.__dict__)) for m in modules.values() if isinstance(m, types.ModuleType)]
    lists = [(lst, list(lst)) for lst in (sys.path, sys.meta_path, sys.path_hooks)]
    missing = object()

    def restore():
        for name, module in modules.items():
            sys_modules[name] = module
        for d, saved in dicts:
            for key, value in saved.items():
                if d.get(key, missing) is not value:
                    d[key] = value
        for lst, saved in lists:
            lst[:] = saved

    return restore


def _test_namespace(ns: dict, clean: dict) -> dict:
    """What the test's code sees: the program's names (HumanEval tests use helpers the program defines), but
    not its `check`, nor its own versions of builtins (a global `def len` or `abs` fools no assert), with the
    builtins as they were before the program ran. Only plain str keys: a str subclass could match any name."""
    out = {}
    for key, value in dict.items(ns):
        if type(key) is str and key != "check" and not (key in clean and value is not clean[key]):
            out[key] = value
    out["__builtins__"] = dict(clean)
    out["__name__"] = "__main__"
    return out


def _program(spec: dict, guard: dict, token_fd: int, verdict_fd: int) -> None:
    try:  # a test that does not compile is the caller's error, not the program's failure: before READY
        test_code = compile(spec["test"], "test.py", "exec")
    except (SyntaxError, ValueError) as exc:
        print(f"sandbox: the test does not compile: {exc}", file=sys.stderr)
        _exit(2)
    clean = dict(vars(__import__("builtins")))
    restore = _snapshot()
    stdout, stderr = sys.stdout, sys.stderr
    plain_results = guard["plain_results"]
    disarm = guard["install"](_policy(spec, {token_fd, verdict_fd}, block_introspection=True,
                                      block_processes=not spec["allow_processes"]))
    module = types.ModuleType("candidate")
    ns = module.__dict__
    sys.modules["candidate"] = sys.modules["__main__"] = module  # `import __main__` must not reach _child.py
    write(verdict_fd, b"R")  # setup is done: anything that goes wrong from here on is the program's
    try:
        exec(compile(spec["program"], "program.py", "exec"), ns)
        restore()
        test_ns = _test_namespace(ns, clean)
        exec(test_code, test_ns)
        entry = spec.get("entry_point")
        if entry:
            check = test_ns.get("check")
            if not callable(check):
                raise NameError("sandbox: the test defines no check(candidate)")
            if entry not in ns:
                raise NameError(f"sandbox: the program defines no {entry}")
            check(plain_results(ns[entry]))
    except BaseException as exc:  # noqa: B036 - SystemExit and KeyboardInterrupt from the program fail it too
        close(token_fd)  # first: from here on nothing can send the token
        disarm()
        try:
            stdout.flush()
            traceback.print_exception(exc, file=stderr)
            stderr.flush()
        except BaseException:  # noqa: B036 - a program's __str__ may raise anything; the verdict is settled
            pass
        _exit(1)
    try:
        stdout.flush()
        stderr.flush()
        if splice is not None:
            splice(token_fd, verdict_fd, 64)
        else:  # pragma: no cover - not Linux
            write(verdict_fd, os.read(token_fd, 64))
    except BaseException:  # noqa: B036 - a closed pipe or a signal: no token, a failure
        _exit(1)
    _exit(0)


def _command(spec: dict, guard: dict, token_fd: int, verdict_fd: int) -> None:
    """Run a command in the sandbox: exit status is the verdict. `python ...` runs in this process, under the
    hook (writes confined; sockets refused where there is no network namespace); anything else is exec'd."""
    close(token_fd)
    argv = spec["argv"]
    if argv[0] != "python":
        write(verdict_fd, b"R")
        close(verdict_fd)
        try:
            os.execvp(argv[0], argv)
        except OSError as exc:
            print(f"sandbox: cannot run {argv[0]}: {exc}", file=sys.stderr)
            _exit(127)
    guard["install"](_policy(spec, {verdict_fd}, block_introspection=False, block_processes=False))
    write(verdict_fd, b"R")
    close(verdict_fd)
    _run_python(argv[1:], spec["workdir"])


def _run_python(args: list[str], workdir: str) -> None:
    """`python -m MODULE ...`, `python -c CODE ...` or `python SCRIPT ...`; the working dir (or the script's)
    is importable, as with plain `python` (the -I the sandbox starts with would leave it out)."""
    import runpy

    if args[0] == "-m":
        sys.argv = [args[1], *args[2:]]
        sys.path.insert(0, workdir)
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
    elif args[0] == "-c":
        sys.argv = ["-c", *args[2:]]
        sys.path.insert(0, workdir)
        exec(compile(args[1], "<string>", "exec"), {"__name__": "__main__"})
    else:
        sys.argv = list(args)
        sys.path.insert(0, os.path.dirname(os.path.abspath(args[0])))
        runpy.run_path(args[0], run_name="__main__")
