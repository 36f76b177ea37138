"""data.flora_dir: a tiny fake FLORA folder in each published form (root CSVs naming image files; the hub's
parquet with embedded image bytes) loads as the recipe's train / held-out split, and a folder that is missing or
malformed stops with one `file:row: field: problem` line (exit code 2)."""

import csv
import io

import pytest
from PIL import Image

from cookbook.config import DataConfig
from cookbook.errors import DataError
from domains.fashion import flora
from domains.fashion.recipe import load_examples
from tests.conftest import run_cli

TEXTS = ["a fitted ivory sheath dress with a sweetheart neckline", "wide-leg trousers in navy wool crepe",
         "an oversized trench coat over a ribbed knit midi dress"]


def _png(colour) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 60), colour).save(buf, format="PNG")
    return buf.getvalue()




@pytest.fixture
def csv_folder(tmp_path):
    for i in range(3):
        (tmp_path / "flora" / "images").mkdir(parents=True, exist_ok=True)
        (tmp_path / "flora" / "images" / f"{i}.png").write_bytes(_png((60 * i, 20, 90)))
    root = tmp_path / "flora"
    for split, rows in {"train": [("images/0.png", TEXTS[0]), ("1.png", TEXTS[1])],  # a path, a bare name
                        "test": [("images/2.png", TEXTS[2])]}.items():
        with open(root / f"{split}_set.csv", "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([("image", "text"), *rows])
    return root


def test_csv_layout_loads_as_the_train_and_held_out_splits(csv_folder):
    cfg = DataConfig(flora_dir=str(csv_folder))
    train = load_examples(cfg, "train")
    assert [e.prompt for e in train] == TEXTS[:2]
    assert [e.image_path for e in train] == [str(csv_folder / "images" / "0.png"), str(csv_folder / "images" /
                                                                                       "1.png")]
    assert all(e.attributes == {} and e.group == "flora" for e in train)
    held_out = load_examples(cfg, "style_test")
    assert [e.prompt for e in held_out] == TEXTS[2:] and held_out[0].id == "test_set-00001"


def test_parquet_layout_is_read_and_its_images_written_once(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    monkeypatch.setenv("COOKBOOK_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "flora" / "data").mkdir(parents=True)
    images = [{"bytes": _png((200, 10 * i, 10)), "path": f"{i}.png"} for i in range(2)]
    pq.write_table(pa.table({"image": images, "text": TEXTS[:2]}),
                   tmp_path / "flora" / "data" / "train-00000-of-00001.parquet")
    rows = flora.load_split(tmp_path / "flora", "train")
    assert [r["description"] for r in rows] == TEXTS[:2]
    with Image.open(rows[1]["image"]) as img:
        assert img.size == (40, 60) and img.getpixel((0, 0)) == (200, 10, 10)
    assert flora.load_split(tmp_path / "flora", "train") == rows  # the same files the second time


def test_a_missing_folder_or_one_in_no_known_layout_is_refused(tmp_path):
    with pytest.raises(DataError, match="data.flora_dir is not a folder"):
        flora.load_split(tmp_path / "nowhere", "train")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"neither train_set.csv nor data/train-\*.parquet") as err:
        flora.load_split(tmp_path / "empty", "train")
    assert err.value.exit_code == 2


def test_malformed_rows_are_named_by_file_and_row(csv_folder):
    (csv_folder / "train_set.csv").write_text("file,caption\nimages/0.png,a dress\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"train_set.csv:1: -: no image column .* columns: file, caption"):
        flora.load_split(csv_folder, "train")
    (csv_folder / "train_set.csv").write_text("image,caption\nimages/0.png,a dress\nmissing.png,a coat\n",
                                              encoding="utf-8")
    with pytest.raises(DataError, match=r"train_set.csv:3: image: missing.png not found under"):
        flora.load_split(csv_folder, "train")
    (csv_folder / "train_set.csv").write_text("image,caption\nimages/0.png,  \n", encoding="utf-8")
    with pytest.raises(DataError, match=r"train_set.csv:2: caption: empty"):
        flora.load_split(csv_folder, "train")


def test_bytes_that_are_not_an_image_are_refused(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    monkeypatch.setenv("COOKBOOK_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "flora" / "data").mkdir(parents=True)
    pq.write_table(pa.table({"image": [{"bytes": b"not a png", "path": "x.png"}], "description": ["a coat"]}),
                   tmp_path / "flora" / "data" / "test-00000.parquet")
    with pytest.raises(DataError, match=r"test-00000.parquet:1: image: not an image"):
        flora.load_split(tmp_path / "flora", "test")


def test_the_cli_says_so_in_one_line_with_exit_code_2(tmp_path):
    proc = run_cli("train", "fashion", "--config", "tiny", f"data.flora_dir={tmp_path / 'nowhere'}",
                   f"output_dir={tmp_path / 'run'}")
    assert proc.returncode == 2, proc.stderr[-2000:]
    errors = [line for line in proc.stderr.splitlines() if "flora_dir" in line]
    assert len(errors) == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
