"""Child-like speech recognition: Whisper tiny.en adapted with S2-LoRA (sparsely shared LoRA) on a synthesized
child-like corpus; WER in-domain (unseen child-like sentences) and out-of-domain (unseen voices, adult speech)."""

from pathlib import Path

from cookbook.recipe import Recipe
from cookbook.tasks.asr.examples import AudioExample
from cookbook.tasks.asr.metrics import score_split
from domains.speech import data

TEST_SPLITS = ["test_in", "test_out"]


def load_examples(data_cfg, split: str) -> list[AudioExample]:
    """Rows of the generated corpus (built once per seed into the cache dir, then reused)."""
    corpus = data.build_corpus(seed=data_cfg.corpus_seed)
    return [AudioExample(id=row["id"], audio_path=str(Path(corpus) / row["audio"]), reference=row["text"],
                         group=row["speaker_type"]) for row in data.load_split(corpus, split)]


RECIPE = Recipe(
    name="speech",
    description="child-like speech recognition: Whisper tiny.en + S2-LoRA vs LoRA / AdaLoRA / BitFit, WER",
    task="asr",
    config_dir=Path(__file__).parent / "configs",
    load_examples=load_examples,
    score=score_split,
    primary_metric="wer",
    higher_is_better=False,
    auto_methods=("s2lora",),  # the method this recipe studies
    demo_module="apps.speech",
    test_splits=TEST_SPLITS,
)
