"""The run's fresh working directory: made before, removed after, a size-capped tmpfs where we may mount one.

A tmpfs (root only) makes "fill the disk" fill only the run's own few MB, and its pages count against the run's
memory cgroup. Without root it is a plain directory: RLIMIT_FSIZE caps each file, not their sum.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import stat
import tempfile
from pathlib import Path

MNT_DETACH = 2
_libc = None


def mount_base() -> Path:
    """Where root mounts run directories (and keeps uid locks): /run, not /tmp, since a run gets /tmp replaced by
    a private one; mode 0711, so a run's uid reaches its own directory but lists nobody else's. Only ever holds
    our size-capped tmpfs mounts: /run is often a small tmpfs itself, and a plain directory there could fill it."""
    base = Path("/run/cookbook-sandbox") if os.access("/run", os.W_OK) else disk_base()
    base.mkdir(mode=0o711, exist_ok=True)
    return base


def disk_base() -> Path:
    base = Path(tempfile.gettempdir()) / f"cookbook-sandbox-{os.geteuid()}"
    base.mkdir(mode=0o711, exist_ok=True)
    return base


def _c():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def mount_tmpfs(path: Path, size_mb: int, uid: int) -> bool:
    data = f"size={size_mb}m,nr_inodes=16384,mode=0700,uid={uid},gid={uid}".encode()
    return _c().mount(b"tmpfs", str(path).encode(), b"tmpfs", 2 | 4, data) == 0  # MS_NOSUID | MS_NODEV


def unmount(path: Path) -> None:
    _c().umount2(str(path).encode(), MNT_DETACH)


def make(run_id: str, *, uid: int | None, size_mb: int, tmpfs: bool) -> tuple[Path, bool]:
    """(directory, mounted) with home/ and tmp/ in it, owned by the run's uid."""
    mounted = False
    if tmpfs:
        path = mount_base() / run_id
        path.mkdir(mode=0o700)
        mounted = mount_tmpfs(path, size_mb, uid if uid is not None else os.geteuid())
        if not mounted:
            path.rmdir()
    if not mounted:
        path = disk_base() / run_id
        path.mkdir(mode=0o700)
    for sub in ("home", "tmp"):
        (path / sub).mkdir()
    if uid is not None:
        for p in (path, path / "home", path / "tmp"):
            os.chown(p, uid, uid)
    return path, mounted


def write_files(path: Path, files: dict[str, str | bytes], uid: int | None) -> None:
    for name, content in files.items():
        target = (path / name).resolve()
        if path.resolve() not in target.parents:
            from cookbook.errors import SandboxError

            raise SandboxError(f"sandbox: file name {name!r} leaves the working directory")
        target.parent.mkdir(parents=True, exist_ok=True)
        (target.write_bytes if isinstance(content, bytes) else target.write_text)(content)
        if uid is not None:
            for p in [target, *[q for q in target.parents if path.resolve() in q.parents]]:
                os.chown(p, uid, uid)


def read_files(path: Path, names, cap: int) -> dict[str, bytes]:
    """The named files the run left, each up to `cap` bytes. Never follows a symlink (we may be root, and the
    program could point coverage.json at /etc/shadow); a missing file is simply absent."""
    out: dict[str, bytes] = {}
    real = os.path.realpath(path)
    for name in names:
        target = os.path.join(real, name)
        if os.path.realpath(target) != os.path.normpath(target) or not target.startswith(real + "/"):
            continue
        try:
            fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                out[name] = os.read(fd, cap)
        finally:
            os.close(fd)
    return out


def remove(path: Path, mounted: bool) -> None:
    if mounted:
        unmount(path)

    def make_writable_and_retry(func, p, _exc):  # a program may chmod 000 its own directories
        try:
            os.chmod(os.path.dirname(p), 0o700)
            os.chmod(p, 0o700)
        except OSError:
            pass
        func(p)

    shutil.rmtree(path, onerror=make_writable_and_retry)
