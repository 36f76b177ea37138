"""Child-like speech recognition: Whisper tiny.en adapted with S2-LoRA (sparsely shared LoRA) on a synthesized
child-like corpus; WER in-domain (unseen child-like sentences) and out-of-domain (unseen voices, adult speech)."""

from pathlib import Path

from cookbook.asr_eval import score_split
from cookbook.recipes import DOMAINS, AudioExample, Recipe
from domains.speech import data

TEST_SPLITS = ["test_in", "test_out"]


def load_examples(data_cfg, split: str) -> list[AudioExample]:
    """Rows of the generated corpus (built once per seed into the cache dir, then reused)."""
    corpus = data.build_corpus(seed=data_cfg.corpus_seed)
    return [AudioExample(id=row["id"], audio_path=str(Path(corpus) / row["audio"]), reference=row["text"],
                         group=row["speaker_type"]) for row in data.load_split(corpus, split)]


def choose_method(requested: str) -> tuple[str, str]:
    if requested == "auto":
        return "s2lora", "auto: S2-LoRA, the method this recipe studies"
    return requested, f"peft.method={requested} requested"


DOMAINS.register("speech")(Recipe(
    name="speech",
    description="child-like speech recognition: Whisper tiny.en + S2-LoRA vs LoRA / AdaLoRA / BitFit, WER",
    trainer="asr",
    config_dir=Path(__file__).parent / "configs",
    load_examples=load_examples,
    choose_method=choose_method,
    score=score_split,
    test_splits=TEST_SPLITS,
    evaluator="asr",
))
