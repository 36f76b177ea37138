"""The attribute classifier of the fashion metrics. In miniature (one epoch on a 24-sketch corpus): it trains,
saves, reloads to the same predictions, reads all eight attributes and gives features for the Fréchet distance,
and its record holds its held-out accuracy. The cached classifier itself (integration: trained on first use)
scores real held-out sketches high, identical sets at Fréchet distance ~0, and noise images low."""

import numpy as np
import pytest

from cookbook.tasks.diffusion.examples import ImageExample
from domains.fashion import classifier, data
from domains.fashion.attributes import ATTRIBUTES
from domains.fashion.metrics import score_images

TINY = {"base_train": 8, "base_test": 4, "style_train": 8, "style_test": 4}


def test_a_miniature_classifier_trains_saves_and_reloads(tmp_path):
    import torch
    from PIL import Image

    corpus = data.build_corpus(seed=3, sizes=TINY, folder=tmp_path / "corpus")
    plan = classifier.ClassifierPlan(epochs=1, batch_size=8, width=8, feature_dim=16)
    (tmp_path / "clf").mkdir()
    record = classifier.train(tmp_path / "clf", plan, corpus=corpus)
    assert record["train_rows"] == 16
    assert set(record["heldout_accuracy"]) == {"base_test", "style_test"}
    assert set(record["heldout_accuracy"]["style_test"]) == set(ATTRIBUTES) | {"mean"}
    clf = classifier.load(tmp_path / "clf")
    images = [np.asarray(Image.open(corpus / r["image"]).convert("RGB")) for r in data.load_split(corpus, "style_test")]
    reads, feats = clf.predict(images)
    assert feats.shape == (4, 16) and all(set(r) == set(ATTRIBUTES) for r in reads)
    assert all(r[name] in ATTRIBUTES[name] for r in reads for name in ATTRIBUTES)
    again = classifier.load(tmp_path / "clf")
    assert np.array_equal(again.predict(images)[1], feats)  # eval mode: no batch-norm drift between calls
    x = classifier.to_tensor(images)
    assert x.shape == (4, 3, 32, 32) and float(x.min()) >= -1 and float(x.max()) <= 1
    assert torch.is_tensor(x)


def test_the_cache_folder_follows_the_plan():
    assert classifier.folder_name() == classifier.folder_name(classifier.ClassifierPlan())
    assert classifier.folder_name(classifier.ClassifierPlan(epochs=2)) != classifier.folder_name()


@pytest.fixture(scope="module")
def trained():
    return classifier.default()


def _held_out(n_per_split=100):
    corpus = data.build_corpus(splits=("base_test", "style_test"))
    rows = [r for s in ("base_test", "style_test") for r in data.load_split(corpus, s)[:n_per_split]]
    examples = [ImageExample(id=r["id"], image_path=str(corpus / r["image"]), prompt=r["description"],
                             group=r["attributes"]["pattern"], attributes=r["attributes"]) for r in rows]
    from PIL import Image

    images = [np.asarray(Image.open(e.image_path).convert("RGB").resize((32, 32), Image.BICUBIC))
              for e in examples]
    return examples, images


@pytest.mark.integration
def test_real_held_out_sketches_score_high_and_identical_sets_are_at_distance_zero(trained):
    examples, images = _held_out()
    overall = score_images(images, examples, classifier=trained)["overall"]
    assert overall["attribute_accuracy"] >= 0.9, overall
    assert min(overall[f"acc_{name}"] for name in ATTRIBUTES) >= 0.7, overall
    # the generated set is the real set itself (at 32 px, what the classifier reads anyway)
    assert overall["frechet_distance"] == pytest.approx(0.0, abs=1e-3)


@pytest.mark.integration
def test_noise_images_score_low_and_far(trained):
    examples, images = _held_out()
    rng = np.random.default_rng(0)
    noise = [rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8) for _ in images]
    noisy = score_images(noise, examples, classifier=trained)["overall"]
    assert noisy["attribute_accuracy"] <= 0.45, noisy  # chance, averaged over the eight heads, is 0.30
    # real sketches of other rows (base_test 0-49 against base_test 50-99) are far closer than noise is
    other = score_images(images[:50], examples[50:100], classifier=trained)["overall"]
    assert noisy["frechet_distance"] > 10 * other["frechet_distance"], (noisy, other)
