"""Where the cookbook keeps converted models and other caches."""

import os
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

CACHE_ENV = "COOKBOOK_CACHE_DIR"
REPORTS_ENV = "COOKBOOK_REPORTS_DIR"


def cache_dir() -> Path:
    """`$COOKBOOK_CACHE_DIR`, else `~/.cache/domain-cookbook`. Created on first use."""
    root = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "domain-cookbook")
    root.mkdir(parents=True, exist_ok=True)
    return root


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def reports_dir() -> Path:
    """Where committed results go: `$COOKBOOK_REPORTS_DIR` (tests point it elsewhere), else the repo's reports/."""
    return Path(os.environ.get(REPORTS_ENV) or repo_root() / "reports")


def cached_build(folder: str, fill: Callable[[Path], None], marker: str = "model.safetensors",
                 resume: bool = False) -> Path:
    """`cache_dir()/folder`, built once. `fill` writes into a scratch folder that is renamed into place only when
    it returns, so an interrupted build is redone instead of being taken for a finished one. `resume=True` keeps
    an interrupted build's scratch folder for `fill` to continue from (its own checkpoints), and holds a lock on
    it meanwhile: a second process asking for the same build is refused with the holder's pid, never let in to
    write the same files (without `resume`, a second process waits for the first and takes its result)."""
    target = cache_dir() / folder
    if (target / marker).is_file():
        return target
    work = target.parent / (target.name + ".tmp")
    work.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock(work, refuse=resume):
        if (target / marker).is_file():  # finished by the process that held the lock before us
            return target
        if not resume:
            shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True, exist_ok=True)
        fill(work)
        shutil.rmtree(target, ignore_errors=True)
        work.rename(target)
    return target


@contextmanager
def _build_lock(work: Path, refuse: bool):
    """Holds `<work>.lock` (an flock: the kernel drops it when the holder dies, however it dies). When another
    process holds it: refuse (a long resumable build) or wait for it, saying so (a short one)."""
    import fcntl
    import sys

    from cookbook.errors import CacheBuildInUse

    fd = os.open(work.parent / (work.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            if refuse:
                raise CacheBuildInUse(f"{work.name[:-4]} is being built by another process (pid {holder}); wait "
                                      f"for it to finish, or stop it (its progress is kept in {work})") from None
            print(f"[cookbook] waiting for pid {holder}, which is building {work.name[:-4]}", file=sys.stderr)
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
