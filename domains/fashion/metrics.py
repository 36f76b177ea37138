"""Image metrics of the fashion domain that need no learned model: the colour of a generated outfit, read from the
centre of the bodice (below every neckline cut, between the jacket panels), against the colour its prompt asked for.
On the corpus's own sketches it reads the right colour (tests/unit/test_fashion_metrics.py checks it)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from domains.fashion.attributes import COLOURS
from domains.fashion.sketch import BACKGROUND, SIZE, SKIN, accent_of

BODICE = (slice(22, 26), slice(31, 34))  # rows, columns of the 64 x 64 sketch
# Each colour is known by its fabric, its print's contrast colour (stripes, dots, checks cover half of it) and the
# blend of the two (what a print becomes at 32 x 32).
_SHADES = [(name, shade) for name, c in COLOURS.items()
           for shade in (c, accent_of(c), tuple((a + b) / 2 for a, b in zip(c, accent_of(c), strict=True)))]
_NAMES = [name for name, _ in _SHADES] + ["background", "skin"]
_PALETTE = np.array([shade for _, shade in _SHADES] + [BACKGROUND, SKIN], dtype=np.float32)
_COLOUR_OF = np.array([list(COLOURS).index(name) for name, _ in _SHADES])


def read_colour(image: np.ndarray) -> str:
    """The palette colour most bodice pixels are nearest to ("none" when they are background or skin)."""
    img = Image.fromarray(image)
    if img.size != (SIZE, SIZE):
        img = img.resize((SIZE, SIZE), Image.BICUBIC)
    patch = np.asarray(img.convert("RGB"), dtype=np.float32)[BODICE].reshape(-1, 3)
    nearest = np.argmin(((patch[:, None, :] - _PALETTE[None]) ** 2).sum(-1), axis=1)
    fabric = nearest[nearest < len(_SHADES)]
    votes = np.bincount(_COLOUR_OF[fabric], minlength=len(COLOURS))
    return list(COLOURS)[int(votes.argmax())] if votes.max() > 0 else "none"


def score_images(images: list[np.ndarray], examples) -> dict:
    """{"overall": {"colour_accuracy", "n"}, "by_group": {pattern: {...}}, "per_example": [...]}."""
    per = [{"id": ex.id, "asked": ex.attributes["colour"], "read": read_colour(img)}
           for img, ex in zip(images, examples, strict=True)]
    hits = [p["asked"] == p["read"] for p in per]
    groups: dict[str, list[bool]] = {}
    for ex, hit in zip(examples, hits, strict=True):
        groups.setdefault(ex.group, []).append(hit)
    return {"overall": {"colour_accuracy": float(np.mean(hits)) if hits else 0.0, "n": len(hits)},
            "by_group": {g: {"colour_accuracy": float(np.mean(v)), "n": len(v)} for g, v in sorted(groups.items())},
            "per_example": per}
