"""The modal corpus: splits, validation, determinism, and that rendered audio has its mode's pitch-class profile."""

import json

import numpy as np
import pytest

from cookbook.errors import DataError
from cookbook.tasks.audio_lm.chroma import chroma_profile, nearest, pcp_distance
from domains.music import data
from domains.music.modes import BASE_MODES, HELDOUT_MODES, MODES, pitch_class_profile
from domains.music.synth import SAMPLE_RATE, TIMBRES, Piece, describe, render

REFS = {m: pitch_class_profile(m) for m in MODES}


def _pieces(mode: str, n: int = 4):
    return [Piece(mode, 60 + 20 * i, 7, timbre, i % 2 == 0, data.TONIC_HZ, 4.0, seed=i)
            for i, timbre in enumerate(sorted(TIMBRES)[:n])]


@pytest.mark.parametrize("mode", sorted(MODES))
def test_rendered_audio_has_the_modes_pitch_class_profile(mode):
    profiles = [chroma_profile(render(p), SAMPLE_RATE, data.TONIC_HZ) for p in _pieces(mode)]
    scale = REFS[mode] > 0
    for profile in profiles:  # most of each clip's energy lies on the mode's own degrees
        assert profile[scale].sum() > 0.7, profile.round(3)
    mean = np.mean(profiles, axis=0)
    assert nearest(mean, REFS) == mode
    others = min(pcp_distance(mean, REFS[m]) for m in MODES if m != mode)
    assert pcp_distance(mean, REFS[mode]) < others


def test_chroma_of_a_pure_tone_lands_in_its_bin():
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    tone = np.sin(2 * np.pi * data.TONIC_HZ * 2 ** (350 / 1200) * t)  # a neutral third above the tonic
    profile = chroma_profile(tone, SAMPLE_RATE, data.TONIC_HZ)
    assert int(np.argmax(profile)) == 7 and profile[7] > 0.9
    assert chroma_profile(np.zeros(SAMPLE_RATE), SAMPLE_RATE, data.TONIC_HZ).sum() == 0
    assert pcp_distance(np.zeros(24), profile) == 1.0


def test_modes_and_profiles_are_distinct_and_split():
    assert not set(BASE_MODES) & set(HELDOUT_MODES) and set(BASE_MODES) | set(HELDOUT_MODES) == set(MODES)
    names = sorted(MODES)
    for i, a in enumerate(names):
        assert abs(REFS[a].sum() - 1) < 1e-9
        for b in names[i + 1:]:
            assert pcp_distance(REFS[a], REFS[b]) > 0.05, (a, b)


def test_render_is_deterministic_and_bounded():
    piece = _pieces("rast", 1)[0]
    a, b = render(piece), render(piece)
    assert np.array_equal(a, b) and a.dtype == np.float32 and len(a) == int(4.0 * SAMPLE_RATE)
    assert 0.7 < np.abs(a).max() <= 0.8 + 1e-6
    other = render(Piece(**{**piece.__dict__, "seed": piece.seed + 1}))
    assert not np.array_equal(a, other)


def test_description_names_mode_instrument_tempo_metre():
    piece = Piece("hicaz", 120, 9, "plucked", True, data.TONIC_HZ, 4.0, seed=3)
    text = describe(piece)
    for word in ("hicaz", "makam", "oud", "120 bpm", "9 beats", "drone", "lively", "longing"):
        assert word in text, (word, text)


def test_plan_is_seeded_and_limited():
    full, again, small = data.plan(0), data.plan(0), data.plan(0, limit=2)
    assert full == again and data.plan(1) != full
    for split in data.SPLITS:
        ids = [uid for uid, _ in full[split]]
        assert len(ids) == len(set(ids))
        assert {p.mode for _, p in full[split]} == set(data.split_modes(split))
        assert small[split] == [row for row in full[split] if int(row[0][-3:]) < 2]
    tempos = {p.tempo_bpm for _, p in full["base_train"]}
    assert min(tempos) >= data.TEMPO_BPM[0] and max(tempos) <= data.TEMPO_BPM[1] and len(tempos) > 10
    assert len({p.timbre for _, p in full["base_train"]}) == len(TIMBRES)


def test_build_reload_and_validation(tmp_path):
    corpus = data.build_corpus(seed=0, out_dir=tmp_path / "c", limit=1, progress=False)
    rows = data.load_split(corpus, "heldout_test")
    assert [r["mode"] for r in rows] == list(HELDOUT_MODES)
    audio = data.load_audio(corpus, rows[0])
    assert audio.shape == (int(data.DURATION_S * SAMPLE_RATE),) and np.abs(audio).max() > 0.5
    assert data.build_corpus(seed=0, out_dir=corpus, limit=1, progress=False) == corpus  # complete: reused

    manifest = corpus / "base_train.jsonl"
    lines = manifest.read_text().splitlines()
    bad = json.loads(lines[1])
    bad["mode"] = "yaman"  # a held-out mode in a base split
    manifest.write_text("\n".join([lines[0], json.dumps(bad), *lines[2:]]) + "\n")
    with pytest.raises(DataError, match=r"base_train.jsonl:2: mode: 'yaman'"):
        data.load_split(corpus, "base_train")
    bad["mode"], bad["tempo_bpm"] = "kafi", "fast"
    manifest.write_text("\n".join([lines[0], json.dumps(bad)]) + "\n")
    with pytest.raises(DataError, match=r":2: tempo_bpm: expected int"):
        data.load_split(corpus, "base_train")
    with pytest.raises(DataError, match="split: 'dev'"):
        data.load_split(corpus, "dev")


def test_cli_reports_bad_limit(capsys, tmp_path):
    assert data.main(["--limit", "0", "--out-dir", str(tmp_path), "--quiet"]) == 2
    assert "limit" in capsys.readouterr().err
