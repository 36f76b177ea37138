"""Entry point of the sandboxed process: `python -I _child.py`, with the run's spec as JSON on stdin.

Stdlib only: the repository is not importable in here, on purpose. _harness.py and _guard.py are executed into
namespaces of their own, with a private copy of the builtins taken before any untrusted code runs, and are kept
out of sys.modules: what the program later patches (builtins, os, sys.modules['__main__']) never reaches the
harness. This module's own globals hold nothing worth reaching.
"""

import builtins
import os


def _load(name: str, private_builtins: dict) -> dict:
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    with open(path, encoding="utf-8") as f:
        source = f.read()
    ns = {"__name__": "sandbox" + name[:-3], "__file__": path, "__builtins__": private_builtins}
    exec(compile(source, path, "exec"), ns)
    return ns


def _boot():
    private = dict(vars(builtins))
    _load("_harness.py", private)["main"](_load("_guard.py", private))


if __name__ == "__main__":
    _boot()
