"""Clip embeddings from a Whisper encoder, for a Fréchet distance between generated and real audio (no audio
embedding model ships offline, but Whisper does: the `whisper-tiny.en` source). Each clip is resampled to 16 kHz,
cut or padded to a fixed window (`seconds`), turned into Whisper's log-mel features, and encoded with the
positional table cut to that window (the `audio_ctx` shortcut of whisper.cpp: 4 s costs 1/7.5 of a 30 s pass);
the embedding is the mean of the encoder's last hidden states. Encoding is deterministic, so equal clips give
equal embeddings."""

from __future__ import annotations

import copy
import math
from functools import lru_cache

import numpy as np

from cookbook.tasks.audio_lm.audio import resample

WHISPER_RATE = 16000


class WhisperEmbedder:
    def __init__(self, model_path: str, seconds: float = 4.0, batch_size: int = 8):
        import torch
        from transformers import WhisperFeatureExtractor, WhisperModel

        whisper = WhisperModel.from_pretrained(model_path, dtype=torch.float32)
        encoder = whisper.encoder.eval()
        stride = encoder.conv1.stride[0] * encoder.conv2.stride[0]
        self.chunk = max(1, math.ceil(seconds))
        self.features = WhisperFeatureExtractor(feature_size=encoder.config.num_mel_bins, chunk_length=self.chunk)
        positions = self.features.nb_max_frames // stride
        if positions > encoder.config.max_source_positions:
            raise ValueError(f"a {self.chunk} s window needs {positions} encoder positions; the model has "
                             f"{encoder.config.max_source_positions}")
        encoder.config = copy.deepcopy(encoder.config)
        encoder.config.max_source_positions = positions
        table = encoder.embed_positions.weight.detach()[:positions].clone()
        encoder.embed_positions = torch.nn.Embedding(positions, table.shape[1])
        encoder.embed_positions.weight.data.copy_(table)
        encoder.embed_positions.requires_grad_(False)
        self.encoder, self.batch_size, self.dim = encoder, batch_size, table.shape[1]
        del whisper.decoder

    def embed(self, clips: list[tuple[np.ndarray, int]]) -> np.ndarray:
        """(n, d) embeddings of (audio, sample rate) clips."""
        import torch

        out = []
        for i in range(0, len(clips), self.batch_size):
            batch = [resample(np.asarray(a, dtype=np.float32), sr, WHISPER_RATE)
                     for a, sr in clips[i:i + self.batch_size]]
            feats = self.features(batch, sampling_rate=WHISPER_RATE, return_tensors="pt", padding="max_length",
                                  max_length=self.features.n_samples, truncation=True).input_features
            with torch.inference_mode():
                hidden = self.encoder(feats.float()).last_hidden_state
            out.append(hidden.mean(dim=1).numpy())
        return np.concatenate(out).astype(np.float64) if out else np.zeros((0, self.dim))


@lru_cache(maxsize=2)
def whisper_embedder(spec: str, seconds: float = 4.0) -> WhisperEmbedder:
    """The embedder of a model spec (an offline source name, a local folder or a hub id), loaded once."""
    from cookbook.models.resolve import resolve_model

    return WhisperEmbedder(resolve_model(spec).path, seconds)
