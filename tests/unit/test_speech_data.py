"""The offline speech corpus: format, reproducibility from the seed, split hygiene, resumed builds, validation.

Builds use `limit` (a few sentences per group) into tmp_path, so only ~15 utterances are synthesized each."""

import json
import shutil
import subprocess
import wave

import numpy as np
import pytest

from cookbook.errors import CookbookError, DataError
from domains.speech import data as corpus_data
from domains.speech.data import (
    ADULT_VOICES,
    SPLITS,
    TRAIN_VOICES,
    UNSEEN_CHILD_VOICES,
    build_corpus,
    load_audio,
    load_split,
    plan,
)
from domains.speech.sentences import adult_sentences, child_sentences, normalize, problems

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None or shutil.which("sox") is None,
                                reason="needs espeak-ng and sox (apt-get install espeak-ng sox; .ci/run does)")
LIMIT = 3


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_corpus(seed=0, out_dir=tmp_path_factory.mktemp("corpus"), limit=LIMIT, progress=False)


def files(corpus_dir):
    return {p.relative_to(corpus_dir).as_posix(): p.read_bytes() for p in sorted(corpus_dir.rglob("*")) if p.is_file()}


def test_sentence_lists_are_clean():
    assert len(child_sentences()) >= 260 and len(adult_sentences()) >= 80
    assert problems(child_sentences(), "child") == [] and problems(adult_sentences(), "adult") == []
    assert not {normalize(s) for s in child_sentences()} & {normalize(s) for s in adult_sentences()}
    # the checker itself finds each kind of problem
    found = problems(["My dog can dig.", "my DOG can dig", "I am 5 years old.", "Caf\u00e9 time now.", "Hi."], "child")
    assert [p.split(": ")[1] for p in found] == ["duplicate of #1", "contains a digit (write numbers in words)",
                                                 "not plain ASCII", "1 words, expected 3-12"]


def test_full_plan_sizes_and_split_hygiene():
    splits = plan(seed=0)
    assert [len(splits[s]) for s in SPLITS] == [420, 50, 100]
    train_texts = {normalize(u.text) for u in splits["train"]}
    assert len(train_texts) == 210
    test_child = [u for u in splits["test_in"] + splits["test_out"] if u.sentence_set == "child"]
    assert not train_texts & {normalize(u.text) for u in test_child}
    assert {u.voice for u in splits["train"]} <= set(TRAIN_VOICES) and {u.voice for u in splits["test_in"]} <= set(
        TRAIN_VOICES)
    out_child = [u for u in splits["test_out"] if u.speaker_type == "child-like"]
    out_adult = [u for u in splits["test_out"] if u.speaker_type == "adult-like"]
    assert len(out_child) == len(out_adult) == 50 and all(u.sentence_set == "adult" for u in out_adult)
    # unseen voices: neither the language nor the variant of any test_out child voice occurs in train
    train_langs, train_variants = ({v.split("+")[i] for v in TRAIN_VOICES} for i in (0, 1))
    for u in out_child:
        lang, variant = u.voice.split("+")
        assert lang not in train_langs and variant not in train_variants
    assert not {u.voice for u in splits["test_out"]} & {u.voice for u in splits["train"]}
    # the two renders of a train sentence use different voices
    assert all(a.voice != b.voice for a, b in zip(splits["train"][::2], splits["train"][1::2], strict=True))
    assert all(u.pitch >= 65 for u in splits["train"]) and all(u.pitch <= 55 for u in out_adult)
    # a limited plan is a prefix of the full one (same ids and settings)
    small = plan(seed=0, limit=LIMIT)
    for split in SPLITS:
        assert all(u in splits[split] for u in small[split])


@pytest.mark.parametrize("voice", [v for v in TRAIN_VOICES + UNSEEN_CHILD_VOICES + ADULT_VOICES if "+" in v])
def test_every_voice_variant_takes_effect(voice):
    """espeak-ng ignores some variants silently (e.g. `en-gb+f2` speaks plain en-gb): each must change the sound."""
    lang = voice.split("+")[0]

    def speak(v):
        return subprocess.run(["espeak-ng", "-v", v, "--stdout", "a red cup"], capture_output=True, check=True).stdout

    assert speak(voice) != speak(lang)


def test_wavs_are_16k_mono_int16_and_match_manifest(corpus):
    for split in SPLITS:
        rows = load_split(corpus, split)
        expected = {"train": 2 * LIMIT, "test_in": LIMIT, "test_out": 2 * LIMIT}[split]
        assert len(rows) == expected
        for row in rows:
            with wave.open(str(corpus / row["audio"]), "rb") as fh:
                assert (fh.getframerate(), fh.getnchannels(), fh.getsampwidth()) == (16000, 1, 2)
                assert row["duration_s"] == round(fh.getnframes() / 16000, 3)
            assert 0.5 < row["duration_s"] < 8.0
            audio = load_audio(corpus, row)
            assert audio.dtype == np.float32 and 0.5 < np.abs(audio).max() <= 1.0
            # noise is there but mild: the quietest 10% of 20 ms frames sit well below the loudest 10%
            frames = np.sqrt(np.mean(audio[: len(audio) // 320 * 320].reshape(-1, 320) ** 2, axis=1))
            assert 12 < 20 * np.log10(np.quantile(frames, 0.9) / np.quantile(frames, 0.1)) < 60


def test_same_seed_is_byte_identical_and_another_seed_differs(corpus, tmp_path):
    again = build_corpus(seed=0, out_dir=tmp_path / "again", limit=LIMIT, progress=False)
    assert files(again) == files(corpus)
    other = build_corpus(seed=1, out_dir=tmp_path / "other", limit=LIMIT, progress=False)
    assert (other / "train.jsonl").read_bytes() != (corpus / "train.jsonl").read_bytes()
    assert set(files(other).values()).isdisjoint({v for k, v in files(corpus).items() if k.endswith(".wav")})


def test_partial_build_is_rebuilt_and_complete_one_returned_as_is(corpus, tmp_path, monkeypatch):
    work = tmp_path / "c"
    shutil.copytree(corpus, work)
    before = files(work)
    (work / "test_in.jsonl").unlink()
    (work / "train" / "train-001-a.wav").unlink()
    (work / "train" / "train-000-b.wav").write_bytes(b"RIFF")  # half a file from a hard kill
    assert build_corpus(seed=0, out_dir=work, limit=LIMIT, progress=False) == work
    assert files(work) == before

    def no_synthesis(*_args, **_kw):
        raise AssertionError("a complete corpus must not be synthesized again")

    monkeypatch.setattr(corpus_data, "render", no_synthesis)
    assert build_corpus(seed=0, out_dir=work, limit=LIMIT, progress=False) == work


def test_bad_manifest_row_gives_located_error(corpus, tmp_path):
    work = tmp_path / "c"
    shutil.copytree(corpus, work)
    path = work / "test_in.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows[1]["pitch"] = "high"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(DataError, match=r"test_in\.jsonl:2: pitch: expected int, got str$"):
        load_split(work, "test_in")
    rows[1]["pitch"] = 70
    rows[2]["audio"] = "test_in/missing.wav"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(DataError, match=r"test_in\.jsonl:3: audio: 'test_in/missing.wav' not found"):
        load_split(work, "test_in")
    # an invalid manifest means an incomplete corpus: the build repairs it
    build_corpus(seed=0, out_dir=work, limit=LIMIT, progress=False)
    assert load_split(work, "test_in") == load_split(corpus, "test_in")


def test_missing_tools_give_one_line_hint(tmp_path, monkeypatch):
    monkeypatch.setattr("domains.speech.synth.shutil.which", lambda tool: None if tool == "sox" else "/usr/bin/x")
    with pytest.raises(CookbookError, match=r"not found: sox \(install them with `apt-get install espeak-ng sox`\)"):
        build_corpus(seed=0, out_dir=tmp_path / "c", limit=1, progress=False)
