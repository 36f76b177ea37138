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


class _Reader:
    """A stand-in classifier that reads back the attributes it is told, with features drawn per image."""

    record = {"heldout_accuracy": {"base_test": {"mean": 0.5}}}

    def __init__(self, reads):
        self.reads, self.calls = reads, 0

    def predict(self, images):
        self.calls += 1
        rng = np.random.default_rng(self.calls)
        return self.reads[: len(images)], rng.normal(size=(len(images), 4))


def test_score_images_counts_hits_per_attribute_and_group(tmp_path):
    rng = random.Random(1)
    outfits = [draw_outfit(rng, "style") for _ in range(6)]
    examples = []
    for i, o in enumerate(outfits):
        draw(o).save(tmp_path / f"{i}.png")
        examples.append(ImageExample(id=str(i), image_path=str(tmp_path / f"{i}.png"), prompt="", group=o.pattern,
                                     attributes=o.attributes()))
    # the first three read right, the last three right but for the garment
    reads = [o.attributes() for o in outfits[:3]] + [{**o.attributes(), "garment": "?"} for o in outfits[3:]]
    blank = np.full((32, 32, 3), BACKGROUND, dtype=np.uint8)
    images = [np.asarray(draw(o)) for o in outfits[:3]] + [blank] * 3
    scored = score_images(images, examples, classifier=_Reader(reads))
    overall = scored["overall"]
    assert overall["n"] == 6 and overall["colour_accuracy"] == 0.5
    assert overall["acc_garment"] == 0.5 and overall["acc_colour"] == 1.0 and overall["all_attributes"] == 0.5
    assert overall["attribute_accuracy"] == (7 * 1.0 + 0.5) / 8
    assert overall["frechet_distance"] > 0
    assert sum(g["n"] for g in scored["by_group"].values()) == 6
    assert [p["colour_read"] for p in scored["per_example"][3:]] == ["none"] * 3
    # each image's own scores, whose means are the overall ones (the comparison's intervals resample these)
    assert [p["attribute_accuracy"] for p in scored["per_example"]] == [1.0] * 3 + [7 / 8] * 3
    assert [p["colour_accuracy"] for p in scored["per_example"]] == [1.0] * 3 + [0.0] * 3
    assert np.mean([p["all_attributes"] for p in scored["per_example"]]) == overall["all_attributes"]
    assert "base_test 0.500" in scored["about"]
