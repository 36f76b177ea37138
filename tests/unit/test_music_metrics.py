"""The music domain's scores on signals whose answer is known: a tone sequence on a mode's degrees is closer to that
mode than one on another mode's; rendered corpus pieces scored against themselves agree on onsets and give a
Fréchet distance of ~0 through the real Whisper tiny.en encoder, while a different mode's pieces give more."""

import numpy as np
import pytest

from cookbook.tasks.audio_lm.audio import write_wav
from cookbook.tasks.audio_lm.examples import MusicExample
from domains.music import data
from domains.music.metrics import reference_ceiling, score_clip, score_split
from domains.music.modes import MODES
from domains.music.synth import SAMPLE_RATE, Piece, describe, render


def scale_tones(mode: str, seconds_per_note: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds_per_note * SAMPLE_RATE)) / SAMPLE_RATE
    env = np.minimum(1.0, t / 0.01) * np.minimum(1.0, (t[-1] - t) / 0.02 + 1e-3)
    notes = [env * np.sin(2 * np.pi * data.TONIC_HZ * 2 ** (c / 1200) * t) for c in MODES[mode].cents * 2]
    return 0.5 * np.concatenate(notes).astype(np.float32)


@pytest.mark.parametrize("mode,other", [("yaman", "todi"), ("ussak", "saba"), ("rast", "bilawal")])
def test_a_tone_in_the_right_mode_scores_closer_than_one_in_the_wrong_mode(mode, other):
    right = score_clip(scale_tones(mode), SAMPLE_RATE, mode, data.TONIC_HZ)
    wrong = score_clip(scale_tones(other), SAMPLE_RATE, mode, data.TONIC_HZ)
    assert right["pcp_distance"] < wrong["pcp_distance"] and right["in_scale"] > wrong["in_scale"]
    assert right["mode_accuracy"] == 1.0 and wrong["mode_accuracy"] == 0.0 and right["silent"] == 0.0


def _examples(tmp_path, mode: str, n: int = 3) -> list[MusicExample]:
    rows = []
    for i in range(n):
        piece = Piece(mode, 70 + 15 * i, 7, ("flute", "plucked", "reed")[i], i == 0, data.TONIC_HZ, 4.0, seed=i)
        path = tmp_path / f"{mode}-{i}.wav"
        write_wav(path, render(piece), SAMPLE_RATE)
        rows.append(MusicExample(f"{mode}-{i}", str(path), describe(piece), mode, data.TONIC_HZ, piece.tempo_bpm))
    return rows


def test_real_clips_scored_against_themselves(tmp_path):
    from cookbook.tasks.audio_lm.audio import read_wav

    examples = _examples(tmp_path, "yaman")
    clips = [read_wav(e.audio_path) for e in examples]
    same = score_split(clips, examples)
    overall = same["overall"]
    assert overall["n"] == 3 and overall["onset_agreement"] == 1.0 and overall["frechet"] < 1e-6
    assert overall["mode_accuracy"] == 1.0 and set(same["by_group"]) == {"yaman"}
    assert reference_ceiling(examples)["onset_agreement"] == 1.0
    others = [read_wav(e.audio_path) for e in _examples(tmp_path, "todi")]
    moved = score_split(others, examples)["overall"]
    assert moved["frechet"] > 10 * max(overall["frechet"], 1e-6) and moved["pcp_distance"] > overall["pcp_distance"]
    silence = score_split([(np.zeros(4 * SAMPLE_RATE, np.float32), SAMPLE_RATE)] * 3, examples)["overall"]
    assert silence["silent"] == 1.0 and silence["onset_agreement"] == 0.0 and silence["tempo_agreement"] == 0.0
