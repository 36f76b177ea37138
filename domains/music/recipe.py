"""Low-resource modal music: MusicGen adapted to held-out raga-/makam-like modes of a synthesised corpus with LoRA,
convolutional and transformer adapters ("Exploring Adapter Design Tradeoffs for Low Resource Music Generation");
scored by pitch-class-profile distance of generated clips to the target mode."""

from pathlib import Path

from cookbook.recipe import Recipe
from cookbook.tasks.audio_lm.examples import MusicExample
from domains.music import base_model as _base_model  # noqa: F401  (registers musicgen-corpus-base)
from domains.music import data
from domains.music.metrics import score_split

# Recipe split -> corpus split: adaptation trains on the held-out modes; base_test checks what the base modes keep.
SPLITS = {"train": "heldout_train", "heldout_test": "heldout_test", "base_test": "base_test",
          "base_train": "base_train"}
TEST_SPLITS = ["heldout_test", "base_test"]


def load_examples(data_cfg, split: str) -> list[MusicExample]:
    corpus = data.build_corpus(seed=data_cfg.corpus_seed)
    return [MusicExample(id=row["id"], audio_path=str(Path(corpus) / row["audio"]), text=row["text"],
                         group=row["mode"], tonic_hz=row["tonic_hz"],
                         tempo_bpm=float(row["tempo_bpm"]))
            for row in data.load_split(corpus, SPLITS.get(split, split))]


RECIPE = Recipe(
    name="music",
    description="modal music: MusicGen + LoRA on held-out raga/makam-like modes, pitch-class-profile distance",
    task="audio_lm",
    config_dir=Path(__file__).parent / "configs",
    load_examples=load_examples,
    score=score_split,
    primary_metric="pcp_distance",
    plot_metrics=("frechet",),  # the set-level Fréchet distance beside it, in every comparison plot
    metric_labels={"pcp_distance": "PCP distance", "in_scale": "in-scale energy", "mode_accuracy": "mode accuracy",
                   "tempo_agreement": "tempo agreement", "onset_agreement": "onset agreement",
                   "frechet": "Fréchet distance (Whisper)"},
    higher_is_better=True,
    lower_is_better={"pcp_distance", "silent", "frechet"},
    auto_methods=("lora",),
    test_splits=TEST_SPLITS,
    demo_module="apps.music",
    notes=["The corpus is synthesised by domains/music (seeded additive synthesis of simplified raga-/makam-like "
           "modes); it is not recorded music."],
)
