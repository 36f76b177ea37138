"""The audit hook untrusted code runs under (stdlib only; _child.py loads it inside the sandbox).

An audit hook cannot be removed once added, so everything the code does afterwards passes through `hook`.
Audit hooks are not a security boundary by themselves (PEP 578 says so): the OS isolation the parent sets up
(namespaces, a uid of its own, rlimits, cgroups) is what protects the host. The hook has two other jobs:
  - guard the verdict: the harness shares a process with the program, so the program must not reach the
    harness's frames or objects (sys._getframe, traceback/generator frames, gc walks, tracing, ctypes);
  - be a second line where the OS line is missing (no root, no namespaces): writes outside the working
    directory, processes, sockets and signals to the parent are refused in Python.

_child.py executes this file in a namespace of its own with a private copy of the builtins, and every function
used below is bound here at load time, before untrusted code runs: patching `builtins`, `os` or `os.path`
later changes nothing in here.
"""

from __future__ import annotations

import re
import sys
from os import O_APPEND, O_CREAT, O_RDWR, O_TRUNC, O_WRONLY, fspath, getcwd, getpgrp, lstat, readlink
from stat import S_ISLNK

try:
    from posix import _path_normpath as normpath  # C: not patchable through posixpath's globals
except ImportError:  # pragma: no cover - older or other Pythons
    from posixpath import normpath

_FRAME_ATTRS = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame"})
_INTROSPECTION = frozenset({"sys._current_frames", "sys._current_exceptions", "sys.settrace", "sys.setprofile",
                            "gc.get_objects", "gc.get_referrers", "gc.get_referents"})
# Importing these gives raw memory access or an interpreter outside this hook. ctypes is not among them:
# numpy imports it, so the harness loads it before the hook and the hook refuses its audited ways in (loading
# libraries, looking up symbols, reading addresses); pointer casts raise no audit event (docs/sandbox.md).
_NATIVE_MODULES = frozenset({"_testcapi", "_testinternalcapi", "_testbuffer", "_xxsubinterpreters",
                             "_xxinterpchannels", "_testmultiphase"})
_HARMLESS_CTYPES = frozenset({"ctypes.create_string_buffer", "ctypes.create_unicode_buffer"})
_PROCESS_EVENTS = frozenset({"os.fork", "os.forkpty", "os.exec", "os.posix_spawn", "os.spawn", "os.system",
                             "subprocess.Popen", "pty.spawn", "os.startfile"})
_PATH_EVENTS = frozenset({"os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.truncate", "os.utime",
                          "os.mkfifo", "os.mknod", "os.chflags", "os.setxattr", "os.removexattr", "shutil.rmtree"})
_TWO_PATH_EVENTS = frozenset({"os.rename", "os.link", "os.symlink"})  # args[1] is the path created
_WRITE_FLAGS = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND
# Another process's memory, environment or open files (the verdict pipes among them) are never the program's.
_PROC_PRIVATE = re.compile(r"^/(proc/[^/]+(/task/[^/]+)?/(fd|fdinfo|environ|mem|map_files)|dev/fd)(/|$)")
_STDIO = frozenset({"0", "1", "2"})
_FS_ENCODING = sys.getfilesystemencoding()


class SandboxDenied(PermissionError):
    pass  # no methods, ever: a class is found through object.__subclasses__(), a method leads to our globals


def _exact(s) -> str:
    """A plain str with the same characters: a str subclass could lie through __hash__, __eq__ or methods."""
    if isinstance(s, bytes):
        return bytes.decode(s, _FS_ENCODING, "surrogateescape")
    return str.encode(s, "utf-8", "surrogatepass").decode("utf-8", "surrogatepass")


def _realpath(path: str) -> str:
    """Symlinks resolved (a made-up path is resolved as far as it exists), like os.path.realpath."""
    parts, done, hops = path.split("/")[1:], "", 0
    while parts:
        name = parts.pop(0)
        if name in ("", "."):
            continue
        if name == "..":
            done = done.rpartition("/")[0]
            continue
        candidate = done + "/" + name
        try:
            is_link = S_ISLNK(lstat(candidate).st_mode)
        except OSError:
            is_link = False
        if is_link and hops < 40:
            hops += 1
            try:
                target = readlink(candidate)
            except OSError:
                target = name
            parts = target.split("/") + parts
            if target.startswith("/"):
                done = ""
            continue
        done = candidate
    return done or "/"


def _path(value, dir_fd=None) -> str | None:
    """`value` as an absolute normalized path (symlinks kept); None for what cannot be named."""
    if isinstance(value, int):  # a descriptor: the file it names, if it names one (not a pipe or socket)
        try:
            target = readlink(f"/proc/self/fd/{value}")
        except OSError:
            return None
        return target if target.startswith("/") else None
    try:
        value = _exact(fspath(value))
    except (TypeError, UnicodeError):
        return None
    if not value.startswith("/"):
        base = _path(dir_fd) if isinstance(dir_fd, int) and dir_fd >= 0 else getcwd()
        if base is None:
            return None
        value = base + "/" + value
    return normpath(value)


def _under(path: str, roots) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def make_hook(policy: dict):
    """The hook, and `disarm()`, which lifts the introspection ban once the verdict no longer depends on it.

    policy: workdir, protected_fds (a set the harness may still update), parent_pid, block_introspection,
    block_processes, block_sockets, confine_writes, deny_read (roots), allow_read (roots inside deny_read)."""
    writable = [_realpath(policy["workdir"]), "/dev/null"]
    deny_read = [_realpath(p) for p in policy.get("deny_read", ())]
    allow_read = [_realpath(p) for p in policy.get("allow_read", ())]
    protected = policy["protected_fds"]
    parent = policy.get("parent_pid")
    own_group = getpgrp()
    confine, processes, sockets = (bool(policy.get(k)) for k in ("confine_writes", "block_processes",
                                                                   "block_sockets"))
    armed = {"introspection": bool(policy.get("block_introspection"))}

    def deny(what: str):
        raise SandboxDenied(f"sandbox: {what} is not allowed here")

    def check_write(value, dir_fd=None):
        path = _path(value, dir_fd)
        if path is not None and not (_under(path, writable) and _under(_realpath(path), writable)):
            deny(f"writing {path}")

    def check_open(value, mode, flags):
        if isinstance(value, int):  # wrapping a descriptor opens no file; only the verdict pipes are off limits
            if value in protected:
                deny("opening this descriptor")
            return
        path = _path(value)
        if path is None:
            return
        real = _realpath(path)
        for p in (path, real):
            if _PROC_PRIVATE.match(p) and not (p.startswith(("/proc/self/fd/", "/dev/fd/"))
                                               and p.rpartition("/")[2] in _STDIO):
                deny(f"opening {path}")
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags > 0 and flags & _WRITE_FLAGS)
        if writing and confine:
            check_write(path)
        elif _under(real, deny_read) and not _under(real, allow_read):
            deny(f"reading {path}")

    def check_kill(pid, sig):
        if sig != 0 and (pid == -1 or pid == parent or (pid < -1 and -pid != own_group)):
            deny(f"signalling pid {pid}")

    def hook(event, args):
        if event == "open":
            check_open(*args[:3])
        elif event == "sys._getframe":
            if armed["introspection"]:
                # ValueError is what namedtuple, enum, typing and logging already expect here ("stack too shallow")
                raise ValueError("sandbox: frames are not available here")
        elif event == "object.__getattr__":
            if armed["introspection"] and args[1] in _FRAME_ATTRS:
                deny(f"reading .{args[1]}")
        elif event in _INTROSPECTION or (event.startswith("ctypes.") and event not in _HARMLESS_CTYPES):
            if armed["introspection"]:
                deny(event)
        elif event == "import":
            top = _exact(args[0]).partition(".")[0]
            if (armed["introspection"] and top in _NATIVE_MODULES) or (processes and top == "_posixsubprocess"):
                deny(f"importing {top}")
        elif event in _PROCESS_EVENTS:
            if processes:
                deny("starting a process")
        elif event in ("os.kill", "os.killpg"):
            check_kill(args[0] if event == "os.kill" else -args[0], args[1])
        elif event.startswith("socket."):
            if sockets:
                deny("network access")
        elif event in _PATH_EVENTS or event in _TWO_PATH_EVENTS:
            if confine:
                if event in _TWO_PATH_EVENTS:
                    check_write(args[1], args[3] if len(args) > 3 else None)
                    if event == "os.rename":
                        check_write(args[0], args[2])  # moving a file away deletes it where it was
                else:
                    check_write(args[0], args[-1] if len(args) > 1 and isinstance(args[-1], int) else None)
        elif event in ("os.listdir", "os.scandir"):
            path = _path(args[0]) if args and args[0] is not None else None
            if path and _PROC_PRIVATE.match(path) and armed["introspection"]:
                deny(f"listing {path}")

    def disarm():
        armed["introspection"] = False

    return hook, disarm


def install(policy: dict):
    """Add the hook for the rest of this process's life; returns `disarm`."""
    hook, disarm = make_hook(policy)
    sys.addaudithook(hook)
    return disarm


_HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: every class made at run time (class statement, type()) has it
_type_flags = type.__dict__["__flags__"].__get__  # not `t.__flags__`: a metaclass could override that
_PLAIN = frozenset(id(t) for t in (int, float, complex, str, bytes, bool, type(None), list, tuple, dict, set,
                                   frozenset, range))
_CONTAINERS = frozenset(id(t) for t in (list, tuple, set, frozenset))


def check_plain(value) -> None:
    """Raise TypeError unless `value` is builtin data all the way down: no class of the program's own, so no
    `__eq__` that always says True. Instances of C types (numpy scalars) pass: a program cannot make one.
    Types are compared by id: `t in {int, ...}` would ask a metaclass's own __eq__."""
    stack, seen = [value], set()
    while stack:
        v = stack.pop()
        t = type(v)
        if id(t) not in _PLAIN:
            if _type_flags(t) & _HEAPTYPE:
                raise TypeError("sandbox: the candidate returned an object of its own class, not builtin data")
            continue
        if id(v) in seen:
            continue
        seen.add(id(v))
        if id(t) in _CONTAINERS:
            stack.extend(v)
        elif t is dict:
            for key, item in dict.items(v):
                stack.append(key)
                stack.append(item)


def plain_results(fn):
    """`fn`, but every value it returns is checked with `check_plain` before the test sees it."""

    def candidate(*args, **kwargs):
        result = fn(*args, **kwargs)
        check_plain(result)
        return result

    return candidate
