"""Fashion text-to-image: UNet adapters (NeRA, a KAN spline adapter, against LoRA, LoKr, LoHa and DoRA) trained on
the held-out style split of a procedural outfit-sketch corpus ("Dressing the Imagination" / FLORA, built offline)."""

from pathlib import Path

from cookbook.recipe import Recipe
from cookbook.tasks.diffusion.examples import ImageExample
from domains.fashion import base_model as _base_model  # noqa: F401  (registers sd-fashion-base)
from domains.fashion import data, flora
from domains.fashion.attributes import ATTRIBUTES
from domains.fashion.metrics import score_images

# `train` is the held-out style's training split; the adapters are scored on its test split and on the base split's.
SPLIT_OF = {"train": "style_train", "style_test": "style_test", "base_test": "base_test",
            "base_train": "base_train"}
TEST_SPLITS = ["style_test", "base_test"]


# With data.flora_dir, FLORA's train set replaces style_train and its test set replaces style_test (FLORA is the
# held-out style then); base_test stays the generated base split (what the base model already draws).
FLORA_SPLIT_OF = {"train": "train", "style_test": "test"}


def load_examples(data_cfg, split: str) -> list[ImageExample]:
    if data_cfg.flora_dir and split in FLORA_SPLIT_OF:
        return [ImageExample(id=row["id"], image_path=row["image"], prompt=row["description"], group="flora")
                for row in flora.load_split(data_cfg.flora_dir, FLORA_SPLIT_OF[split])]
    name = SPLIT_OF.get(split, split)
    corpus = data.build_corpus(seed=data_cfg.corpus_seed, splits=(name,))
    return [ImageExample(id=row["id"], image_path=str(corpus / row["image"]), prompt=row["description"],
                         group=row["attributes"]["pattern"], attributes=row["attributes"])
            for row in data.load_split(corpus, name)]


RECIPE = Recipe(
    name="fashion",
    description="fashion sketches: Stable-Diffusion UNet adapters, NeRA vs LoRA / LoKr / LoHa / DoRA",
    task="diffusion",
    config_dir=Path(__file__).parent / "configs",
    load_examples=load_examples,
    score=score_images,
    primary_metric="attribute_accuracy",
    plot_metrics=("frechet_distance",),  # fidelity beside alignment, in every comparison plot
    metric_labels={"colour_accuracy": "colour accuracy (bodice pixels)", "attribute_accuracy": "attribute accuracy",
                   "all_attributes": "all 8 attributes right", "frechet_distance": "Fréchet distance (classifier)",
                   **{f"acc_{name}": f"accuracy: {name}" for name in ATTRIBUTES}},
    lower_is_better={"frechet_distance"},
    auto_methods=("nera",),
    demo_module="apps.fashion",
    test_splits=TEST_SPLITS,
    notes=["Data: procedurally drawn outfit sketches with known attributes (domains/fashion/data.py), unless "
           "data.flora_dir names a FLORA copy (then FLORA's train / test sets stand in for the held-out style's); "
           "trained on the held-out style split (gingham check and bias stripe prints)."],
)
