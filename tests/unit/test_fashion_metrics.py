"""The colour reader of the fashion metrics: right on the corpus's own sketches (every colour, with and without a
jacket, at 64 and at 32 pixels), and not fooled by a blank image."""

import random

import numpy as np

from cookbook.tasks.diffusion.examples import ImageExample
from domains.fashion.attributes import COLOURS, draw_outfit
from domains.fashion.metrics import read_colour, score_images
from domains.fashion.sketch import BACKGROUND, draw


def test_reads_the_colour_of_real_sketches():
    rng = random.Random(5)
    outfits = [draw_outfit(rng, split) for split in ("base", "style") for _ in range(60)]
    for size in (64, 32):
        images = [np.asarray(draw(o).resize((size, size))) for o in outfits]
        hits = [read_colour(img) == o.colour for img, o in zip(images, outfits, strict=True)]
        assert np.mean(hits) >= 0.95, size
    assert {o.colour for o in outfits} == set(COLOURS)


def test_score_images_counts_hits_and_groups():
    rng = random.Random(1)
    outfits = [draw_outfit(rng, "style") for _ in range(6)]
    examples = [ImageExample(id=str(i), image_path="", prompt="", group=o.pattern, attributes=o.attributes())
                for i, o in enumerate(outfits)]
    blank = np.full((32, 32, 3), BACKGROUND, dtype=np.uint8)
    images = [np.asarray(draw(o)) for o in outfits[:3]] + [blank] * 3
    scored = score_images(images, examples)
    assert scored["overall"] == {"colour_accuracy": 0.5, "n": 6}
    assert sum(g["n"] for g in scored["by_group"].values()) == 6
    assert [p["read"] for p in scored["per_example"][3:]] == ["none"] * 3
