"""The audio-LM kind's reference-free measures on synthetic signals whose answer is known: tempo and onsets of
tone trains, the Fréchet distance's closed form, and Whisper-encoder embeddings (equal sets give ~0)."""

import numpy as np
import pytest

from cookbook.tasks.audio_lm.frechet import embedding_stats, frechet_between, frechet_distance
from cookbook.tasks.audio_lm.rhythm import (
    HOP,
    estimate_tempo,
    onset_envelope,
    onset_rate,
    onset_rate_agreement,
    onsets,
    tempo_agreement,
)

SR = 32000


def tone_train(bpm: float, seconds: float = 4.0, lead_s: float = 0.25, freqs=(262.0, 330.0, 392.0)) -> np.ndarray:
    """One note per beat (10 ms attack, decaying), cycling through `freqs`, after `lead_s` of silence."""
    out = np.zeros(int((lead_s + seconds) * SR))
    beat = int(SR * 60.0 / bpm)
    t = np.arange(beat) / SR
    note_env = np.minimum(1.0, t / 0.01) * np.exp(-t / 0.15)
    for i, start in enumerate(range(int(lead_s * SR), len(out) - beat + 1, beat)):
        out[start:start + beat] = 0.5 * note_env * np.sin(2 * np.pi * freqs[i % len(freqs)] * t)
    return out.astype(np.float32)


@pytest.mark.parametrize("bpm", [72, 96, 120])
def test_tempo_of_a_tone_train_is_found(bpm):
    assert tempo_agreement(estimate_tempo(tone_train(bpm), SR), bpm) == 1.0


def test_tempo_agreement_allows_double_and_half_time_only():
    assert tempo_agreement(121, 120) == tempo_agreement(240, 120) == tempo_agreement(61, 120) == 1.0
    assert tempo_agreement(90, 120) == tempo_agreement(150, 120) == 0.0
    assert tempo_agreement(0.0, 120) == tempo_agreement(120, 0.0) == 0.0
    assert tempo_agreement(estimate_tempo(tone_train(90), SR), 120) == 0.0  # a 90 bpm train is not 120


def test_onsets_of_a_tone_train_are_its_notes():
    audio = tone_train(120, seconds=4.0)  # 8 notes, at 0.25 s + k * 0.5 s
    env = onset_envelope(audio, SR)
    found = onsets(env, SR / HOP) * HOP / SR
    expected = 0.25 + 0.5 * np.arange(8)
    assert len(found) == 8, found
    assert np.abs(found - expected).max() < 0.06
    assert onset_rate(np.zeros(SR), SR) == 0.0 and onset_envelope(np.zeros(SR), SR).max() == 0.0


def test_onset_rate_agreement_compares_densities():
    dense, sparse = onset_rate(tone_train(120), SR), onset_rate(tone_train(60), SR)
    assert onset_rate_agreement(dense, dense) == 1.0
    assert 0.4 < onset_rate_agreement(sparse, dense) < 0.7  # half as many notes
    assert onset_rate_agreement(0.0, dense) == 0.0


def test_frechet_distance_matches_the_closed_form_for_diagonal_gaussians():
    mu_a, mu_b = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    sd_a, sd_b = np.array([1.0, 2.0, 0.5]), np.array([2.0, 2.0, 1.5])
    expected = np.sum((mu_a - mu_b) ** 2) + np.sum((sd_a - sd_b) ** 2)
    assert frechet_distance(mu_a, np.diag(sd_a ** 2), mu_b, np.diag(sd_b ** 2)) == pytest.approx(expected)


def test_frechet_of_identical_sets_is_zero_and_grows_with_a_shift():
    x = np.random.default_rng(0).normal(size=(8, 16))  # fewer clips than dimensions: singular covariances
    assert frechet_between(x, x) < 1e-6
    assert frechet_between(x, x + 0.5) == pytest.approx(16 * 0.25, rel=1e-3)
    mu, cov = embedding_stats(x[:1])
    assert cov.shape == (16, 16) and not cov.any()
    with pytest.raises(ValueError, match="non-empty"):
        embedding_stats(np.zeros((0, 4)))


def test_whisper_embedder_gives_equal_sets_zero_distance(tmp_path):
    import torch
    from transformers import WhisperConfig, WhisperModel

    from cookbook.tasks.audio_lm.embed import WhisperEmbedder

    config = WhisperConfig(vocab_size=64, num_mel_bins=80, d_model=16, encoder_layers=1, decoder_layers=1,
                           encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
                           decoder_ffn_dim=32, max_source_positions=1500, max_target_positions=16,
                           pad_token_id=0, bos_token_id=1, eos_token_id=2, decoder_start_token_id=1)
    torch.manual_seed(0)
    WhisperModel(config).save_pretrained(str(tmp_path))
    embedder = WhisperEmbedder(str(tmp_path), seconds=2.0)
    assert embedder.encoder.embed_positions.num_embeddings == 100  # 2 s of 10 ms mel frames, stride 2
    clips = [(tone_train(bpm, seconds=1.5), SR) for bpm in (60, 90, 120)]
    a, b = embedder.embed(clips), embedder.embed(clips)
    assert a.shape == (3, 16) and np.allclose(a, b)
    assert frechet_between(a, b) < 1e-6
    noise = [(np.random.default_rng(i).normal(0, 0.3, SR).astype(np.float32), SR) for i in range(3)]
    assert frechet_between(a, embedder.embed(noise)) > 1e-3
