"""Audio in and out for ASR: read WAV files, resample to Whisper's 16 kHz, mono float32 in [-1, 1]."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from cookbook.errors import DataError

SAMPLE_RATE = 16000


def to_mono_16k(audio: np.ndarray, rate: int) -> np.ndarray:
    """Any shape/dtype a WAV reader or Gradio hands over -> mono float32 at 16 kHz."""
    audio = np.asarray(audio)
    if np.issubdtype(audio.dtype, np.integer):
        audio = audio.astype(np.float32) / float(np.iinfo(audio.dtype).max + 1)
    audio = audio.astype(np.float32)
    if audio.ndim == 2:  # (samples, channels)
        audio = audio.mean(axis=1)
    if rate != SAMPLE_RATE and len(audio):
        if rate > SAMPLE_RATE:  # crude anti-aliasing before decimation: a moving average over the ratio
            k = int(round(rate / SAMPLE_RATE))
            if k > 1:
                audio = np.convolve(audio, np.ones(k, np.float32) / k, mode="same")
        n = int(round(len(audio) * SAMPLE_RATE / rate))
        audio = np.interp(np.arange(n) * rate / SAMPLE_RATE, np.arange(len(audio)), audio).astype(np.float32)
    return audio


def read_wav(path: str | Path) -> np.ndarray:
    """16-bit PCM WAV -> mono float32 at 16 kHz."""
    try:
        with wave.open(str(path)) as w:
            if w.getsampwidth() != 2:
                raise DataError(f"{path}: audio: {8 * w.getsampwidth()}-bit WAV; 16-bit PCM expected")
            raw = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
            audio = raw.reshape(-1, w.getnchannels()) if w.getnchannels() > 1 else raw
            return to_mono_16k(audio, w.getframerate())
    except (wave.Error, EOFError) as exc:
        raise DataError(f"{path}: audio: not a readable WAV file ({exc})") from None
    except FileNotFoundError:
        raise DataError(f"{path}: audio: file not found") from None
