"""Image metrics of the fashion domain.

- colour accuracy without a learned model: the colour read from the centre of the bodice (below every neckline cut,
  between the jacket panels) against the colour the prompt asked for;
- attribute accuracy by the project's attribute classifier (domains/fashion/classifier.py): each of the eight
  attributes read from the image against the prompt's, per attribute, averaged over attributes
  (`attribute_accuracy`), and all eight right at once (`all_attributes`);
- a Fréchet distance over that classifier's features between the generated images and the real sketches of the
  same rows (`frechet_distance`, lower is better; FID's formula with our classifier in place of Inception).
tests/unit/test_fashion_metrics.py checks each on images whose answer is known."""

from __future__ import annotations

import numpy as np
from PIL import Image

from domains.fashion.attributes import ATTRIBUTES, COLOURS
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


def _real_images(examples) -> list[Image.Image]:
    out = []
    for ex in examples:
        with Image.open(ex.image_path) as img:
            out.append(img.convert("RGB"))
    return out


def score_images(images: list[np.ndarray], examples, classifier=None) -> dict:
    """{"overall": {metric: value, "n"}, "by_group": {pattern: {...}}, "per_example": [...], "about": str}.
    `classifier`: an AttributeClassifier (default: the cached one, trained on first use)."""
    from cookbook.tasks.diffusion.frechet import frechet_distance
    from domains.fashion import classifier as attribute_classifier

    clf = classifier or attribute_classifier.default()
    reads, feats = clf.predict(images)
    per = []
    for img, ex, read in zip(images, examples, reads, strict=True):  # rows without attributes (FLORA) read only
        right = {name: read[name] == ex.attributes[name] for name in ATTRIBUTES} if ex.attributes else None
        row = {"id": ex.id, "asked": ex.attributes, "read": read, "right": right, "colour_read": read_colour(img)}
        if right is not None:  # each image's own scores, which the comparison's bootstrap intervals resample
            row.update({"attribute_accuracy": float(np.mean(list(right.values()))),
                        "all_attributes": float(all(right.values())),
                        "colour_accuracy": float(row["colour_read"] == ex.attributes["colour"]),
                        **{f"acc_{name}": float(ok) for name, ok in right.items()}})
        per.append(row)

    def summary(rows: list[dict]) -> dict:
        """Means of the per-image scores (every image scores all attributes, so the mean of the images' attribute
        accuracies is the mean of the per-attribute accuracies)."""
        rows = [r for r in rows if r["right"] is not None]
        if not rows:
            return {"n": 0}
        keys = ("attribute_accuracy", "all_attributes", "colour_accuracy", *(f"acc_{name}" for name in ATTRIBUTES))
        return {**{k: float(np.mean([r[k] for r in rows])) for k in keys}, "n": len(rows)}

    overall = summary(per)
    if len(images) >= 2:  # headline metrics first: reports list them in this order
        _, real_feats = clf.predict(_real_images(examples))
        head = {k: overall.pop(k) for k in ("attribute_accuracy", "all_attributes") if k in overall}
        overall = {**head, "frechet_distance": frechet_distance(feats, real_feats), **overall}
    overall["n"] = len(per)
    groups: dict[str, list[dict]] = {}
    for ex, row in zip(examples, per, strict=True):
        groups.setdefault(ex.group, []).append(row)
    heldout = clf.record.get("heldout_accuracy", {})
    about = ("attribute classifier (domains/fashion/classifier.py) held-out accuracy, mean over attributes: "
             + ", ".join(f"{split} {acc['mean']:.3f}" for split, acc in heldout.items())
             + "; Fréchet distance over its features against the real sketches of the same rows")
    return {"overall": overall, "by_group": {g: summary(v) for g, v in sorted(groups.items())},
            "per_example": per, "about": about, "classifier_heldout_accuracy": heldout}
