"""Audio in and out for audio-LM training: 16-bit PCM WAV read/write, mono float32 in [-1, 1], resampling to the
codec's rate (scipy's polyphase filter, so no torchaudio is needed)."""

from __future__ import annotations

import wave
from math import gcd
from pathlib import Path

import numpy as np

from cookbook.errors import DataError


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """(mono float32 audio, sample rate) of a 16-bit PCM WAV."""
    try:
        with wave.open(str(path)) as w:
            if w.getsampwidth() != 2:
                raise DataError(f"{path}:0: audio: {8 * w.getsampwidth()}-bit WAV; 16-bit PCM expected")
            raw = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
            audio = raw.reshape(-1, w.getnchannels()).mean(axis=1) if w.getnchannels() > 1 else raw
            return audio.astype(np.float32), w.getframerate()
    except (wave.Error, EOFError) as exc:
        raise DataError(f"{path}:0: audio: not a readable WAV file ({exc})") from None
    except FileNotFoundError:
        raise DataError(f"{path}:0: audio: file not found") from None


def resample(audio: np.ndarray, rate: int, target: int) -> np.ndarray:
    if rate == target or not len(audio):
        return np.asarray(audio, dtype=np.float32)
    from scipy.signal import resample_poly

    g = gcd(rate, target)
    return resample_poly(audio, target // g, rate // g).astype(np.float32)


def load_clip(path: str | Path, target_rate: int, max_seconds: float = 0.0) -> np.ndarray:
    """A WAV as mono float32 at `target_rate`, cropped to `max_seconds` (0 = whole clip)."""
    audio, rate = read_wav(path)
    audio = resample(audio, rate, target_rate)
    return audio[: int(max_seconds * target_rate)] if max_seconds > 0 else audio


def write_wav(path: str | Path, audio: np.ndarray, rate: int) -> None:
    pcm = (np.clip(np.asarray(audio, dtype=np.float32).reshape(-1), -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as fh:
        fh.setnchannels(1)
        fh.setsampwidth(2)
        fh.setframerate(rate)
        fh.writeframes(pcm.tobytes())
