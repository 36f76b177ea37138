"""Where the cookbook keeps converted models and other caches."""

import os
from pathlib import Path

CACHE_ENV = "COOKBOOK_CACHE_DIR"


def cache_dir() -> Path:
    """`$COOKBOOK_CACHE_DIR`, else `~/.cache/domain-cookbook`. Created on first use."""
    root = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "domain-cookbook")
    root.mkdir(parents=True, exist_ok=True)
    return root


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
