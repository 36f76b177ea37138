"""Where the cookbook keeps converted models and other caches."""

import os
import shutil
from collections.abc import Callable
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
                 resumable: bool = False) -> Path:
    """`cache_dir()/folder`, built once. `fill` writes into a scratch folder that is renamed into place only when
    it returns, so an interrupted build is never taken for a finished one. An interrupted build is redone from
    scratch, unless `resumable`: then the scratch folder is kept and `fill` gets it back with whatever checkpoints
    it left there (a long pretraining resumes where it stopped)."""
    target = cache_dir() / folder
    if (target / marker).is_file():
        return target
    work = target.parent / (target.name + ".tmp")
    if not resumable:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    fill(work)
    shutil.rmtree(target, ignore_errors=True)
    work.rename(target)
    return target
