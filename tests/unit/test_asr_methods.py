"""The ASR comparison's methods (LoRA, AdaLoRA, S2-LoRA, BitFit) on a tiny random Whisper, built exactly as the ASR
trainer builds them (cookbook.tasks.asr.train.attach_method): peft's test-matrix checks, plus the parameter-count
formula of each method."""

import pytest
import torch
from torch import nn

from cookbook.config import load_config
from cookbook.paths import repo_root
from cookbook.peft_methods.bitfit import base_biases, load_bitfit, save_bitfit
from cookbook.tasks.asr.train import attach_method
from tests.unit.test_s2lora import make_base  # the same tiny random Whisper

METHODS = ["lora", "adalora", "s2lora", "bitfit"]
TARGETS = ("q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2")
R = 4


def run_config(method):
    return load_config(repo_root() / "domains/speech/configs/tiny.yaml",
                       [f"peft.method={method}", f"peft.r={R}", "peft.dropout=0.0", "train.max_steps=20"])


def make(method):
    return attach_method(make_base(), run_config(method), method)


def inputs():
    g = torch.Generator().manual_seed(1)
    return {"input_features": torch.randn(2, 8, 64, generator=g),
            "decoder_input_ids": torch.randint(3, 100, (2, 5), generator=g)}


def logits(model):
    model.eval()
    with torch.no_grad():
        return model(**inputs()).logits.clone()


def train_step(model):
    model.train()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.5)
    x = inputs()
    labels = torch.randint(3, 100, (2, 5), generator=torch.Generator().manual_seed(2))
    for _ in range(5):  # B (LoRA) / lora_E (AdaLoRA) start at zero: later steps move the output
        loss = model(input_features=x["input_features"], labels=labels).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
    model.eval()


def targeted_linears(base):
    return [m for n, m in base.named_modules() if isinstance(m, nn.Linear) and n.split(".")[-1] in TARGETS]


def expected_trainable(method):
    base = make_base()
    lin = targeted_linears(base)
    if method == "lora":
        return sum(R * (m.in_features + m.out_features) for m in lin)
    if method == "adalora":  # A (r x in), B (out x r), E (r x 1) at init_r = r + 4
        init_r = R + 4
        return sum(init_r * (m.in_features + m.out_features + 1) for m in lin)
    if method == "s2lora":  # one A/B per distinct (in, out) shape, one length-r vector per layer
        shapes = {(m.in_features, m.out_features) for m in lin}
        return sum(R * (i + o) for i, o in shapes) + R * len(lin)
    return sum(p.numel() for n, p in base.named_parameters() if n.endswith(".bias"))


@pytest.mark.parametrize("method", METHODS)
def test_trainable_parameters_match_the_formula(method):
    model = make(method)
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == expected_trainable(method)


@pytest.mark.parametrize("method", METHODS)
def test_step_changes_output_and_disable_restores_base(method):
    base_out = logits(make_base())
    model = make(method)
    assert torch.allclose(logits(model), base_out, atol=1e-6), "a fresh adapter must not change the output"
    if method == "bitfit":
        original = {n: p.detach().clone() for n, p in model.named_parameters() if n.endswith(".bias")}
    train_step(model)
    tuned = logits(model)
    assert (tuned - base_out).abs().max() > 1e-5  # fp32 noise is ~1e-7; AdaLoRA moves ~1.6e-5
    ctx = base_biases(model, original) if method == "bitfit" else model.disable_adapter()
    with ctx:
        assert torch.allclose(logits(model), base_out, atol=1e-5)
    assert torch.allclose(logits(model), tuned, atol=1e-6), "leaving the context restores the adaptation"


@pytest.mark.parametrize("method", METHODS)
def test_save_and_reload_give_identical_outputs(method, tmp_path):
    model = make(method)
    train_step(model)
    tuned = logits(model)
    if method == "bitfit":
        save_bitfit(model, tmp_path, "tiny")
        fresh = make_base()
        load_bitfit(fresh, tmp_path)
    else:
        from peft import PeftModel

        model.save_pretrained(str(tmp_path))
        fresh = PeftModel.from_pretrained(make_base(), str(tmp_path))
    assert torch.allclose(logits(fresh), tuned, atol=1e-6)


@pytest.mark.parametrize("method", ["lora", "adalora", "s2lora"])
def test_merged_equals_unmerged(method):
    model = make(method)
    train_step(model)
    tuned = logits(model)
    merged = model.merge_and_unload()
    assert torch.allclose(logits(merged), tuned, atol=1e-5)


@pytest.mark.parametrize("method", ["lora", "s2lora"])
def test_two_adapters_side_by_side(method):
    model = make(method)
    train_step(model)
    first = logits(model)
    from cookbook.peft_methods import build_peft_config

    model.add_adapter("second", build_peft_config(run_config(method).peft, method, "whisper", 20))
    model.set_adapter("second")
    second = logits(model)
    assert torch.allclose(second, logits(make_base()), atol=1e-6), "a new adapter starts as the identity"
    model.set_adapter("default")
    assert torch.allclose(logits(model), first, atol=1e-6)
