"""Audio -> EnCodec codes -> MusicGen's delay pattern, as decoder inputs and labels.

MusicGen predicts K codebooks per frame with codebook k delayed by k steps. The decoder's own
`build_delay_pattern_mask`, given [BOS, c_0 .. c_{T-1}] per codebook and max_length T + K, returns the pattern
(K, T + K) whose row k is k + 1 pads, the T codes, then pads. Inputs are the pattern without its last column, labels
the pattern without its first, with every pad (the delay triangles and any clip padding) set to -100, so padding
never enters the loss."""

from __future__ import annotations

import torch


@torch.no_grad()
def encode_audio(model, audio: torch.Tensor) -> torch.Tensor:
    """(B, samples) float audio -> (B, K, T) codes of the model's EnCodec."""
    out = model.audio_encoder.encode(audio.unsqueeze(1).float(), bandwidth=None)
    codes = out.audio_codes  # (chunks=1, B, K, T)
    if codes.shape[0] != 1:
        raise ValueError("EnCodec returned several chunks; the codec must have chunk_length_s=None")
    return codes[0]


def delayed_inputs_and_labels(decoder, codes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """codes (B, K, T), pad-filled where a clip is shorter -> (decoder_input_ids (B*K, T+K-1), labels (B, K, T+K-1))."""
    bsz, k, t = codes.shape
    pad = decoder.config.pad_token_id
    bos = torch.full((bsz, k, 1), decoder.config.bos_token_id, dtype=codes.dtype, device=codes.device)
    prompt = torch.cat([bos, codes], dim=-1).reshape(bsz * k, t + 1)
    _, pattern = decoder.build_delay_pattern_mask(prompt, pad_token_id=pad, max_length=t + k)
    pattern = pattern.reshape(bsz, k, t + k)
    inputs = pattern[..., :-1].reshape(bsz * k, t + k - 1)
    labels = pattern[..., 1:].masked_fill(pattern[..., 1:] == pad, -100)
    return inputs, labels


def codebook_cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Mean over codebooks of each codebook's token-mean cross-entropy (audiocraft's loss), and the label count.
    logits (B*K, L, V), labels (B, K, L) with -100 for ignored positions."""
    bsz, k, length = labels.shape
    logits = logits.reshape(bsz, k, length, -1)
    losses = [torch.nn.functional.cross_entropy(logits[:, i].reshape(-1, logits.shape[-1]), labels[:, i].reshape(-1),
                                                ignore_index=-100) for i in range(k)]
    return torch.stack(losses).mean(), int((labels != -100).sum())
