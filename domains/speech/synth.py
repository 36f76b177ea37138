"""One utterance from text to a 16 kHz mono 16-bit WAV: espeak-ng speaks it, sox adds a small room's reverberation
and resamples, numpy adds seeded noise at the planned SNR. Nothing here draws a random number of its own: every
setting comes from the plan and the noise from the utterance's seed, so a file depends only on its plan entry."""

from __future__ import annotations

import os
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cookbook.errors import CookbookError

SAMPLE_RATE = 16_000
MAX_SECONDS = 8.0
PEAK = 0.89  # -1 dBFS: loud enough, never clipped after noise is added
# sox reverb: HF damping %, room scale % (small room), stereo depth %, pre-delay ms, wet gain dB.
# Only the reverberance (the manifest's `reverb`, 0-100) varies per utterance.
REVERB_FIXED = ("50", "25", "100", "0", "0")
TOOLS = ("espeak-ng", "sox")


@dataclass(frozen=True)
class Utterance:
    """One planned utterance: the sentence and every synthesis setting, fixed before any audio is made."""

    id: str
    split: str
    text: str
    sentence_set: str  # "child" | "adult"
    speaker_type: str  # "child-like" | "adult-like"
    voice: str  # espeak-ng voice, "language+variant"
    pitch: int  # espeak-ng -p, 0-99 (50 is the voice's normal pitch)
    rate: int  # espeak-ng -s, words per minute (175 is espeak's default)
    gap: int  # espeak-ng -g, extra pause between words in units of 10 ms
    snr_db: float
    reverb: int  # sox reverb reverberance, %
    seed: int  # the noise generator's seed

    @property
    def audio(self) -> str:
        return f"{self.split}/{self.id}.wav"


def check_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        raise CookbookError(f"building the speech corpus needs espeak-ng and sox; not found: {', '.join(missing)} "
                            f"(install them with `apt-get install espeak-ng sox`)")


def _run(cmd: list[str], data: bytes, what: str) -> bytes:
    proc = subprocess.run(cmd, input=data, capture_output=True)
    if proc.returncode != 0 or proc.stderr.strip().startswith(b"Error"):
        detail = proc.stderr.decode(errors="replace").strip().splitlines()
        raise CookbookError(f"{what} failed (exit {proc.returncode}): {detail[-1] if detail else 'no message'}")
    return proc.stdout


def speak(utt: Utterance) -> np.ndarray:
    """espeak-ng -> sox (gain, reverb, resample to 16 kHz): float32 samples before noise."""
    wav = _run(["espeak-ng", "-v", utt.voice, "-p", str(utt.pitch), "-s", str(utt.rate), "-g", str(utt.gap),
                "--stdout"], utt.text.encode(), f"espeak-ng for {utt.id}")
    # -R: sox's own randomness (dither) repeats on every run; -D: no dither anyway, we quantize ourselves.
    raw = _run(["sox", "-R", "-D", "-V1", "-t", "wav", "-", "-t", "f32", "-c", "1", "-",
                "gain", "-3", "reverb", str(utt.reverb), *REVERB_FIXED, "rate", "-v", str(SAMPLE_RATE)],
               wav, f"sox for {utt.id}")
    return np.frombuffer(raw, dtype="<f4").astype(np.float32)


def add_noise(clean: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    """White Gaussian noise at `snr_db` below the clip's mean power, then peak-normalized to PEAK."""
    power = float(np.mean(clean.astype(np.float64) ** 2))
    if power <= 0.0:
        raise CookbookError("espeak-ng produced silence")
    noise = np.random.default_rng(seed).standard_normal(clean.shape[0]) * np.sqrt(power / 10 ** (snr_db / 10))
    noisy = clean + noise
    return (noisy * (PEAK / np.max(np.abs(noisy)))).astype(np.float32)


def write_wav(path: Path, samples: np.ndarray) -> None:
    """16-bit PCM mono at 16 kHz, written to a temporary name and renamed so a kill never leaves half a file."""
    pcm = np.round(np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    tmp = path.with_suffix(".wav.tmp")
    with wave.open(str(tmp), "wb") as fh:
        fh.setnchannels(1)
        fh.setsampwidth(2)
        fh.setframerate(SAMPLE_RATE)
        fh.writeframes(pcm.tobytes())
    os.replace(tmp, path)


def wav_frames(path: Path) -> int | None:
    """Number of frames if `path` is a readable 16 kHz mono 16-bit WAV with audio in it, else None."""
    try:
        with wave.open(str(path), "rb") as fh:
            ok = fh.getframerate() == SAMPLE_RATE and fh.getnchannels() == 1 and fh.getsampwidth() == 2
            return fh.getnframes() if ok and fh.getnframes() > 0 else None
    except (OSError, EOFError, wave.Error):
        return None


def render(utt: Utterance, corpus_dir: Path) -> float:
    """Make the utterance's WAV unless a complete one is already there (a resumed build); return its duration."""
    path = corpus_dir / utt.audio
    frames = wav_frames(path)
    if frames is None:
        samples = add_noise(speak(utt), utt.snr_db, utt.seed)
        if samples.shape[0] > MAX_SECONDS * SAMPLE_RATE:
            # The plan bounds the rate by sentence length so this cannot happen; stop rather than ship a long clip.
            raise CookbookError(f"{utt.id}: {samples.shape[0] / SAMPLE_RATE:.1f} s is longer than {MAX_SECONDS} s "
                                f"(rate {utt.rate}, gap {utt.gap}, {len(utt.text.split())} words)")
        path.parent.mkdir(parents=True, exist_ok=True)
        write_wav(path, samples)
        frames = samples.shape[0]
    return round(frames / SAMPLE_RATE, 3)
