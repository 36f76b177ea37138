"""The folded LoRA forward (cookbook/tasks/text/lean_lora.py) equals peft's in outputs and gradients, falls back to
peft's forward where it does not apply, and leaves the saved adapter loadable by plain PeftModel.from_pretrained."""

import copy

import torch
from peft import LoraConfig, PeftModel, get_peft_model

from cookbook.models import load_model, resolve_model
from cookbook.tasks.text.lean_lora import use_lean_lora

FP32_TOLERANCE = 1e-5


def _lora_model(dropout=0.0):
    torch.manual_seed(0)
    model = get_peft_model(load_model(resolve_model("tiny-gemma3")),
                           LoraConfig(r=4, lora_alpha=8, lora_dropout=dropout, task_type="CAUSAL_LM",
                                      target_modules=["q_proj", "v_proj", "up_proj", "down_proj"]))
    for name, p in model.named_parameters():
        if "lora_B" in name:
            torch.nn.init.normal_(p, std=0.1)  # peft starts B at zero: make the adapter term count
    return model


def _loss_and_grads(model, ids):
    model.zero_grad()
    out = model(input_ids=ids, labels=ids)
    out.loss.backward()
    return out.logits.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}


def test_lean_lora_equals_peft_in_outputs_and_gradients():
    peft_model = _lora_model()
    lean = copy.deepcopy(peft_model)
    assert use_lean_lora(lean) == 8  # 4 target modules x 2 layers
    ids = torch.randint(5, peft_model.config.vocab_size, (2, 9))
    (za, ga), (zb, gb) = _loss_and_grads(peft_model, ids), _loss_and_grads(lean, ids)
    assert torch.allclose(za, zb, atol=FP32_TOLERANCE, rtol=0)
    assert ga.keys() == gb.keys() and len(ga) == 16
    for name in ga:
        assert torch.allclose(ga[name], gb[name], atol=FP32_TOLERANCE, rtol=1e-4), name
    q = lean.base_model.model.model.layers[0].self_attn.q_proj
    assert type(q(torch.randn(3, q.in_features, requires_grad=True)).grad_fn).__name__ == "_LoraLinearBackward"


def test_lean_lora_falls_back_to_peft_with_dropout_or_disabled_adapters():
    model = _lora_model(dropout=0.1)
    use_lean_lora(model)
    q = model.base_model.model.model.layers[0].self_attn.q_proj
    x = torch.randn(3, q.in_features, requires_grad=True)
    assert type(q(x).grad_fn).__name__ != "_LoraLinearBackward"  # dropout: peft's forward
    model.eval()
    with model.disable_adapter():
        assert torch.equal(q(x), q.get_base_layer()(x))


def test_saved_adapter_loads_in_plain_peft(tmp_path):
    lean = _lora_model()
    use_lean_lora(lean)
    ids = torch.randint(5, lean.config.vocab_size, (1, 7))
    lean.save_pretrained(str(tmp_path))
    lean.eval()
    expected = lean(input_ids=ids).logits
    loaded = PeftModel.from_pretrained(load_model(resolve_model("tiny-gemma3")), str(tmp_path)).eval()
    assert torch.allclose(loaded(input_ids=ids).logits, expected, atol=FP32_TOLERANCE, rtol=0)
