"""Validated JSONL loading. Every problem is reported as `file:line: field: problem` before any training."""

from __future__ import annotations

import json
from pathlib import Path

from cookbook.errors import DataError


def load_jsonl(path: str | Path, schema: dict[str, type], check=None) -> list[dict]:
    """Read `path`, checking each row has every field in `schema`, of that type, and non-empty.

    `check(row)` may return `(field, problem)` for domain rules (e.g. an unknown label)."""
    return [row for _, row in load_jsonl_lines(path, schema, check)]


def load_jsonl_lines(path: str | Path, schema: dict[str, type], check=None) -> list[tuple[int, dict]]:
    """load_jsonl with each row's line number, `(line, row)`, so later checks (e.g. a row too long to train on)
    can still say `file:line`. The rows stay exactly as in the file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}:0: -: file not found")
    rows = []
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataError(f"{path}:{lineno}: -: not valid UTF-8 (byte {raw[exc.start]:#04x} at column "
                                f"{exc.start + 1})") from None
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{lineno}: -: invalid JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(row, dict):
                raise DataError(f"{path}:{lineno}: -: expected a JSON object, got {type(row).__name__}")
            for field, tp in schema.items():
                if field not in row:
                    raise DataError(f"{path}:{lineno}: {field}: missing")
                value = row[field]
                if not isinstance(value, tp) or isinstance(value, bool) and tp is not bool:
                    raise DataError(f"{path}:{lineno}: {field}: expected {tp.__name__}, got "
                                    f"{type(value).__name__}")
                if isinstance(value, str) and not value.strip():
                    raise DataError(f"{path}:{lineno}: {field}: empty")
            problem = check(row) if check else None
            if problem:
                raise DataError(f"{path}:{lineno}: {problem[0]}: {problem[1]}")
            rows.append((lineno, row))
    if not rows:
        raise DataError(f"{path}:0: -: no rows")
    return rows


def corpus_main(argv: list[str] | None, prog: str, description: str, build, report, limit_help: str) -> int:
    """The command line of a domain's generated corpus: `--seed --limit --out-dir --quiet`, then
    `build(seed, out_dir, limit, progress) -> folder` and `report(folder) -> lines` printed; errors as one line."""
    import argparse
    import sys
    import time

    from cookbook.errors import CookbookError

    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None, help=limit_help)
    parser.add_argument("--out-dir", type=Path, default=None, help="default: the cache directory")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        corpus = build(args.seed, args.out_dir, args.limit, progress=not args.quiet)
        lines = report(corpus)
    except CookbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(corpus, *lines, f"ready in {time.perf_counter() - start:.1f} s", sep="\n")
    return 0
