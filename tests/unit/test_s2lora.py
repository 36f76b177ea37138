"""S2-LoRA (Sparsely Shared LoRA) as a peft method, on a tiny random Whisper."""

import warnings

import pytest
import torch
from peft import PeftModel, get_peft_model
from safetensors.torch import load_file
from transformers import WhisperConfig, WhisperForConditionalGeneration

import cookbook.peft_methods.s2lora  # noqa: F401  (registers the method with peft)
from cookbook.peft_methods.s2lora import S2LoraConfig, S2LoraLayer

R = 4
TARGETS = ["q_proj", "v_proj", "fc1"]


def make_base():
    torch.manual_seed(0)
    cfg = WhisperConfig(vocab_size=100, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
                        decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, max_source_positions=32,
                        max_target_positions=32, num_mel_bins=8, pad_token_id=0, bos_token_id=1, eos_token_id=2,
                        decoder_start_token_id=1)
    return WhisperForConditionalGeneration(cfg).eval()


def make(**kw):
    base = make_base()
    return get_peft_model(base, S2LoraConfig(r=R, lora_alpha=8, target_modules=TARGETS, **kw)).eval()


def inputs():
    g = torch.Generator().manual_seed(1)
    return {"input_features": torch.randn(2, 8, 64, generator=g),
            "decoder_input_ids": torch.randint(3, 100, (2, 5), generator=g)}


def logits(model):
    with torch.no_grad():
        return model(**inputs()).logits


def s2_layers(model):
    return {n: m for n, m in model.named_modules() if isinstance(m, S2LoraLayer)}


def randomize(model, adapter="default", seed=3):
    """Make the adapter non-trivial (B is zero at init)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for bank in (model.base_model.s2lora_A[adapter], model.base_model.s2lora_B[adapter]):
            for p in bank.values():
                p.copy_(torch.randn(p.shape, generator=g) * 0.3)
        for layer in s2_layers(model).values():
            if adapter in layer.s2lora_c:
                layer.s2lora_c[adapter].copy_(torch.rand(R, generator=g) + 0.5)


def test_identity_at_init():
    ref = logits(make_base())
    model = make()
    assert len(s2_layers(model)) == 16  # enc 2x(q,v,fc1) + dec 2x(self q,v + cross q,v + fc1)
    assert torch.equal(logits(model), ref)


def test_trainable_param_count_matches_formula():
    model = make()
    layers = s2_layers(model)
    groups = {(m.in_features, m.out_features) for m in layers.values()}
    assert groups == {(32, 32), (32, 64)}
    expected = sum(R * (i + o) for i, o in groups) + R * len(layers)
    trainable, _ = model.get_nb_trainable_parameters()
    assert trainable == expected
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == expected


def test_one_step_with_l1_changes_output():
    model = make()
    before = logits(model)
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    labels = torch.randint(3, 100, (2, 5), generator=torch.Generator().manual_seed(2))
    out = model(input_features=inputs()["input_features"], labels=labels)
    loss = out.loss + model.s2lora_l1_penalty()
    loss.backward()
    shared = model.base_model.s2lora_B["default"]["in32_out32"]
    assert shared.grad is not None and shared.grad.abs().sum() > 0
    opt.step()
    model.eval()
    assert not torch.allclose(logits(model), before)


def test_l1_penalty_value():
    model = make(l1_weight=0.05)
    randomize(model)
    expected = 0.05 * sum(m.s2lora_c["default"].abs().sum() for m in s2_layers(model).values())
    pen = model.s2lora_l1_penalty()
    assert pen.dim() == 0 and pen.requires_grad
    torch.testing.assert_close(pen, expected)


def test_rank_usage_shrinks_to_zero():
    model = make()
    usage = model.s2lora_rank_usage()
    assert set(usage.values()) == {R}
    # keys are module names relative to the wrapped transformers model
    assert set(usage) == set(s2_layers(model.base_model.model))
    name, layer = next(iter(s2_layers(model.base_model.model).items()))
    with torch.no_grad():
        layer.s2lora_c["default"].zero_()
    usage = model.s2lora_rank_usage(threshold=1e-3)
    assert usage[name] == 0
    assert sum(v == R for v in usage.values()) == len(usage) - 1


def test_save_load_roundtrip(tmp_path):
    model = make()
    randomize(model)
    ref = logits(model)
    model.save_pretrained(tmp_path)
    sd = load_file(str(tmp_path / "adapter_model.safetensors"))
    a_keys = [k for k in sd if "s2lora_A" in k]
    b_keys = [k for k in sd if "s2lora_B" in k]
    assert sorted(a_keys) == ["base_model.s2lora_A.in32_out32", "base_model.s2lora_A.in32_out64"]
    assert sorted(b_keys) == ["base_model.s2lora_B.in32_out32", "base_model.s2lora_B.in32_out64"]
    assert sum("s2lora_c" in k for k in sd) == 16
    assert len(sd) == 4 + 16

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = PeftModel.from_pretrained(make_base(), tmp_path).eval()
    assert not [w for w in caught if "missing" in str(w.message).lower()]
    assert torch.equal(logits(loaded), ref)
    assert not any(p.requires_grad for p in loaded.parameters())


def test_disable_adapter_restores_base():
    ref = logits(make_base())
    model = make()
    randomize(model)
    assert not torch.allclose(logits(model), ref)
    with model.disable_adapter():
        torch.testing.assert_close(logits(model), ref)


def test_merge_and_unload_matches():
    model = make()
    randomize(model)
    ref = logits(model)
    layer = next(iter(s2_layers(model).values()))
    w0 = layer.get_base_layer().weight.detach().clone()
    model.merge_adapter()
    torch.testing.assert_close(logits(model), ref, atol=1e-5, rtol=1e-5)
    model.unmerge_adapter()
    torch.testing.assert_close(layer.get_base_layer().weight, w0, atol=1e-6, rtol=1e-6)
    merged = model.merge_and_unload()
    assert not s2_layers(merged)
    torch.testing.assert_close(logits(merged), ref, atol=1e-5, rtol=1e-5)


def test_two_adapters_side_by_side():
    model = make()
    model.add_adapter("other", S2LoraConfig(r=R, lora_alpha=8, target_modules=TARGETS))
    assert set(model.base_model.s2lora_A) == {"default", "other"}
    randomize(model, "default", seed=3)
    randomize(model, "other", seed=4)
    # only the active adapter's shared matrices train
    assert model.base_model.s2lora_A["default"]["in32_out32"].requires_grad
    assert not model.base_model.s2lora_A["other"]["in32_out32"].requires_grad
    out_default = logits(model)
    model.set_adapter("other")
    assert model.base_model.s2lora_A["other"]["in32_out32"].requires_grad
    assert not model.base_model.s2lora_A["default"]["in32_out32"].requires_grad
    out_other = logits(model)
    assert not torch.allclose(out_default, out_other)
    model.set_adapter("default")
    torch.testing.assert_close(logits(model), out_default)


def test_config_validation():
    with pytest.raises(ValueError):
        S2LoraConfig(r=0, target_modules=TARGETS)
    with pytest.raises(ValueError):
        S2LoraConfig(r=4, target_modules=TARGETS, bias="all")
