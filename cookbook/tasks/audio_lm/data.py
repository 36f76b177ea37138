"""Training data for the audio LM: each clip encoded once to EnCodec codes (the codec is frozen, so this is done
before training, not per step), then batched with padding, the delay pattern, and classifier-free-guidance
dropout of the text (a dropped row's text attention mask is all zeros, which MusicGen's forward turns into the
all-zero conditioning its `generate` uses for the unconditional half)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from tqdm import tqdm

from cookbook.tasks.audio_lm.audio import load_clip
from cookbook.tasks.audio_lm.codes import delayed_inputs_and_labels, encode_audio
from cookbook.tasks.audio_lm.examples import MusicExample


class MusicCodesDataset(torch.utils.data.Dataset):
    def __init__(self, examples: list[MusicExample], model, sampling_rate: int, max_seconds: float = 0.0,
                 progress: bool = True):
        self.items = []
        for ex in tqdm(examples, desc="encoding clips", unit="clip", disable=not progress):
            audio = torch.from_numpy(load_clip(ex.audio_path, sampling_rate, max_seconds))
            self.items.append({"text": ex.text, "codes": encode_audio(model, audio[None])[0]})

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict:
        return self.items[i]


@dataclass
class MusicCollator:
    tokenizer: object
    decoder: object  # the MusicGen decoder (its delay pattern and pad id)
    cfg_dropout: float = 0.1  # probability that a row trains unconditionally
    max_text_tokens: int = 64

    def __call__(self, items: list[dict]) -> dict:
        pad = self.decoder.config.pad_token_id
        longest = max(it["codes"].shape[-1] for it in items)
        codes = torch.full((len(items), items[0]["codes"].shape[0], longest), pad, dtype=torch.long)
        for row, it in enumerate(items):
            codes[row, :, : it["codes"].shape[-1]] = it["codes"]
        decoder_input_ids, labels = delayed_inputs_and_labels(self.decoder, codes)
        text = self.tokenizer([it["text"] for it in items], return_tensors="pt", padding=True, truncation=True,
                              max_length=self.max_text_tokens)
        attention_mask = text["attention_mask"].clone()
        if self.cfg_dropout > 0:
            attention_mask[torch.rand(len(items)) < self.cfg_dropout] = 0
        return {"input_ids": text["input_ids"], "attention_mask": attention_mask,
                "decoder_input_ids": decoder_input_ids, "labels": labels}
