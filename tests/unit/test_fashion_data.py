"""The fashion sketch corpus: seeded and reproducible, attributes known and valid, base and style prints disjoint,
descriptions that name the attributes, and one-line errors for a bad manifest row."""

import json

import numpy as np
import pytest
from PIL import Image

from cookbook.errors import DataError
from domains.fashion import data
from domains.fashion.attributes import BASE_PATTERNS, STYLE_PATTERNS, Outfit
from domains.fashion.sketch import draw

SIZES = {"base_train": 12, "base_test": 4, "style_train": 6, "style_test": 3}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return data.build_corpus(seed=3, sizes=SIZES, folder=tmp_path_factory.mktemp("fashion") / "c")


def test_splits_have_their_sizes_and_disjoint_prints(corpus):
    rows = {s: data.load_split(corpus, s) for s in data.SPLITS}
    assert {s: len(r) for s, r in rows.items()} == SIZES
    base = {r["attributes"]["pattern"] for s in ("base_train", "base_test") for r in rows[s]}
    style = {r["attributes"]["pattern"] for s in ("style_train", "style_test") for r in rows[s]}
    assert base <= set(BASE_PATTERNS) and style <= set(STYLE_PATTERNS)
    for row in rows["style_train"]:
        assert row["attributes"]["colour"] in row["description"]


def test_same_seed_same_corpus_other_seed_other(corpus, tmp_path):
    again = data.build_corpus(seed=3, sizes=SIZES, folder=tmp_path / "again")
    assert (again / "style_test.jsonl").read_bytes() == (corpus / "style_test.jsonl").read_bytes()
    first = data.load_split(corpus, "base_train")[0]
    pixels = [np.asarray(Image.open(folder / first["image"])) for folder in (again, corpus)]
    assert np.array_equal(*pixels)
    other = data.build_corpus(seed=4, sizes=SIZES, folder=tmp_path / "other")
    assert (other / "base_train.jsonl").read_bytes() != (corpus / "base_train.jsonl").read_bytes()


def test_every_attribute_changes_the_picture():
    ref = Outfit("dress", "a-line", "midi", "crew", "short", "red", "plain", "none")
    changed = {"garment": "top-and-trousers", "silhouette": "flared", "length": "long", "neckline": "v-neck",
               "sleeves": "long", "colour": "blue", "pattern": "checked", "layer": "jacket"}
    base = np.asarray(draw(ref), dtype=float)
    for name, value in changed.items():
        other = np.asarray(draw(Outfit(**{**ref.attributes(), name: value})), dtype=float)
        assert np.abs(other - base).sum() > 0, name


def test_a_bad_row_fails_with_file_line_and_field(corpus, tmp_path):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(corpus, bad)
    lines = (bad / "style_test.jsonl").read_text().splitlines()
    row = json.loads(lines[1])
    row["attributes"]["colour"] = "teal"
    lines[1] = json.dumps(row)
    (bad / "style_test.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"style_test.jsonl:2: attributes.colour: 'teal' is not one of"):
        data.load_split(bad, "style_test")
    assert data.main(["--check", str(bad)]) == 2
