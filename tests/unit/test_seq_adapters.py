"""Every audio-LM PEFT method through the same matrix on a tiny random MusicGen: outputs change after a step, the
trainable-parameter count matches its formula, save -> PeftModel.from_pretrained gives identical outputs,
disabling restores the base, two adapters side by side; plus the sequence adapters' own properties (zero-init
identity, size presets by parameter count, causal: cached generation equals uncached)."""

import copy

import pytest
import torch
from peft import get_peft_model
from transformers import MusicgenForConditionalGeneration

from cookbook.config import PeftConfig
from cookbook.models.tiny_musicgen import MusicgenSize, build_musicgen
from cookbook.peft_methods import PEFT_METHODS, methods_for
from cookbook.peft_methods.seq_adapters import SeqAdapterConfig, adapter_params
from cookbook.peft_methods.seq_adapters.config import SIZE_FRACTIONS

METHODS = ["lora", "conv_adapter", "transformer_adapter"]
SIZE = MusicgenSize(decoder_layers=3, max_positions=128)


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny_musicgen")
    build_musicgen(folder, SIZE, ["a slow melody in a mode on flute"], vocab_size=64)
    return folder


@pytest.fixture(scope="module")
def base_model(tiny_dir):
    return MusicgenForConditionalGeneration.from_pretrained(str(tiny_dir)).eval()


def _inputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.tensor([[4, 5, 6, 1], [7, 8, 1, 0]])
    return {"input_ids": ids, "attention_mask": (ids > 0).long() | torch.tensor([[1] * 4, [1, 1, 1, 0]]),
            "decoder_input_ids": torch.randint(0, SIZE.codebook_size, (2 * SIZE.num_codebooks, 12), generator=g)}


def _attach(base, method, **overrides):
    cfg = PeftConfig(r=4, alpha=8, dropout=0.0, **overrides)
    return PEFT_METHODS.get(method).attach_to(copy.deepcopy(base), cfg, "musicgen", 10)


def _step(model):
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    loss = model(**_inputs(1)).logits.float().pow(2).mean()
    loss.backward()
    opt.step()
    model.eval()


def _logits(model):
    with torch.no_grad():
        return model(**_inputs()).logits


def test_audio_lm_methods_are_registered():
    assert set(METHODS) <= set(methods_for("audio_lm"))


@pytest.mark.parametrize("method", METHODS)
def test_step_changes_outputs_and_disable_restores_base(base_model, method):
    model = _attach(base_model, method)
    base_out = _logits(base_model)
    assert torch.allclose(_logits(model), base_out, atol=1e-6)  # zero-init: starts as the base
    _step(model)
    assert not torch.allclose(_logits(model), base_out, atol=1e-5)
    with model.disable_adapter():
        assert torch.allclose(_logits(model), base_out, atol=1e-6)
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    assert all("text_encoder" in n or "audio_encoder" in n or "lora_" not in n for n in frozen)
    assert not any(p.requires_grad for n, p in model.named_parameters() if "audio_encoder" in n)


@pytest.mark.parametrize("method", METHODS)
def test_trainable_parameter_count_matches_formula(base_model, method):
    model = _attach(base_model, method)
    trainable, _ = model.get_nb_trainable_parameters()
    d, layers = SIZE.decoder_hidden, SIZE.decoder_layers
    if method == "lora":  # r (in + out) per adapted projection: 8 attention d x d, fc1 d -> 4d, fc2 4d -> d
        expected = layers * 4 * (8 * (d + d) + 2 * (d + 4 * d))
    else:
        config = model.peft_config["default"]
        expected = layers * adapter_params(config.adapter_type, d, config.bottleneck, config.kernel_size)
    assert trainable == expected


@pytest.mark.parametrize("method", METHODS)
def test_save_load_round_trip_identical(base_model, method, tmp_path):
    model = _attach(base_model, method)
    _step(model)
    PEFT_METHODS.get(method).save(model, tmp_path / "adapter", "tiny")
    loaded = PEFT_METHODS.get(method).load(copy.deepcopy(base_model), tmp_path / "adapter")
    assert torch.equal(_logits(loaded.model), _logits(model))
    with loaded.base_mode():
        assert torch.allclose(_logits(loaded.model), _logits(base_model), atol=1e-6)


@pytest.mark.parametrize("adapter_type", ["conv", "transformer"])
def test_two_adapters_side_by_side(base_model, adapter_type):
    model = get_peft_model(copy.deepcopy(base_model), SeqAdapterConfig(adapter_type=adapter_type, init_weights=False))
    first = _logits(model)
    model.add_adapter("second", SeqAdapterConfig(adapter_type=adapter_type, init_weights=False, size="small"))
    assert torch.equal(_logits(model), first)  # adding does not activate it
    model.set_adapter("second")
    second = _logits(model)
    assert not torch.allclose(second, first)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(".second." in n for n in trainable)
    model.set_adapter("default")
    assert torch.equal(_logits(model), first)


@pytest.mark.parametrize("adapter_type", ["conv", "transformer"])
def test_size_presets_grow_within_their_budget(base_model, adapter_type):
    layer_params = sum(p.numel() for p in base_model.decoder.model.decoder.layers[0].parameters())
    counts = []
    for size in ("small", "medium", "large"):
        model = get_peft_model(copy.deepcopy(base_model), SeqAdapterConfig(adapter_type=adapter_type, size=size))
        b = model.peft_config["default"].bottleneck
        per_layer = adapter_params(adapter_type, SIZE.decoder_hidden, b)
        assert per_layer <= SIZE_FRACTIONS[size] * layer_params or b == 1
        assert adapter_params(adapter_type, SIZE.decoder_hidden, b + 1) > SIZE_FRACTIONS[size] * layer_params
        counts.append(model.get_nb_trainable_parameters()[0])
    assert counts[0] < counts[1] < counts[2]


def test_adapter_layers_selects_where_adapters_go(base_model):
    model = _attach(base_model, "conv_adapter", adapter_layers=[0, 2])
    adapted = {n.split(".seqadapter_blocks")[0] for n, _ in model.named_parameters() if "seqadapter_" in n}
    assert adapted == {f"base_model.model.decoder.model.decoder.layers.{i}" for i in (0, 2)}


@pytest.mark.parametrize("adapter_type", ["conv", "transformer"])
def test_adapters_are_causal_cached_generation_matches_uncached(base_model, adapter_type):
    model = get_peft_model(copy.deepcopy(base_model), SeqAdapterConfig(adapter_type=adapter_type, init_weights=False,
                                                                        kernel_size=3)).eval()
    ids = torch.tensor([[4, 5, 6, 1]])
    kwargs = dict(input_ids=ids, max_new_tokens=10, do_sample=False, guidance_scale=None, return_dict_in_generate=True,
                  output_scores=True)
    cached = model.generate(**kwargs, use_cache=True)
    uncached = model.generate(**kwargs, use_cache=False)
    assert torch.equal(cached.sequences, uncached.sequences)
    for a, b in zip(cached.scores, uncached.scores, strict=True):
        assert torch.allclose(a, b, atol=1e-4)
    with pytest.raises(NotImplementedError):
        model.merge_and_unload()
