"""The hostile corpus (tests/sandbox_hostile/corpus.py): every program is scored as a failure, and the host is
checked afterwards: canary files outside the sandbox intact, no process of the run left (the /proc scan looks for
the case's marker in command lines and environments), nothing new under the real HOME or in /tmp, /etc or the
repository, no run directory or cgroup left, no connection to the host's loopback, no leaked secret. Run in the
full isolation this host allows and in the fallback (what a host without root or namespaces gets). Then OS-level
containment with the guard's process ban lifted: a fork bomb and a double-forking daemon."""

import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from cookbook.sandbox import Isolation, Job, Limits, host_caps, run_many, run_program
from cookbook.sandbox import run as sandbox_run
from cookbook.sandbox.uids import FIRST_UID, SLOTS
from cookbook.sandbox.workdir import disk_base, mount_base
from tests.conftest import REPO
from tests.sandbox_hostile.corpus import CHECK, CORPUS, FULL_SCAN, fill

MODES = {"full": Isolation(), "fallback": Isolation(namespaces=False, private_uid=False, cgroups=False, tmpfs=False)}
LIMITS = Limits(timeout_s=2, memory_mb=256, processes=16, disk_mb=16, file_size_mb=8, output_bytes=4096)
SECRET = f"cookbook-secret-{os.getpid()}"
HOME = Path(os.path.expanduser("~"))


def processes_with(marker: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        for part in ("cmdline", "environ"):
            try:
                if marker.encode() in Path(f"/proc/{pid}/{part}").read_bytes():
                    found.append(int(pid))
            except OSError:
                pass
    return found


OUR_CHILD = str(Path(sandbox_run.CHILD).resolve())


def _of_another_checkout(pid: str) -> bool:
    """A run started from another copy of the repo (a second worktree testing at the same time) is not ours: its
    worker's command line names that copy's _child.py, and forked children keep it."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return "cookbook/sandbox/_child.py" in cmdline and OUR_CHILD not in cmdline


def sandbox_processes() -> list[int]:
    """Any process of any run of this checkout: the sandbox's environment marker, or a uid of its private range."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        uid = int(status.split("Uid:")[1].split()[0])
        ours = b"COOKBOOK_SANDBOX_RUN=" in environ or FIRST_UID <= uid <= FIRST_UID + SLOTS
        if ours and "State:\tZ" not in status and not _of_another_checkout(pid):
            found.append(int(pid))
    return found


def _in_use(cgroup: Path) -> bool:
    """A cgroup with processes in it is a run in progress (another test process's); a leaked one is empty."""
    try:
        return bool((cgroup / "cgroup.procs").read_text().split())
    except OSError:
        return False


def _live_uids() -> set[int]:
    uids = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            uids.add(int(Path(f"/proc/{pid}/status").read_text().split("Uid:")[1].split()[0]))
        except (OSError, IndexError):
            pass
    return uids


def leftovers() -> list[str]:
    """Run directories and cgroups a run left behind. A directory whose private uid still has a live process is a
    run in progress (another test process's), not a leftover; a leaked one has none."""
    live = _live_uids()
    out = [str(p) for base in (mount_base(), disk_base()) for p in base.iterdir()
           if p.name != "uids" and not (p.stat().st_uid in live and p.stat().st_uid >= FIRST_UID)]
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        for root in Path("/sys/fs/cgroup").glob("*"):
            d = root / line.split(":", 2)[2].lstrip("/")
            if d.is_dir():
                out += [str(p) for p in d.glob("cookbook-sandbox-*") if not _in_use(p)]
    return sorted(set(out))


class Host:
    """What the corpus aims at: a world-writable canary dir in /tmp, a loopback server answering 2*x, and a
    process whose environment holds SECRET."""

    def __init__(self, tag: str):
        self.canary_dir = Path(f"/tmp/cookbook-canary-{tag}-{os.getpid()}")
        self.canary_dir.mkdir(exist_ok=True)
        self.canary = self.canary_dir / "canary.txt"
        self.canary.write_text("intact")
        os.chmod(self.canary_dir, 0o777)  # so that only the sandbox, not permissions, protects them
        os.chmod(self.canary, 0o666)
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()
        self.secret_holder = subprocess.Popen(["sleep", "300"], env={"SECRET": SECRET})
        self.home_before = sorted(p.name for p in HOME.iterdir())

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            x = conn.recv(16)
            conn.sendall(str(2 * int(x or b"0")).encode())
            conn.close()

    def values(self, marker: str) -> dict[str, str]:
        return {"MARKER": marker, "CANARY": str(self.canary), "CANARY_DIR": str(self.canary_dir),
                "REAL_HOME": str(HOME), "REPO": str(REPO), "PORT": str(self.server.getsockname()[1]),
                "SECRET": SECRET, "PARENT_PID": str(os.getpid())}

    def close(self):
        self.server.close()
        self.secret_holder.kill()
        self.secret_holder.wait()
        for p in self.canary_dir.iterdir():
            p.unlink()
        self.canary_dir.rmdir()


@pytest.fixture(scope="module", params=list(MODES))
def corpus_run(request):
    """The whole corpus, run once per isolation mode (in parallel, bounded by cores)."""
    mode = request.param
    host = Host(mode)
    markers = {h.name: f"cookbook-hostile-{mode}-{h.name}-{os.getpid()}" for h in CORPUS}
    jobs = [Job(fill(h.program, host.values(markers[h.name])), h.test, "f") for h in CORPUS]
    start = time.monotonic()
    results = dict(zip([h.name for h in CORPUS], run_many(jobs, limits=LIMITS, isolation=MODES[mode]), strict=True))
    wall = time.monotonic() - start
    yield mode, host, markers, results, wall
    host.close()


@pytest.mark.parametrize("case", CORPUS, ids=[h.name for h in CORPUS])
def test_hostile_program_fails_and_the_host_is_unharmed(corpus_run, case):
    mode, host, markers, results, _ = corpus_run
    r = results[case.name]
    assert not r.passed and r.status in case.expect, (r.status, r.reason, r.stderr[-2000:])
    assert r.survivors == 0
    assert host.canary.read_text() == "intact" and sorted(host.canary_dir.iterdir()) == [host.canary]
    marker = markers[case.name]
    assert processes_with(marker) == []
    assert sorted(p.name for p in HOME.iterdir()) == host.home_before
    for place in (Path("/tmp"), Path("/etc"), REPO, HOME):
        assert not list(place.glob(f"*{marker}*")), place
    assert SECRET not in r.stdout + r.stderr
    assert host.connections == 0
    assert len(r.stdout.encode()) <= LIMITS.output_bytes and len(r.stderr.encode()) <= LIMITS.output_bytes


def test_corpus_leaves_nothing_behind(corpus_run):
    mode, host, _, results, _wall = corpus_run
    # A leak stays; another test process's run in flight comes and goes: count what is still there a moment later.
    first = set(leftovers())
    if first:
        time.sleep(3)
    assert sorted(first & set(leftovers())) == []
    assert sandbox_processes() == []
    assert results["floods_stdout"].truncated
    # How long the corpus takes is a speed question for a benchmark, not this test (it ran 9 s quiet, >60 s under
    # a loaded machine's other jobs).
    if mode == "full" and host_caps().unshare:
        assert results["opens_sockets"].isolation["network"] == "netns"


@pytest.mark.xfail(strict=True, reason="known limit (docs/sandbox.md): code scanning every descriptor number for "
                                       "pipes can splice the token itself; the test shares its process")
def test_known_limit_a_full_descriptor_scan_forges_a_pass():
    r = run_program(FULL_SCAN.program, FULL_SCAN.test, entry_point="f", limits=LIMITS)
    assert not r.passed


def contained_host():
    caps = host_caps()
    if not (caps.root and caps.unshare and "pids" in caps.controllers):
        pytest.skip("OS-level process containment needs root, namespaces and a pids cgroup here")


def test_fork_bomb_is_contained_by_the_os_when_processes_are_allowed():
    contained_host()
    marker = f"cookbook-forkbomb-{os.getpid()}"
    program = f"""
import os, time
def f(x):
    return x * 2
# {marker}
while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.01)
"""
    start = time.monotonic()
    r = run_program(program, CHECK, entry_point="f", allow_processes=True,
                    limits=Limits(timeout_s=2, processes=16, memory_mb=256))
    assert r.status == "timeout" and r.survivors == 0 and r.isolation["processes"] == "pids-cgroup"
    # A hang guard, not a timing target: the run is killed at 2 s; a loaded 2-core machine took seconds more.
    assert time.monotonic() - start < 120
    assert processes_with(marker) == [] and sandbox_processes() == []
    assert subprocess.run(["true"], timeout=10).returncode == 0  # the machine still forks


def test_a_double_forked_daemon_does_not_outlive_the_run():
    contained_host()
    marker = f"cookbook-daemon-{os.getpid()}"
    program = f"""
import os
def f(x):
    return x * 2
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv("/bin/sh", ["sh", "-c", "sleep 600 # {marker}"])
    os._exit(0)
"""
    r = run_program(program, CHECK, entry_point="f", allow_processes=True, limits=LIMITS)
    assert r.passed, r  # a correct f: it passes, and its daemon still dies with the run
    assert r.survivors == 0 and processes_with(marker) == []


def test_a_shell_can_write_only_inside_the_sandbox(tmp_path):
    contained_host()
    target = Path(f"/tmp/cookbook-shell-{os.getpid()}")
    program = f"""
import subprocess
subprocess.run(["sh", "-c", "echo pwned > {target}; echo pwned > {REPO}/pwned-shell; echo pwned > /etc/pwned-shell"])
def f(x):
    return x * 2
"""
    r = run_program(program, CHECK, entry_point="f", allow_processes=True, limits=LIMITS)
    assert r.passed, r
    assert not target.exists() and not (REPO / "pwned-shell").exists() and not Path("/etc/pwned-shell").exists()
