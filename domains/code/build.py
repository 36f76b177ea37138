"""Building the code domain's data: mine both kinds of pairs, drop duplicates, decontaminate against the
benchmarks, keep only mined unit tests that pass on their own, split by source file with a seed, and write
train.jsonl, test.jsonl and manifest.json. The same seed and the same installed sources give byte-identical
files."""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from domains.code import decontam
from domains.code.mining import CodePair, body_key, dedupe, mine_codegen_file, normalised_hash
from domains.code.sources import SourceTree
from domains.code.testmining import ModuleIndex, cap_per_focal, mine_test_file
from domains.code.verify import passing_tests, pytest_available

DATA_VERSION = "v1"
CODEGEN_HELDOUT = 200
UNITTEST_HELDOUT = 80
SPLITS = ("train", "test")
MINING_MODULES = ("sources", "mining", "testmining", "testrewrite", "decontam", "verify", "build")


@dataclass
class BuildInputs:
    codegen_trees: list[SourceTree]  # mined for code-generation pairs
    test_trees: list[SourceTree]  # test modules mined for unit-test pairs
    focal_trees: list[SourceTree]  # readable (non-test) source that focal functions resolve into
    benchmarks: dict[str, list[str]]  # benchmark name -> texts that training rows must not overlap
    skipped: dict[str, str] = field(default_factory=dict)  # package -> why it was not mined
    verify_tests: bool = True  # run each mined unit test and keep the passing ones
    codegen_heldout: int = CODEGEN_HELDOUT
    unittest_heldout: int = UNITTEST_HELDOUT


def tree_summary(trees: list[SourceTree]) -> list[dict]:
    return [{"package": t.name, "version": t.version, "licence": t.licence, "files": len(t.files)} for t in trees]


def code_hash() -> str:
    """Hash of the modules that mine, filter and split: changing a filter changes the cache folder."""
    here = Path(__file__).parent
    text = "".join((here / f"{name}.py").read_text(encoding="utf-8") for name in MINING_MODULES)
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(inputs: BuildInputs) -> str:
    """Short hash of what the data depends on besides the seed: the interpreter, the trees, the benchmarks, the
    settings and the mining code itself."""
    data = {"version": DATA_VERSION, "code": code_hash(), "python": sys.version,
            "codegen": tree_summary(inputs.codegen_trees),
            "tests": tree_summary(inputs.test_trees), "focal": tree_summary(inputs.focal_trees),
            "benchmarks": {k: hashlib.sha256("\n".join(v).encode()).hexdigest() for k, v in inputs.benchmarks.items()},
            "verify": inputs.verify_tests, "heldout": [inputs.codegen_heldout, inputs.unittest_heldout]}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:10]


def mine_codegen(trees: list[SourceTree], rejected: Counter) -> list[CodePair]:
    pairs = []
    for tree in trees:
        for path in tree.files:
            text = path.read_text(encoding="utf-8", errors="replace")
            pairs += mine_codegen_file(text, tree.name, tree.licence, tree.relative(path), rejected)
    return pairs


def mine_unittests(test_trees: list[SourceTree], focal_trees: list[SourceTree], rejected: Counter) -> list[CodePair]:
    index = ModuleIndex(focal_trees)
    return [pair for tree in test_trees for path in tree.files for pair in mine_test_file(tree, path, index, rejected)]


def focal_of(pair: CodePair) -> str:
    return pair.name.split(" <- ")[0]


def split_key(pair: CodePair) -> str:
    """Pairs with the same key go to the same split: the source file of a function, the module of a focal
    function (all its tests together)."""
    if pair.kind == "codegen":
        return f"{pair.package}:{pair.path}"
    return focal_of(pair).rsplit(".", 1)[0]


def split_by_source(pairs: list[CodePair], heldout: int, seed: int, kind: str) -> tuple[list[CodePair], list[CodePair]]:
    """(train, held-out), stratified by package: each package gives the held-out split its share of `heldout`
    (rounded), as whole source groups taken in a seeded order; a group that would overshoot the share by more
    than 10% (and at least one pair) goes to train."""
    by_package: dict[str, dict[str, list[CodePair]]] = defaultdict(lambda: defaultdict(list))
    for pair in pairs:
        by_package[pair.package][split_key(pair)].append(pair)
    train, held = [], []
    for package in sorted(by_package):
        groups = by_package[package]
        share = round(heldout * sum(map(len, groups.values())) / max(len(pairs), 1))
        keys = sorted(groups)
        random.Random(f"{DATA_VERSION}:{seed}:{kind}:{package}").shuffle(keys)
        taken = 0
        for key in keys:
            group = groups[key]
            if taken < share and taken + len(group) <= max(share * 1.1, share + 1):
                held.extend(group)
                taken += len(group)
            else:
                train.extend(group)
    return train, held


def drop_near_heldout(train: list[CodePair], held: list[CodePair]) -> tuple[list[CodePair], dict]:
    """Train pairs that overlap the held-out pairs at or over decontam.DROP_OVERLAP are dropped."""
    index = decontam.build_index([p.prompt + "\n" + p.completion for p in held])
    kept, stats = decontam.decontaminate(train, {"heldout": index})
    return kept, stats["heldout"].as_dict()


def keep_passing(pairs: list[CodePair], focal_trees: list[SourceTree]) -> tuple[list[CodePair], int]:
    roots = sorted({t.module_root for t in focal_trees})
    ok = passing_tests([p.completion for p in pairs], roots)
    return [p for p, good in zip(pairs, ok, strict=True) if good], ok.count(False)


def row_id(pair: CodePair, used: set[str]) -> str:
    base = f"{pair.kind}-{pair.package}-{hashlib.sha256((pair.origin + pair.name).encode()).hexdigest()[:10]}"
    rid, n = base, 1
    while rid in used:
        n += 1
        rid = f"{base}-{n}"
    used.add(rid)
    return rid


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def counts_by(pairs: list[CodePair], attr: str) -> dict[str, int]:
    return dict(sorted(Counter(getattr(p, attr) for p in pairs).items()))


def build_into(out_dir: Path, seed: int, inputs: BuildInputs) -> dict:
    """Mine, filter, split and write train.jsonl / test.jsonl / manifest.json into `out_dir`; the manifest."""
    indexes = {name: decontam.build_index(texts) for name, texts in inputs.benchmarks.items()}
    report: dict = {}
    splits: dict[str, list[CodePair]] = {"train": [], "test": []}
    stages: dict[str, dict] = {}
    for kind in ("codegen", "unittest"):
        rejected: Counter = Counter()
        if kind == "codegen":
            mined = mine_codegen(inputs.codegen_trees, rejected)
            pairs, duplicates = dedupe(mined, body_key)
            capped, heldout = 0, inputs.codegen_heldout
        else:
            mined = mine_unittests(inputs.test_trees, inputs.focal_trees, rejected)
            pairs, duplicates = dedupe(mined, lambda p: focal_of(p) + normalised_hash(p.completion))
            pairs, capped = cap_per_focal(pairs)
            heldout = inputs.unittest_heldout
        stage = {"candidates_rejected": dict(sorted(rejected.items())), "mined": len(mined),
                 "duplicates_dropped": duplicates, "over_per_focal_cap": capped}
        if kind == "unittest" and inputs.verify_tests and pytest_available():
            pairs, failing = keep_passing(pairs, inputs.focal_trees)
            stage["failing_tests_dropped"] = failing
        train, held = split_by_source(pairs, heldout, seed, kind)
        report[kind] = {}
        for split, rows in (("train", train), ("test", held)):
            kept, overlap_stats = decontam.decontaminate(rows, indexes)
            report[kind][split] = {name: s.as_dict() for name, s in overlap_stats.items()}
            train, held = (kept, held) if split == "train" else (train, kept)
        train, near = drop_near_heldout(train, held)
        report[kind]["train"]["heldout"] = near
        stage.update(train=len(train), test=len(held))
        stages[kind] = stage
        splits["train"] += train
        splits["test"] += held
    out_dir.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    for split, pairs in splits.items():
        rows = [p.row(row_id(p, used)) for p in pairs]
        random.Random(f"{DATA_VERSION}:{seed}:order:{split}").shuffle(rows)
        write_jsonl(out_dir / f"{split}.jsonl", rows)
    manifest = {
        "data_version": DATA_VERSION, "seed": seed, "fingerprint": fingerprint(inputs),
        "python": sys.version.split()[0],
        "ngram": decontam.NGRAM, "drop_overlap": decontam.DROP_OVERLAP,
        "tests_verified": inputs.verify_tests and pytest_available(),
        "counts": {split: {"total": len(pairs), "by_kind": counts_by(pairs, "kind"),
                           "by_package": {kind: counts_by([p for p in pairs if p.kind == kind], "package")
                                          for kind in ("codegen", "unittest")}}
                   for split, pairs in splits.items()},
        "stages": stages,
        "decontamination": report,
        "sources": {"codegen": tree_summary(inputs.codegen_trees), "unittest_tests": tree_summary(inputs.test_trees),
                    "unittest_focal": tree_summary(inputs.focal_trees), "skipped": inputs.skipped},
        "licences": dict(sorted({t.name: t.licence for t in inputs.codegen_trees + inputs.test_trees
                                 + inputs.focal_trees}.items())),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest
