"""Loading the clinical data: a small cached build (seeded, byte-identical), TextExample rows and preference rows,
and user files validated row by row with `file:line: field: problem` (DataError, exit code 2)."""

import json

import pytest

from cookbook.config import DataConfig
from cookbook.errors import DataError
from domains.clinical import data
from domains.clinical.build import build_into, pairs_file
from domains.clinical.conditions import CATEGORIES
from domains.clinical.preferences import PreferenceConfig

SIZES = {"train": 24, "test": 8}


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COOKBOOK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(data, "SPLIT_SIZES", SIZES)
    return tmp_path


def write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def test_same_seed_builds_byte_identical_files_and_another_seed_differs(tmp_path):
    pref = PreferenceConfig()
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        build_into(tmp_path / name, seed, SIZES, pref)
    for f in ("train.jsonl", "test.jsonl", pairs_file("train", pref)):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
        assert (tmp_path / "a" / f).read_bytes() != (tmp_path / "c" / f).read_bytes(), f
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["splits"]["train"]["rows"] == 24 and "ICD-10-CM" in manifest["icd10cm"]


def test_load_examples_and_preferences_from_the_build(cache):
    cfg = DataConfig()
    train, test = data.load_examples(cfg, "train"), data.load_examples(cfg, "test")
    assert len(train) == 24 and len(test) == 8 and not {e.id for e in train} & {e.id for e in test}
    e = train[0]
    assert e.prompt.startswith("PATIENT Name:") and e.reference.startswith("Discharge summary")
    assert e.group in CATEGORIES and e.fields == ("record", "summary") and e.source.endswith(":1")
    prefs = data.load_preferences(cfg, "train", PreferenceConfig(omission=1, invented=0, leak=0, verbose=0))
    assert len(prefs) == 24 and {p["kind"] for p in prefs} == {"omission"}
    assert set(prefs[0]) == {"id", "prompt", "chosen", "rejected", "kind", "source"}
    assert {p["prompt"] for p in prefs} == {e.prompt for e in train}


def test_a_preference_file_serves_both_stages(cache, tmp_path):
    built = data.build_dataset(0, sizes=SIZES) / pairs_file("test", PreferenceConfig())
    rows = [json.loads(line) for line in built.read_text().splitlines()]
    doubled = rows + [{**r, "id": r["id"] + "-b"} for r in rows]
    path = write(tmp_path / "prefs.jsonl", doubled)
    cfg = DataConfig(train_file=str(path))
    assert len(data.load_preferences(cfg, "train")) == 16
    examples = data.load_examples(cfg, "train")
    assert len(examples) == 8 and examples[0].fields == ("prompt", "chosen")


def test_malformed_rows_stop_with_file_line_field_problem(cache, tmp_path):
    good = json.loads((data.build_dataset(0, sizes=SIZES) / "test.jsonl").read_text().splitlines()[0])
    lines = good["record"].splitlines()
    bad_drug = "\n".join(lines[:4] + ["D1 23:00 MED START unobtainium 5 mg PO daily"] + lines[4:])
    cases = [
        ({k: v for k, v in good.items() if k != "summary"}, "summary: missing"),
        ({**good, "group": "oncology"}, "group: 'oncology' is not one of"),
        ({**good, "record": bad_drug}, "record: line 5: unknown drug 'unobtainium'"),
        ({**good, "record": good["record"].replace("MRN: ", "MRN ")}, "record: line 1: expected 'PATIENT Name"),
        ("{not json", "-: invalid JSON"),
    ]
    for row, problem in cases:
        path = write(tmp_path / "train.jsonl", [good, row])
        with pytest.raises(DataError) as err:
            data.load_examples(DataConfig(train_file=str(path)), "train")
        assert str(err.value).startswith(f"{path}:2: {problem}"), str(err.value)
        assert err.value.exit_code == 2
    path = write(tmp_path / "train.jsonl", [good, good])
    with pytest.raises(DataError, match=r":2: id: '.*' repeats line 1"):
        data.load_examples(DataConfig(train_file=str(path)), "train")


def test_a_bad_preference_row_and_a_records_file_given_as_preferences(cache, tmp_path):
    built = data.build_dataset(0, sizes=SIZES)
    pair = json.loads((built / pairs_file("test", PreferenceConfig())).read_text().splitlines()[0])
    path = write(tmp_path / "p.jsonl", [pair, {**pair, "id": "x", "kind": "rude"}])
    with pytest.raises(DataError, match=rf"^{path}:2: kind: 'rude' is not one of omission"):
        data.load_preferences(DataConfig(train_file=str(path)), "train")
    records = built / "test.jsonl"
    with pytest.raises(DataError, match=rf"^{records}:1: chosen: missing"):
        data.load_preferences(DataConfig(test_file=str(records)), "test")


def test_check_cli_exits_2_with_the_message(cache, tmp_path, capsys):
    good = json.loads((data.build_dataset(0, sizes=SIZES) / "test.jsonl").read_text().splitlines()[0])
    path = write(tmp_path / "rows.jsonl", [good, {**good, "id": "y", "record": "PATIENT nobody"}])
    assert data.main(["check", str(path)]) == 2
    assert f"error: {path}:2: record: line 1: a record needs" in capsys.readouterr().err
    assert data.main(["check", str(write(tmp_path / "ok.jsonl", [good]))]) == 0
