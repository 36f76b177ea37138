"""The clinical domain's data: synthetic admissions (generator.py) serialised as records (record.py) with
reference discharge summaries (summary.py), and preference pairs (preferences.py).

`python -m domains.clinical.data build [--seed N] [--train N] [--test N] [--force]` writes them into the cache
(cookbook.paths.cache_dir()), once per seed, sizes and generator code; `load_examples` / `load_preferences` build
the data if needed and read it back, validating every row (`file:line: field: problem`, exit 2).

Files a user may supply instead (`data.train_file` / `data.test_file`), JSONL:
  records      {id, group, record, summary}          group = the primary diagnosis's category (conditions.py)
  preferences  {id, prompt, chosen, rejected, kind}  prompt = a record, kind = omission|invented|leak|verbose
A record must parse (record.py's layout and vocabularies). A preference file serves both stages: SFT trains on
its (prompt, chosen), one per record; DPO on its pairs."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from cookbook.config import DataConfig
from cookbook.data import load_jsonl_lines
from cookbook.errors import CookbookError, DataError
from cookbook.paths import cache_dir, cached_build, repo_root
from cookbook.tasks.text.examples import TextExample
from domains.clinical.build import SPLIT_SIZES, build_into, folder_name, pairs_file, write_pairs
from domains.clinical.conditions import CATEGORIES
from domains.clinical.preferences import KINDS, PreferenceConfig
from domains.clinical.record import RecordError, parse

SCHEMA = {"id": str, "group": str, "record": str, "summary": str}
PAIR_SCHEMA = {"id": str, "prompt": str, "chosen": str, "rejected": str, "kind": str}
SPLITS = ("train", "test")


def build_dataset(seed: int = 0, force: bool = False, sizes: dict[str, int] | None = None,
                  pref: PreferenceConfig | None = None) -> Path:
    """The data folder for `seed` (and split sizes), built now if the cache lacks it; the pairs of `pref` are
    added to it if missing."""
    sizes, pref = sizes or SPLIT_SIZES, pref or PreferenceConfig()
    name = folder_name(seed, sizes)
    if force:
        shutil.rmtree(cache_dir() / name, ignore_errors=True)
    folder = cached_build(name, lambda work: build_into(work, seed, sizes, pref), marker="manifest.json")
    if not all((folder / pairs_file(split, pref)).is_file() for split in sizes):
        write_pairs(folder, seed, sizes, pref)
    return folder


def check_example(row: dict):
    """(field, problem) for a records row that breaks the domain's rules, else None."""
    if row["group"] not in CATEGORIES:
        return "group", f"'{row['group']}' is not one of {', '.join(CATEGORIES)}"
    try:
        adm = parse(row["record"])
    except RecordError as exc:
        return "record", str(exc)
    if adm.category != row["group"]:
        return "group", (f"'{row['group']}' but the record's primary diagnosis {adm.primary} is "
                         f"{adm.category}")
    return None


def check_pair(row: dict):
    if row["kind"] not in KINDS:
        return "kind", f"'{row['kind']}' is not one of {', '.join(KINDS)}"
    try:
        parse(row["prompt"])
    except RecordError as exc:
        return "prompt", str(exc)
    if row["chosen"].strip() == row["rejected"].strip():
        return "rejected", "the same text as chosen"
    return None


def resolve_path(path: str) -> Path:
    """As given when it exists (or is absolute), else relative to the repository."""
    p = Path(path)
    if p.exists() or p.is_absolute():
        return p
    in_repo = repo_root() / p
    return in_repo if in_repo.exists() else p


def is_pair_file(path: Path) -> bool:
    """Whether the file's first row is a preference row (the loader then reports any row that is not)."""
    try:
        with open(path, encoding="utf-8") as fh:
            first = next((line for line in fh if line.strip()), "")
        return isinstance(row := json.loads(first), dict) and "chosen" in row
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False


def load_rows(path: Path, pairs: bool = False) -> list[tuple[int, dict]]:
    """Validated (line, row) pairs of a records or preferences file; a repeated id is an error too."""
    rows = load_jsonl_lines(path, PAIR_SCHEMA if pairs else SCHEMA, check=check_pair if pairs else check_example)
    seen: dict[str, int] = {}
    for line, row in rows:
        if row["id"] in seen:
            raise DataError(f"{path}:{line}: id: '{row['id']}' repeats line {seen[row['id']]}")
        seen[row["id"]] = line
    return rows


def _split_file(cfg: DataConfig, split: str) -> str:
    if split not in SPLITS:
        raise CookbookError(f"unknown split '{split}' for the clinical domain; choose from {', '.join(SPLITS)}")
    return cfg.train_file if split == "train" else cfg.test_file


def load_examples(cfg: DataConfig, split: str) -> list[TextExample]:
    """TextExample rows of `split`: prompt = the record, reference = its summary, group = the primary
    diagnosis's category. From `data.train_file` / `data.test_file` when set (records or preferences), else the
    built data for `data.corpus_seed`."""
    own = _split_file(cfg, split)
    path = resolve_path(own) if own else build_dataset(cfg.corpus_seed) / f"{split}.jsonl"
    if own and is_pair_file(path):
        out, seen = [], set()
        for line, r in load_rows(path, pairs=True):
            if r["prompt"] not in seen:  # several pairs share a record: train on its chosen summary once
                seen.add(r["prompt"])
                out.append(TextExample(id=r["id"], prompt=r["prompt"], reference=r["chosen"],
                                       group=parse(r["prompt"]).category, source=f"{path}:{line}",
                                       fields=("prompt", "chosen")))
        return out
    return [TextExample(id=r["id"], prompt=r["record"], reference=r["summary"], group=r["group"],
                        source=f"{path}:{line}", fields=("record", "summary"))
            for line, r in load_rows(path)]


def load_preferences(cfg: DataConfig, split: str, pref: PreferenceConfig | None = None) -> list[dict]:
    """Rows {id, prompt, chosen, rejected, kind, source} of `split`: the user's preference file when
    `data.train_file` / `data.test_file` is set, else the built pairs of `pref` (PreferenceConfig())."""
    own = _split_file(cfg, split)
    if own:
        path = resolve_path(own)
        if path.is_file() and not is_pair_file(path):
            raise DataError(f"{path}:1: chosen: missing (a preference file's rows are {{id, prompt, chosen, "
                            "rejected, kind}}; this looks like a records file)")
    else:
        pref = pref or PreferenceConfig()
        path = build_dataset(cfg.corpus_seed, pref=pref) / pairs_file(split, pref)
    return [{**{k: r[k] for k in PAIR_SCHEMA}, "source": f"{path}:{line}"} for line, r in load_rows(path, pairs=True)]


# The offline text models' folders in the cache (cookbook.models builds them); their tokenizers measure the data.
TOKENIZER_FOLDERS = ("gemma-3-270m-fp32-v2", "qwen2.5-coder-0.5b-instruct-fp32-v1")


def token_stats(folder: Path, tokenizer_json: Path) -> dict:
    """Token counts of the built records and summaries under one model's tokenizer (its tokenizer.json, read by
    the `tokenizers` library: no model loads)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_json))
    out = {}
    for split in SPLITS:
        rows = [r for _, r in load_jsonl_lines(folder / f"{split}.jsonl", SCHEMA)]
        for field in ("record", "summary"):
            counts = sorted(len(e.ids) for e in tok.encode_batch([r[field] for r in rows], add_special_tokens=False))
            out[f"{split}.{field}"] = {"mean": round(sum(counts) / len(counts), 1),
                                       "median": counts[len(counts) // 2],
                                       "p95": counts[int(0.95 * (len(counts) - 1))], "max": counts[-1]}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m domains.clinical.data", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build the data into the cache (reused when present)")
    build.add_argument("--seed", type=int, default=0)
    build.add_argument("--train", type=int, default=SPLIT_SIZES["train"], help="admissions in the train split")
    build.add_argument("--test", type=int, default=SPLIT_SIZES["test"], help="admissions in the test split")
    build.add_argument("--force", action="store_true", help="rebuild even if the cache has it")
    check = sub.add_parser("check", help="validate a records or preferences JSONL file")
    check.add_argument("file", type=Path)
    tokens = sub.add_parser("tokens", help="token counts of the built data under the cached models' tokenizers")
    tokens.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        if args.command == "tokens":
            folder = build_dataset(args.seed)
            found = [cache_dir() / f for f in TOKENIZER_FOLDERS if (cache_dir() / f / "tokenizer.json").is_file()]
            if not found:
                raise CookbookError(f"no model tokenizer in {cache_dir()} (`make ls` builds the models)")
            for model in found:
                print(json.dumps({"model": model.name, **token_stats(folder, model / "tokenizer.json")}))
            return 0
        if args.command == "check":
            rows = load_rows(args.file, pairs=is_pair_file(args.file))
            print(f"{args.file}: {len(rows)} rows OK")
            return 0
        start = time.monotonic()
        folder = build_dataset(args.seed, force=args.force, sizes={"train": args.train, "test": args.test})
        for f in sorted(folder.glob("*.jsonl")):
            print(f"{f}: {len(load_rows(f, pairs='_pairs' in f.name))} rows, {f.stat().st_size:,} bytes")
        print(f"manifest: {folder / 'manifest.json'} ({time.monotonic() - start:.1f} s with validation)")
        return 0
    except CookbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
