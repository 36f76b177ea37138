"""cookbook/sandbox: verdicts (correct passes, wrong fails, timeouts, errors), the working directory and
environment, output caps, the guard's rules (checked in-process, without a sandbox), commands, run_many, and
the CLI. Every run uses short timeouts and small limits; the fallback isolation (no namespaces, no private uid,
no cgroups, no tmpfs) is run as well, since that is what a host without root gets."""

import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from cookbook.cli import main as cli_main
from cookbook.errors import SandboxError
from cookbook.sandbox import Isolation, Job, Limits, host_caps, run_command, run_many, run_program
from cookbook.sandbox.run import CHILD
from cookbook.sandbox.verdict import READY, decide

FALLBACK = Isolation(namespaces=False, private_uid=False, cgroups=False, tmpfs=False)
MODES = {"full": Isolation(), "fallback": FALLBACK}
SMALL = Limits(timeout_s=5, memory_mb=512, processes=16, disk_mb=16, output_bytes=8192)
DOUBLE = "def f(x):\n    return x * 2\n"
CHECK = "def check(f):\n    assert f(2) == 4\n    assert f(10) == 20\n"


@pytest.mark.parametrize("mode", MODES)
def test_a_correct_program_passes_and_a_wrong_one_fails(mode):
    right, wrong = run_many([Job(DOUBLE, CHECK, "f"), Job("def f(x):\n    return x + 2\n", CHECK, "f")],
                            limits=SMALL, isolation=MODES[mode])
    assert (right.passed, right.status, right.returncode) == (True, "passed", 0), right
    assert (wrong.passed, wrong.status) == (False, "failed")
    assert "AssertionError" in wrong.reason and "AssertionError" in wrong.stderr


def test_without_entry_point_the_test_code_alone_decides():
    assert run_program(DOUBLE, "assert f(3) == 6\n", limits=SMALL).passed
    assert run_program(DOUBLE, "assert f(3) == 7\n", limits=SMALL).status == "failed"


def test_broken_program_missing_entry_point_and_broken_test():
    assert run_program("def f(x) return\n", CHECK, entry_point="f", limits=SMALL).status == "failed"
    missing = run_program("def g(x):\n    return x * 2\n", CHECK, entry_point="f", limits=SMALL)
    assert missing.status == "failed" and "defines no f" in missing.reason
    no_check = run_program(DOUBLE, "x = 1\n", entry_point="f", limits=SMALL)
    assert no_check.status == "failed" and "no check" in no_check.reason
    broken_test = run_program(DOUBLE, "def check(f)\n", entry_point="f", limits=SMALL)
    assert broken_test.status == "error" and "test does not compile" in broken_test.reason
    with pytest.raises(SandboxError):
        run_program(DOUBLE, CHECK, entry_point="not a name")


@pytest.mark.parametrize("mode", MODES)
def test_busy_and_sleeping_programs_time_out_on_the_wall_clock(mode):
    busy, sleepy = run_many([Job("while True:\n    pass\n"), Job("import time\ntime.sleep(60)\n")],
                            limits=Limits(timeout_s=1.0), isolation=MODES[mode])
    for r in (busy, sleepy):
        assert (r.status, r.passed, r.returncode) == ("timeout", False, None), r
        assert 0.9 <= r.seconds < 3.0


def test_cpu_limit_below_the_timeout_stops_a_busy_loop():
    r = run_program("while True:\n    pass\n", limits=Limits(timeout_s=8, cpu_s=1))
    assert r.status == "timeout" and "CPU" in r.reason and r.seconds < 6


@pytest.mark.parametrize("mode", MODES)
def test_fresh_working_directory_scrubbed_environment_removed_afterwards(mode, monkeypatch):
    monkeypatch.setenv("COOKBOOK_TEST_SECRET", "do-not-leak")
    program = ("import json, os, tempfile\nopen('note.txt', 'w').write('hi')\n"
               "print(json.dumps({'cwd': os.getcwd(), 'env': dict(os.environ), 'tmp': tempfile.gettempdir(),"
               " 'listing': sorted(os.listdir('.'))}))\n")
    r = run_program(program, limits=SMALL, isolation=MODES[mode])
    assert r.passed, r
    seen = json.loads(r.stdout)
    cwd = seen["cwd"]
    assert seen["env"]["HOME"] == f"{cwd}/home" and seen["tmp"] == f"{cwd}/tmp"
    assert "COOKBOOK_TEST_SECRET" not in seen["env"] and "do-not-leak" not in r.stdout
    assert set(seen["env"]) <= {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "USER", "LOGNAME", "COOKBOOK_SANDBOX_RUN"}
    assert seen["listing"] == ["home", "note.txt", "tmp"]
    assert not os.path.exists(cwd)


def test_output_beyond_the_cap_is_dropped_and_the_program_still_passes():
    r = run_program("print('y' * 200_000)\n" + DOUBLE, CHECK, entry_point="f",
                    limits=Limits(timeout_s=5, output_bytes=1000))
    assert r.passed and r.truncated and len(r.stdout) == 1000


def test_memory_limit_turns_a_large_allocation_into_a_failure():
    r = run_program("x = b'x' * (600 * 2**20)\n", limits=Limits(timeout_s=5, memory_mb=256))
    assert r.status in ("failed", "killed") and not r.passed
    assert "MemoryError" in r.stderr or "memory" in r.reason


@pytest.fixture
def loopback_server():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    accepted = []
    threading.Thread(target=lambda: accepted.append(srv.accept()), daemon=True).start()
    yield srv.getsockname()[1], accepted
    srv.close()


@pytest.mark.parametrize("mode", MODES)
def test_no_network_and_the_result_says_which_mechanism(mode, loopback_server):
    port, accepted = loopback_server
    program = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1)\n"
    r = run_program(program, limits=SMALL, isolation=MODES[mode])
    assert r.status == "failed"
    time.sleep(0.1)
    assert accepted == []
    expected = "netns" if mode == "full" and host_caps().unshare else "sockets-disabled"
    assert r.isolation["network"] == expected
    if expected == "sockets-disabled":
        assert "network access is not allowed" in r.reason


def test_isolation_report_on_this_host():
    r = run_program(DOUBLE, CHECK, entry_point="f", limits=SMALL)
    caps = host_caps()
    assert r.isolation["pid"] == ("pidns" if caps.unshare else "process-group")
    if caps.root and caps.unshare:
        assert r.isolation["user"] == "private-uid"
    fallback = run_program(DOUBLE, CHECK, entry_point="f", limits=SMALL, isolation=FALLBACK)
    assert fallback.passed
    assert fallback.isolation["user"] == "same-uid" and fallback.isolation["workdir"] == "directory"


def test_legitimate_programs_pass_under_the_guard():
    """What the guard refuses (frames, gc walks, ctypes loading) must not break ordinary code that only
    touches them indirectly: namedtuple/enum/typing look up their caller's frame, logging its caller."""
    program = """
import collections, dataclasses, enum, logging, typing, tempfile, pathlib, json
Point = collections.namedtuple("Point", "x y")
Color = enum.Enum("Color", "RED GREEN")
class Pair(typing.NamedTuple):
    a: int
    b: int
@dataclasses.dataclass
class Box:
    v: int
logging.basicConfig(level=logging.INFO)
logging.info("hello %s", "there")
with tempfile.NamedTemporaryFile("w", delete=False) as fh:
    fh.write("x")
pathlib.Path("data.json").write_text(json.dumps([Point(1, 2)]))
def f(x):
    return Box(Pair(x, x).a * 2).v
"""
    try:
        import numpy  # noqa: F401

        program += "import numpy\ndef g(x):\n    return numpy.int64(x) * 2\n"
        test = CHECK + "assert g(3) == 6\n"
    except ImportError:
        test = CHECK
    r = run_program(program, test, entry_point="f", limits=SMALL)
    assert r.passed, r.stderr


def test_decide():
    token = b"t" * 32
    assert decide(returncode=0, channel=READY + token, token=token, timed_out=False)[0] == "passed"
    assert decide(returncode=0, channel=READY, token=token, timed_out=False)[0] == "failed"  # early exit 0
    assert decide(returncode=0, channel=READY + token + b"x", token=token, timed_out=False)[0] == "failed"
    assert decide(returncode=0, channel=READY + b"t" * 31 + b"u", token=token, timed_out=False)[0] == "failed"
    assert decide(returncode=1, channel=READY + token, token=token, timed_out=False)[0] == "failed"
    assert decide(returncode=0, channel=b"", token=token, timed_out=False)[0] == "error"
    assert decide(returncode=None, channel=READY + token, token=token, timed_out=True)[0] == "timeout"
    assert decide(returncode=-24, channel=READY, token=token, timed_out=False)[0] == "timeout"  # SIGXCPU
    assert decide(returncode=-11, channel=READY, token=token, timed_out=False) == ("killed", "killed by SIGSEGV")
    assert decide(returncode=-9, channel=READY, token=token, timed_out=False, out_of_memory=True)[0] == "killed"
    assert decide(returncode=0, channel=READY, token=None, timed_out=False)[0] == "passed"  # a command
    assert decide(returncode=3, channel=READY, token=None, timed_out=False)[0] == "failed"


def test_limits_must_be_positive():
    with pytest.raises(SandboxError, match="timeout_s"):
        Limits(timeout_s=0)
    with pytest.raises(SandboxError, match="processes"):
        Limits(processes=-1)
    assert Limits(timeout_s=2.2).cpu_seconds() == 4  # one second past the wall clock, so the wall clock decides
    assert Limits(timeout_s=2.2, cpu_s=1.5).cpu_seconds() == 2


PYTEST_FILES = {
    "mod.py": "def add(a, b):\n    return a + b\n",
    "test_mod.py": "from mod import add\n\ndef test_add():\n    assert add(2, 3) == 5\n",
}


def test_run_command_runs_pytest_against_a_module_and_hands_back_files():
    argv = ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_mod.py"]
    ok = run_command(argv, files=PYTEST_FILES, timeout_s=60, limits=Limits(timeout_s=60, processes=64))
    assert ok.passed and "1 passed" in ok.stdout, ok.stdout + ok.stderr
    bad = run_command(argv, files={**PYTEST_FILES, "mod.py": "def add(a, b):\n    return a - b\n"},
                      limits=Limits(timeout_s=60, processes=64))
    assert bad.status == "failed" and "1 failed" in bad.stdout
    script = ("import os\nopen('out.txt', 'w').write('result')\nos.symlink('/etc/hostname', 'leak.txt')\n"
              "os.makedirs('sub', exist_ok=True)\nopen('sub/deep.txt', 'w').write('deep')\n")
    r = run_command(["python", "-c", script], collect=["out.txt", "leak.txt", "sub/deep.txt", "../x", "none"],
                    limits=SMALL)
    assert r.passed and r.files == {"out.txt": b"result", "sub/deep.txt": b"deep"}  # no symlink followed


def test_run_command_other_executables_need_a_network_namespace():
    with pytest.raises(SandboxError, match="only `python"):
        run_command(["sh", "-c", "echo hi"], isolation=FALLBACK)
    with pytest.raises(SandboxError):
        run_command([])
    if host_caps().unshare:
        r = run_command(["sh", "-c", "echo hi; exit 3"], limits=SMALL)
        assert r.status == "failed" and r.returncode == 3 and r.stdout == "hi\n"


def test_run_many_keeps_order_and_runs_at_most_workers_at_once():
    program = "import time\nprint(time.monotonic())\ntime.sleep(0.6)\nprint(time.monotonic())\n"
    results = run_many([Job(program + f"print({i})\n") for i in range(4)], workers=2, limits=SMALL)
    assert [r.stdout.split()[-1] for r in results] == ["0", "1", "2", "3"]
    spans = [tuple(float(v) for v in r.stdout.split()[:2]) for r in results]
    most = max(sum(1 for s, e in spans if s <= t < e) for t, _ in spans)
    assert most == 2  # the sleeps overlapped, two at a time and never more


def test_cli_prints_one_json_line_and_exits_0_whatever_the_verdict(tmp_path, capsys):
    (tmp_path / "p.py").write_text(DOUBLE)
    (tmp_path / "wrong.py").write_text("def f(x):\n    return 0\n")
    (tmp_path / "t.py").write_text(CHECK)
    for program, passed in (("p.py", True), ("wrong.py", False)):
        code = cli_main(["sandbox", str(tmp_path / program), "--test", str(tmp_path / "t.py"), "--entry-point", "f",
                         "--timeout", "5"])
        out = capsys.readouterr().out
        assert code == 0 and out.count("\n") == 1
        result = json.loads(out)
        assert result["passed"] is passed and result["status"] == ("passed" if passed else "failed")
        assert isinstance(result["seconds"], float) and "network" in result["isolation"]


def test_cli_bad_input_is_a_one_line_error_naming_the_file(tmp_path, capsys):
    (tmp_path / "p.py").write_text(DOUBLE)
    missing = tmp_path / "nope.py"
    assert cli_main(["sandbox", str(missing), "--test", str(tmp_path / "p.py")]) == 2
    assert cli_main(["sandbox", str(tmp_path / "p.py"), "--test", str(missing)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {missing}: no such file"] * 2
    assert cli_main(["sandbox", str(tmp_path / "p.py"), "--timeout", "0"]) == 2


def test_child_is_self_contained():
    """_child.py runs as `python -I` with the repository not importable: it and what it loads use the stdlib."""
    for name in ("_child.py", "_harness.py", "_guard.py"):
        source = (CHILD.parent / name).read_text()
        assert "import cookbook" not in source and "from cookbook" not in source, name
    assert Path(CHILD).name == "_child.py"


def test_a_parent_sys_path_entry_under_a_private_temp_dir_does_not_break_runs(tmp_path, monkeypatch):
    # pytest's tmp_path lies under a 0700 folder in /tmp; the child mounts its own /tmp before it bridges the
    # hidden ancestors of Python's folders, so such an entry once made every run fail with FileNotFoundError.
    entry = tmp_path / "on_sys_path"
    entry.mkdir()
    monkeypatch.syspath_prepend(str(entry))
    r = run_program("def f(x):\n    return x * 2\n", "assert f(3) == 6\n", timeout_s=20)
    assert (r.passed, r.status) == (True, "passed"), r.reason
