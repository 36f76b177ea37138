"""Whisper training data: log-mel features computed per item, transcripts as label ids, and a collator that pads
labels with -100 after each transcript's own end-of-text (Whisper's padding id IS end-of-text, so masking by id
would also hide the real end-of-text the model must learn to emit)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from cookbook.tasks.asr.audio import SAMPLE_RATE, read_wav
from cookbook.tasks.asr.examples import AudioExample


def label_ids(tokenizer, text: str) -> list[int]:
    """<|startoftranscript|> [<|en|><|transcribe|>] <|notimestamps|> text <|endoftext|>, as Whisper decodes.
    Transcripts start with a space, as in Whisper's own training data."""
    return tokenizer(" " + text.strip()).input_ids


class WhisperAsrDataset(torch.utils.data.Dataset):
    def __init__(self, examples: list[AudioExample], feature_extractor, tokenizer):
        self.examples, self.fe, self.tok = examples, feature_extractor, tokenizer

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, i: int) -> dict:
        ex = self.examples[i]
        audio = read_wav(ex.audio_path)
        features = self.fe(audio, sampling_rate=SAMPLE_RATE, return_tensors="pt").input_features[0]
        return {"input_features": features, "labels": label_ids(self.tok, ex.reference)}


@dataclass
class WhisperCollator:
    decoder_start_token_id: int

    def __call__(self, items: list[dict]) -> dict:
        features = torch.stack([it["input_features"] for it in items])
        longest = max(len(it["labels"]) for it in items)
        labels = torch.full((len(items), longest), -100, dtype=torch.long)
        for row, it in enumerate(items):
            labels[row, : len(it["labels"])] = torch.tensor(it["labels"], dtype=torch.long)
        # The model prepends decoder_start_token_id itself when it shifts labels right; drop ours.
        if bool((labels[:, 0] == self.decoder_start_token_id).all()):
            labels = labels[:, 1:]
        return {"input_features": features, "labels": labels}
