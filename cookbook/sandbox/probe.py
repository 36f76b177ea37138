"""What this host lets the sandbox use, found by trying it once per process (each probe costs a few ms)."""

from __future__ import annotations

import functools
import os
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass

from cookbook.sandbox import cgroup

# pid + network + mount (+ ipc, uts) namespaces. --fork: the sandboxed process is pid 1 of its namespace, and
# when it dies the kernel kills everything left in there, daemons that setsid() away included. --kill-child:
# if unshare itself is killed, so is that pid 1. --mount-proc: /proc shows only the namespace's processes.
NAMESPACE_FLAGS = ("--pid", "--fork", "--kill-child", "--mount-proc", "--net", "--ipc", "--uts")
# Without root, a user namespace can stand in (where the kernel allows unprivileged ones): the process is
# "root" in there, which is enough to make the other namespaces and mount a private /tmp.
USERNS_FLAGS = ("--user", "--map-root-user")
PROBE_UID = 1_900_000_999  # the last uid of uids.py's range: only ever used here, for a moment


@dataclass(frozen=True)
class HostCaps:
    root: bool
    unshare: tuple[str, ...] | None  # argv prefix that made the namespaces, or None
    userns: bool  # that prefix makes a user namespace (no root here): no private uid, no cgroups
    uid_drop: bool  # Python still starts after dropping to an unused uid (its files are world-readable)
    controllers: tuple[str, ...]  # cgroup controllers we may make child groups of ours in ("pids", "memory")
    tmpfs: bool  # we may mount a tmpfs (root)


def _works(argv: list[str], **kwargs) -> bool:
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=20,
                              **kwargs).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _unshare_prefix(root: bool) -> tuple[tuple[str, ...] | None, bool]:
    exe = shutil.which("unshare")
    if exe is None:
        return None, False
    for extra in ([()] if root else []) + [USERNS_FLAGS]:
        prefix = (exe, *extra, *NAMESPACE_FLAGS, "--")
        # Also check the network really is empty in there (loopback only): a namespace that still had the
        # host's interfaces would be reported as "netns" for nothing.
        check = "import socket; raise SystemExit([n for _, n in socket.if_nameindex()] != ['lo'])"
        if _works([*prefix, sys.executable, "-I", "-c", check]):
            return prefix, bool(extra)
    return None, False


def _tmpfs_works() -> bool:
    from cookbook.sandbox import workdir

    probe = workdir.mount_base() / "probe-tmpfs"
    try:
        probe.mkdir(parents=True, exist_ok=True)
        if not workdir.mount_tmpfs(probe, size_mb=1, uid=0):
            return False
        workdir.unmount(probe)
        return True
    except OSError:
        return False
    finally:
        try:
            probe.rmdir()
        except OSError:
            pass


def hidden_ancestors(paths) -> list[tuple[str, list[str]]]:
    """For each of `paths`, the nearest ancestor another uid cannot pass through (no o+x, e.g. a 0700 /root
    holding ~/.pyenv) and its child on the way there. Inside its mount namespace the sandbox covers such an
    ancestor with an empty tmpfs and binds back only those children: the run's uid reaches Python, and nothing
    else of that directory. (Only the first such level is bridged.)"""
    found: dict[str, set[str]] = {}
    for p in paths:
        parts = os.path.realpath(p).strip("/").split("/")
        current = ""
        for i, part in enumerate(parts[:-1]):
            current += "/" + part
            try:
                mode = os.stat(current).st_mode
            except OSError:
                break
            if not mode & stat.S_IXOTH:
                found.setdefault(current, set()).add(parts[i + 1])
                break
    return sorted((d, sorted(children)) for d, children in found.items())


@functools.cache
def host_caps() -> HostCaps:
    root = os.geteuid() == 0
    prefix, userns = _unshare_prefix(root)
    drop = root and _works([sys.executable, "-I", "-c", "import json, encodings.idna, runpy"],
                           user=PROBE_UID, group=PROBE_UID, extra_groups=[], cwd="/")
    return HostCaps(root=root, unshare=prefix, userns=userns, uid_drop=drop,
                    controllers=cgroup.usable_controllers() if root else (), tmpfs=root and _tmpfs_works())
