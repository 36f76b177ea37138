"""A FLORA copy on disk (`data.flora_dir=DIR`), read in the layout its authors publish (CandleLabAI/FLORA on the
Hugging Face Hub: 4,330 fashion sketches, each with one professional description).

What is known of that layout, and so what is accepted (no FLORA copy was at hand to check it against; the layout
was taken from the hub listing, which shows `test_set.csv` at the root and marks the dataset as parquet):

  DIR/train_set.csv, DIR/test_set.csv      one row per sketch with a header; an image column (image, image_path,
                                           file_name, filename, img, path or image_name) naming the file relative
                                           to DIR (or only its name, found anywhere under DIR) and a description
                                           column (text, description, prompt, caption or descriptions)
  DIR/data/train-*.parquet, test-*.parquet the hub's parquet form: the image column holds {bytes, path} (as
                                           `datasets` writes an Image feature), the same description column

CSV files win where both are there. Parquet images are written once into the cache as PNG. A folder that is
missing, holds neither form, or has a bad row stops with one line (`file:row: field: problem`, exit 2). FLORA
rows carry no attributes, so only the attribute-free metrics (Fréchet distance, denoising loss) score them."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from cookbook.errors import DataError
from cookbook.paths import cache_dir

SPLITS = {"train": "train_set", "test": "test_set"}
IMAGE_COLUMNS = ("image", "image_path", "file_name", "filename", "img", "path", "image_name")
TEXT_COLUMNS = ("text", "description", "prompt", "caption", "descriptions")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp"}


def _column(names, wanted: tuple[str, ...], where: str, what: str) -> str:
    lowered = {n.strip().lower(): n for n in names if n}
    for w in wanted:
        if w in lowered:
            return lowered[w]
    raise DataError(f"{where}:1: -: no {what} column (one of {', '.join(wanted)}); columns: "
                    f"{', '.join(n for n in names if n) or 'none'}")


def _image_index(folder: Path) -> dict[str, Path]:
    """Every image file under `folder` by its name (for CSV rows that give a bare file name)."""
    return {p.name: p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()}


def _csv_rows(folder: Path, path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        names = reader.fieldnames or []
        image_col = _column(names, IMAGE_COLUMNS, str(path), "image")
        text_col = _column(names, TEXT_COLUMNS, str(path), "description")
        index: dict[str, Path] | None = None
        rows = []
        for line, row in enumerate(reader, start=2):
            ref, text = (row.get(image_col) or "").strip(), (row.get(text_col) or "").strip()
            if not ref:
                raise DataError(f"{path}:{line}: {image_col}: empty")
            if not text:
                raise DataError(f"{path}:{line}: {text_col}: empty")
            image = folder / ref
            if not image.is_file():
                index = _image_index(folder) if index is None else index
                image = index.get(Path(ref).name)
            if image is None:
                raise DataError(f"{path}:{line}: {image_col}: {ref} not found under {folder}")
            rows.append({"id": f"{path.stem}-{line - 1:05d}", "image": str(image), "description": text})
    return rows


def _parquet_rows(files: list[Path], split: str) -> list[dict]:
    import pyarrow.parquet as pq

    out_dir = cache_dir() / "flora-images" / hashlib.sha256(
        "".join(f"{p.resolve()}:{p.stat().st_size}" for p in files).encode()).hexdigest()[:12]
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for path in files:
        table = pq.read_table(path)
        image_col = _column(table.column_names, IMAGE_COLUMNS, str(path), "image")
        text_col = _column(table.column_names, TEXT_COLUMNS, str(path), "description")
        for i, (image, text) in enumerate(zip(table[image_col].to_pylist(), table[text_col].to_pylist(),
                                              strict=True)):
            data = image.get("bytes") if isinstance(image, dict) else image
            if not isinstance(data, bytes) or not data:
                raise DataError(f"{path}:{i + 1}: {image_col}: no image bytes")
            if not isinstance(text, str) or not text.strip():
                raise DataError(f"{path}:{i + 1}: {text_col}: empty")
            target = out_dir / f"{split}-{len(rows):05d}.png"
            if not target.is_file():
                _write_png(data, target, f"{path}:{i + 1}: {image_col}")
            rows.append({"id": f"{split}-{len(rows):05d}", "image": str(target), "description": text.strip()})
    return rows


def _write_png(data: bytes, target: Path, where: str) -> None:
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            tmp = target.with_name(target.name + ".tmp")
            img.convert("RGB").save(tmp, format="PNG")
            tmp.replace(target)
    except (UnidentifiedImageError, OSError) as exc:
        raise DataError(f"{where}: not an image ({type(exc).__name__})") from None


def load_split(flora_dir: str | Path, split: str) -> list[dict]:
    """FLORA's rows of `split` ("train" or "test"): {id, image (a file path), description}."""
    folder = Path(flora_dir).expanduser()
    if split not in SPLITS:
        raise DataError(f"{folder}:0: -: FLORA has no '{split}' split (train, test)")
    if not folder.is_dir():
        raise DataError(f"{folder}:0: -: data.flora_dir is not a folder")
    csv_file = folder / f"{SPLITS[split]}.csv"
    if csv_file.is_file():
        rows = _csv_rows(folder, csv_file)
    else:
        parquet = sorted((folder / "data").glob(f"{split}-*.parquet"))
        if not parquet:
            raise DataError(f"{folder}:0: -: not FLORA's published layout: neither {SPLITS[split]}.csv nor "
                            f"data/{split}-*.parquet")
        rows = _parquet_rows(parquet, split)
    if not rows:
        raise DataError(f"{csv_file if csv_file.is_file() else folder / 'data'}:0: -: no rows in FLORA's {split} "
                        "split")
    return rows
