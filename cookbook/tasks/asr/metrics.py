"""WER / CER with Whisper's English text normalizer (jiwer does the alignment), and word-level diffs for demos."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _normalizer():
    # Whisper's normalizer wants a spelling map (normalizer.json) that only the hub ships; an empty map keeps
    # everything else it does (case, punctuation, numbers, contractions). See shared/OFFLINE_MODELS.md.
    from transformers.models.whisper.english_normalizer import EnglishTextNormalizer

    return EnglishTextNormalizer({})


def normalize(text: str) -> str:
    return _normalizer()(text).strip()


def error_rates(predictions: list[str], references: list[str]) -> dict:
    """Corpus-level WER and CER (errors summed over utterances, divided by reference words/characters)."""
    import jiwer

    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions for {len(references)} references")
    hyp = [normalize(p) for p in predictions]
    ref = [normalize(r) for r in references]
    # jiwer refuses empty references; an utterance with nothing to say would be a corpus bug, not a model error.
    if any(not r for r in ref):
        raise ValueError("a reference transcript is empty after normalization")
    words = jiwer.process_words(ref, hyp)
    chars = jiwer.process_characters(ref, hyp)
    n_words = sum(len(r.split()) for r in ref)
    return {"wer": words.wer, "cer": chars.cer, "n": len(ref), "ref_words": n_words,
            "substitutions": words.substitutions, "deletions": words.deletions, "insertions": words.insertions}


def utterance_wer(prediction: str, reference: str) -> float:
    import jiwer

    return jiwer.wer(normalize(reference), normalize(prediction) or "<empty>")


def word_diff(reference: str, hypothesis: str) -> list[tuple[str, str | None]]:
    """Normalized hypothesis words tagged for display: (word, None) same, (word, "sub"/"ins"), ("ref", "del")."""
    import jiwer

    ref, hyp = normalize(reference), normalize(hypothesis)
    if not hyp:
        return [(w, "del") for w in ref.split()]
    out = jiwer.process_words(ref or "<empty>", hyp)
    r_words, h_words = out.references[0], out.hypotheses[0]
    tagged: list[tuple[str, str | None]] = []
    for chunk in out.alignments[0]:
        if chunk.type == "equal":
            tagged += [(w, None) for w in h_words[chunk.hyp_start_idx:chunk.hyp_end_idx]]
        elif chunk.type == "substitute":
            tagged += [(w, "sub") for w in h_words[chunk.hyp_start_idx:chunk.hyp_end_idx]]
        elif chunk.type == "insert":
            tagged += [(w, "ins") for w in h_words[chunk.hyp_start_idx:chunk.hyp_end_idx]]
        else:  # delete: show the missing reference words
            tagged += [(w, "del") for w in r_words[chunk.ref_start_idx:chunk.ref_end_idx]]
    return tagged


def score_split(preds: list[str], examples) -> dict:
    groups = sorted({e.group for e in examples})
    by_group = {g: error_rates([p for p, e in zip(preds, examples, strict=True) if e.group == g],
                               [e.reference for e in examples if e.group == g]) for g in groups}
    return {"overall": error_rates(preds, [e.reference for e in examples]), "by_group": by_group}
