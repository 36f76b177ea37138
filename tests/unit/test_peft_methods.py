"""Every registered PEFT method goes through the same checks on the tiny Gemma 3 (peft's test-matrix habit)."""

import pytest
import torch
from peft import PeftModel, get_peft_model

from cookbook.config import PeftConfig
from cookbook.models import load_model, resolve_model
from cookbook.models.resolve import bnb_4bit_available
from cookbook.peft_methods import PEFT_METHODS, build_peft_config

METHODS = [m for m in PEFT_METHODS.names() if PEFT_METHODS.get(m).supports("text")]  # BitFit: test_asr_methods


def make(method: str):
    spec = PEFT_METHODS.get(method)
    if spec.quantize_4bit and not bnb_4bit_available()[0]:
        pytest.skip("bitsandbytes 4-bit not usable on this machine")
    torch.manual_seed(0)
    base = load_model(resolve_model("tiny-gemma3"), quantize_4bit=spec.quantize_4bit)
    cfg = build_peft_config(PeftConfig(r=4, alpha=8, dropout=0.0, num_virtual_tokens=4, num_salient=8), method,
                            base.config.model_type, total_steps=20)
    model = get_peft_model(base, cfg)
    spec.calibrate(model, iter([{"input_ids": batch(), "attention_mask": torch.ones_like(batch())}]))  # the hook
    return model


def batch():
    torch.manual_seed(1)
    return torch.randint(5, 400, (2, 10))


def train_step(model, ids):
    model.train()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.5)
    loss = model(input_ids=ids, labels=ids).loss
    loss.backward()
    opt.step()
    opt.zero_grad()
    model.eval()


@pytest.mark.parametrize("method", METHODS)
def test_method_trains_saves_and_reloads(method, tmp_path):
    model = make(method)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    assert 0 < trainable < total * 0.5
    ids = batch()
    with torch.no_grad():
        before = model(input_ids=ids).logits.clone()
    train_step(model, ids)
    with torch.no_grad():
        after = model(input_ids=ids).logits.clone()
    assert not torch.allclose(before, after), "one optimizer step must change the outputs"
    if method != "prompt_tuning":
        with torch.no_grad(), model.disable_adapter():
            base_out = model(input_ids=ids).logits
        assert not torch.allclose(base_out, after)
    model.save_pretrained(tmp_path / "adapter")
    spec = PEFT_METHODS.get(method)
    reloaded = PeftModel.from_pretrained(load_model(resolve_model("tiny-gemma3"), quantize_4bit=spec.quantize_4bit),
                                         str(tmp_path / "adapter"))
    reloaded.eval()
    with torch.no_grad():
        assert torch.allclose(reloaded(input_ids=ids).logits, after, atol=1e-5)


def test_lora_targets_all_gemma_linear_projections():
    model = make("lora")
    targets = set(model.peft_config["default"].target_modules)
    assert targets == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}


def test_qlora_base_is_really_4bit():
    if not bnb_4bit_available()[0]:
        pytest.skip("bitsandbytes 4-bit not usable on this machine")
    import bitsandbytes as bnb

    model = make("qlora")
    assert any(isinstance(m, bnb.nn.Linear4bit) for m in model.modules())
    assert model.base_model.model.model.layers[0].self_attn.q_proj.base_layer.weight.quant_type == "nf4"
