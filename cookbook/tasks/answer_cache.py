"""Generated answers kept on disk with the settings that drew them, shared by the task kinds' evaluations:
generation is the slow part of an eval, so a rerun with the same settings and examples reuses what was stored and an
interrupted eval resumes at the first system (or split) it had not finished."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from cookbook.runs import write_json


def cached_samples(path: Path, key: dict, sample: Callable[[], list]) -> tuple[list, float]:
    """The outputs stored at `path` for exactly `key`, else `sample()` (timed) stored there: (outputs, seconds)."""
    if path.is_file():
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("key") == key:
            print(f"[cookbook] reusing {path}", file=sys.stderr)
            return stored["samples"], stored["seconds"]
    t0 = time.time()
    samples = sample()
    seconds = round(time.time() - t0, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, {"key": key, "seconds": seconds, "samples": samples})
    return samples, seconds
