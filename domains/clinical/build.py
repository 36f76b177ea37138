"""Building the clinical data into the cache: generate each split's admissions, write the records with their
reference summaries (train.jsonl, test.jsonl), the preference pairs of a PreferenceConfig
(train_pairs-<mix>.jsonl, ...) and manifest.json (counts, sizes, the code list used, seconds taken). Same seed,
sizes and code: byte-identical JSONL files. The folder's name holds a hash of the modules that generate the
data, so changing the generator builds anew instead of reading stale rows."""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import time
from collections import Counter
from pathlib import Path

from domains.clinical import icd
from domains.clinical.generator import generate_split
from domains.clinical.preferences import PreferenceConfig, deal_kinds, pairs
from domains.clinical.record import render
from domains.clinical.summary import build

DATA_VERSION = "v1"
SPLIT_SIZES = {"train": 2000, "test": 200}
GENERATOR_MODULES = ("vocab_drugs", "vocab_labs", "vocab_clinical", "conditions", "people", "facts", "generator",
                     "record", "summary", "preferences", "build")


def code_hash() -> str:
    here = Path(__file__).parent
    text = "".join((here / f"{name}.py").read_text(encoding="utf-8") for name in GENERATOR_MODULES)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def folder_name(seed: int, sizes: dict[str, int]) -> str:
    return f"clinical-data-{DATA_VERSION}-seed{seed}-{sizes['train']}-{sizes['test']}-{code_hash()}"


def mix_tag(pref: PreferenceConfig) -> str:
    return "pairs-" + hashlib.sha256(pref.fingerprint().encode()).hexdigest()[:8]


def pairs_file(split: str, pref: PreferenceConfig) -> str:
    return f"{split}_{mix_tag(pref)}.jsonl"


def write_jsonl(path: Path, rows: list[dict]) -> None:
    """Written to a scratch name and renamed, so a reader never sees half a file."""
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    tmp.replace(path)


def example_rows(seed: int, split: str, n: int) -> list[dict]:
    return [{"id": a.id, "group": a.category, "record": render(a), "summary": build(a).text()}
            for a in generate_split(seed, split, n)]


def pair_rows(seed: int, split: str, n: int, pref: PreferenceConfig) -> list[dict]:
    admissions = generate_split(seed, split, n)
    kinds = deal_kinds(pref, len(admissions), split)
    return [row for adm, ks in zip(admissions, kinds, strict=True) for row in pairs(adm, render(adm), ks, pref)]


def write_pairs(folder: Path, seed: int, sizes: dict[str, int], pref: PreferenceConfig) -> dict:
    """The preference files of `pref` into `folder` (kept beside the records: a new mix adds files, it does not
    rebuild the records); their counts by kind."""
    counts = {}
    for split, n in sizes.items():
        rows = pair_rows(seed, split, n, pref)
        write_jsonl(folder / pairs_file(split, pref), rows)
        counts[split] = dict(Counter(r["kind"] for r in rows))
    return counts


def _stats(texts: list[str]) -> dict:
    chars = [len(t) for t in texts]
    return {"chars_mean": round(statistics.mean(chars), 1), "chars_max": max(chars),
            "tokens_est_mean": round(statistics.mean(chars) / 4, 1), "tokens_est_max": max(chars) // 4}


def build_into(work: Path, seed: int, sizes: dict[str, int], pref: PreferenceConfig) -> dict:
    """Write every file of the data into `work`; the manifest."""
    start, cpu = time.monotonic(), time.process_time()
    work.mkdir(parents=True, exist_ok=True)
    manifest: dict = {"version": DATA_VERSION, "seed": seed, "code": code_hash(), "icd10cm": icd.release(),
                      "token_estimate": "characters / 4 (no tokenizer ships offline here)", "splits": {}}
    for split, n in sizes.items():
        rows = example_rows(seed, split, n)
        write_jsonl(work / f"{split}.jsonl", rows)
        manifest["splits"][split] = {
            "rows": len(rows), "bytes": (work / f"{split}.jsonl").stat().st_size,
            "groups": dict(sorted(Counter(r["group"] for r in rows).items())),
            "record": _stats([r["record"] for r in rows]), "summary": _stats([r["summary"] for r in rows])}
    manifest["pairs"] = {mix_tag(pref): {"config": pref.fingerprint(), "kinds": write_pairs(work, seed, sizes, pref)}}
    # CPU time beside wall time: on a shared machine under `nice` the wall clock measures the neighbours
    manifest["seconds"] = {"wall": round(time.monotonic() - start, 2), "cpu": round(time.process_time() - cpu, 2)}
    (work / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return manifest
