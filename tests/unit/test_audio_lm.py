"""The audio-LM kind's pieces on a tiny random MusicGen: delay pattern and its masking, the codebook loss, CFG
dropout, the non-finite-loss stop, and loading a saved checkpoint by path (and the errors when that fails)."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from transformers import MusicgenForConditionalGeneration

from cookbook.errors import ModelSourceError
from cookbook.models.resolve import resolve_model
from cookbook.models.tiny_musicgen import MusicgenSize, build_musicgen, musicgen_config
from cookbook.tasks.audio_lm.audio import load_clip, write_wav
from cookbook.tasks.audio_lm.codes import codebook_cross_entropy, delayed_inputs_and_labels, encode_audio
from cookbook.tasks.audio_lm.data import MusicCollator
from cookbook.tasks.audio_lm.model import load_musicgen
from cookbook.tasks.audio_lm.train import AudioLmTrainer, NonFiniteLoss

SIZE = MusicgenSize(max_positions=128)


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny_musicgen")
    build_musicgen(folder, SIZE, ["a slow melody on flute", "a lively tune over a drone"], vocab_size=64)
    return folder


@pytest.fixture(scope="module")
def loaded(tiny_dir):
    return load_musicgen(resolve_model(str(tiny_dir)))


def test_delay_pattern_shifts_codebook_k_by_k_and_masks_pads(loaded):
    model, _, _ = loaded
    pad = model.decoder.config.pad_token_id
    codes = torch.arange(2 * 4 * 5).reshape(2, 4, 5) % 60
    codes[1, :, 3:] = pad  # the second clip is 3 frames long
    inputs, labels = delayed_inputs_and_labels(model.decoder, codes)
    assert inputs.shape == (8, 5 + 4 - 1) and labels.shape == (2, 4, 8)
    inputs = inputs.reshape(2, 4, 8)
    for k in range(4):
        assert torch.equal(labels[0, k, k:k + 5], codes[0, k])  # codebook k's codes start k steps late
        assert (labels[0, k, :k] == -100).all() and (labels[0, k, k + 5:] == -100).all()
        assert torch.equal(labels[1, k, k:k + 3], codes[1, k, :3]) and (labels[1, k, k + 3:] == -100).all()
        assert inputs[0, k, 0] == pad  # BOS (MusicGen's BOS is its pad id)
        assert torch.equal(inputs[0, k, k + 1:k + 5], codes[0, k, :4])  # inputs are the labels shifted right
    assert ((labels == -100) | (labels < pad)).all()


def test_codebook_loss_is_the_mean_of_per_codebook_losses_over_real_labels():
    torch.manual_seed(0)
    logits = torch.randn(2 * 3, 5, 7)
    labels = torch.randint(0, 7, (2, 3, 5))
    labels[0, 1, :2] = -100
    loss, n = codebook_cross_entropy(logits, labels)
    per = logits.reshape(2, 3, 5, 7)
    manual = np.mean([torch.nn.functional.cross_entropy(per[:, k].reshape(-1, 7), labels[:, k].reshape(-1),
                                                        ignore_index=-100).item() for k in range(3)])
    assert abs(loss.item() - manual) < 1e-6 and n == 30 - 2


def test_collator_pads_codes_and_drops_text_for_cfg(loaded):
    model, tok, _ = loaded
    items = [{"text": "a slow melody", "codes": torch.zeros(4, 6, dtype=torch.long)},
             {"text": "a lively tune over a drone", "codes": torch.ones(4, 3, dtype=torch.long)}]
    kept = MusicCollator(tok, model.decoder, cfg_dropout=0.0)(items)
    assert kept["attention_mask"].sum() > 0 and kept["decoder_input_ids"].shape == (8, 9)
    assert (kept["labels"][1, 0, 3:] == -100).all() and (kept["labels"][1, 0, :3] == 1).all()
    dropped = MusicCollator(tok, model.decoder, cfg_dropout=1.0)(items)
    assert dropped["attention_mask"].sum() == 0 and torch.equal(dropped["input_ids"], kept["input_ids"])
    out = model(**{k: v for k, v in dropped.items() if k != "labels"})
    loss, _ = codebook_cross_entropy(out.logits, dropped["labels"])
    assert torch.isfinite(loss)  # fully unconditional rows stay finite


def test_non_finite_loss_stops_with_a_message():
    class NanModel(torch.nn.Module):
        training = True

        def forward(self, **inputs):
            return SimpleNamespace(logits=torch.full((4, 3, 5), float("nan")))

    trainer = object.__new__(AudioLmTrainer)
    trainer.tokens_seen, trainer.penalty, trainer.model = 0, lambda m: 0.0, None
    trainer.state = SimpleNamespace(global_step=7)
    with pytest.raises(NonFiniteLoss, match="non-finite training loss .* step 7: lower train.lr"):
        trainer.compute_loss(NanModel(), {"labels": torch.zeros(1, 4, 3, dtype=torch.long)})


def test_encode_audio_gives_codes_in_range(loaded, tmp_path):
    model, _, rate = loaded
    t = np.arange(rate // 2) / rate
    write_wav(tmp_path / "a.wav", 0.5 * np.sin(2 * np.pi * 220 * t), rate // 2)  # half the rate: resampled
    audio = torch.from_numpy(load_clip(tmp_path / "a.wav", rate, max_seconds=0.5))
    assert audio.shape == (rate // 2,)
    codes = encode_audio(model, audio[None])
    frames = int(np.ceil(0.5 * model.config.audio_encoder.frame_rate))
    assert codes.shape == (1, SIZE.num_codebooks, frames) and int(codes.max()) < SIZE.codebook_size


def test_saved_checkpoint_loads_by_path(tiny_dir, loaded):
    model, tok, rate = loaded
    assert isinstance(model, MusicgenForConditionalGeneration) and rate == SIZE.sampling_rate
    assert model.decoder.num_codebooks == SIZE.num_codebooks and tok("a slow melody").input_ids[-1] == 1
    resolved = resolve_model(str(tiny_dir))
    assert resolved.source == "local"


def test_load_errors_are_one_line(tmp_path, monkeypatch):
    (tmp_path / "config.json").write_text('{"model_type": "t5"}')
    with pytest.raises(ModelSourceError, match="not MusicGen"):
        load_musicgen(resolve_model(str(tmp_path)))

    def offline(*args, **kwargs):
        raise OSError("We couldn't connect to 'https://huggingface.co'")

    monkeypatch.setattr("transformers.AutoConfig.from_pretrained", offline)
    with pytest.raises(ModelSourceError, match="MODEL=/path/to/folder"):
        resolve_model("facebook/musicgen-small")


@pytest.mark.parametrize("codebooks,ratios", [(4, (8, 5, 4, 4)), (2, (8, 4)), (8, (8, 5, 4, 4))])
def test_codebook_count_comes_out_as_asked(codebooks, ratios):
    size = MusicgenSize(num_codebooks=codebooks, upsampling_ratios=ratios)
    assert musicgen_config(size, 32).audio_encoder.num_quantizers == codebooks


def test_tiny_musicgen_word_list_names_no_domain_vocabulary():
    """cookbook/ never names a domain: the random test model's tokenizer words share none with the music domain's
    own vocabulary (its name, its descriptions' musical nouns, its modes, families and instruments)."""
    from cookbook.models.tiny_musicgen import GENERIC_TEXT
    from domains.music.modes import MODES
    from domains.music.synth import INSTRUMENTS

    domain_words = {"music", "musical", "song", "melody", "tune", "piece", "drone", "bpm", "tempo", "metre", "beats",
                    "cycle", "rhythm", "scale", "mode", "flute", "strings", "drums", "piano", "voice"}
    domain_words |= set(MODES) | {m.family for m in MODES.values()}
    domain_words |= {name for per in INSTRUMENTS.values() for name in per.values()}
    assert not set(GENERIC_TEXT.lower().split()) & domain_words
