"""Malformed data stops before training with `file:line: field: problem`, exit code 2 and no traceback."""

import json

import pytest

from cookbook.errors import DataError
from domains.telecom.data import load_rows
from tests.conftest import run_cli

GOOD = {"id": "x-1", "use_case": "ran", "instruction": "What is a gNB?", "response": "A 5G base station."}


def write(tmp_path, lines: list[bytes]):
    path = tmp_path / "data.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def row(**changes) -> bytes:
    data = {**GOOD, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not ...}).encode()


@pytest.mark.parametrize("bad_line, expected", [
    (b'{"id": "x-2", "use_case": "ran", ', ":2: -: invalid JSON"),
    (row(response=...), ":2: response: missing"),
    (row(instruction="   "), ":2: instruction: empty"),
    (row(response=42), ":2: response: expected str, got int"),
    (row(use_case="cooking"), ":2: use_case: 'cooking' is not one of the 20 use-cases"),
    ('{"id": "x-2", "use_case": "ran", "instruction": "caf\xe9"}'.encode("latin-1"), ":2: -: not valid UTF-8"),
    (b"[1, 2]", ":2: -: expected a JSON object"),
])
def test_bad_rows_are_located(tmp_path, bad_line, expected):
    path = write(tmp_path, [row(), bad_line])
    with pytest.raises(DataError) as err:
        load_rows(path)
    assert str(err.value).startswith(str(path)) and expected in str(err.value)


def test_good_rows_load(tmp_path):
    assert len(load_rows(write(tmp_path, [row(), row(id="x-2")]))) == 2


def test_shipped_telecom_data_is_valid_and_balanced():
    from collections import Counter

    from domains.telecom.data import DATA_DIR, USE_CASES

    train, test = load_rows(DATA_DIR / "train.jsonl"), load_rows(DATA_DIR / "test.jsonl")
    assert len(train) + len(test) >= 400 and len(test) >= 80
    for rows, minimum in ((train + test, 15), (test, 4)):
        counts = Counter(r["use_case"] for r in rows)
        assert set(counts) == set(USE_CASES) and min(counts.values()) >= minimum
    assert not {r["instruction"].lower() for r in train} & {r["instruction"].lower() for r in test}
    ids = [r["id"] for r in train + test]
    assert len(ids) == len(set(ids))


def test_cli_stops_before_training_with_exit_2(tmp_path):
    path = write(tmp_path, [row(), row(response=...)])
    out = tmp_path / "run"
    proc = run_cli("train", "telecom", "--config", "tiny", f"data.train_file={path}", f"output_dir={out}")
    assert proc.returncode == 2
    assert f"{path}:2: response: missing" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (out / "metrics.json").exists() and not (out / "adapter").exists()
