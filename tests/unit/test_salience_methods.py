"""GIFT-SW and SCT through the peft-style matrix, on the tiny Gemma 3 and a tiny Qwen2 built from its config: the
calibration pass picks channels by the documented metric, outputs start at the base and change after a step, the
trainable count matches the formula, save -> from_pretrained (no data) gives identical outputs, disabling restores
the base, merging is exact, and two adapters live side by side."""

import math

import pytest
import torch
from peft import PeftModel, get_peft_model

from cookbook.config import PeftConfig
from cookbook.models import load_model, resolve_model
from cookbook.peft_methods import PEFT_METHODS, build_peft_config
from cookbook.peft_methods.gift_sw import GiftSwConfig, GiftSwLayer
from cookbook.peft_methods.gift_sw import Linear as GiftSwLinear
from cookbook.peft_methods.gift_sw.layer import quantization_perturbation
from cookbook.peft_methods.sct import Linear as SctLinear
from cookbook.peft_methods.sct import SctConfig, SctLayer, salient_channel_count

METHODS = ["gift_sw", "sct"]
ARCHS = ["gemma3", "qwen2"]
PEFT_CFG = PeftConfig(num_salient=6, channel_fraction=0.25)


def tiny_qwen2():
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(0)
    return Qwen2ForCausalLM(Qwen2Config(vocab_size=512, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128))


def base_model(arch: str):
    if arch == "qwen2":
        return tiny_qwen2().eval()
    return load_model(resolve_model("tiny-gemma3")).eval()


def batches(n: int = 2):
    g = torch.Generator().manual_seed(3)
    out = []
    for _ in range(n):
        ids = torch.randint(5, 400, (2, 12), generator=g)
        mask = torch.ones_like(ids)
        mask[1, 9:] = 0  # padding is left out of the statistics
        out.append({"input_ids": ids, "attention_mask": mask, "labels": ids})
    return out


def make(method: str, arch: str, cfg: PeftConfig = PEFT_CFG):
    base = base_model(arch)
    model = get_peft_model(base, build_peft_config(cfg, method, base.config.model_type, total_steps=10))
    PEFT_METHODS.get(method).calibrate(model, iter(batches()))
    return model


def ids():
    return torch.randint(5, 400, (2, 10), generator=torch.Generator().manual_seed(1))


def logits(model, x):
    with torch.no_grad():
        return model(input_ids=x).logits.clone()


def train_step(model, x, lr=0.5):
    model.train()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=lr)
    model(input_ids=x, labels=x).loss.backward()
    opt.step()
    opt.zero_grad()
    model.eval()


def layers(model, cls):
    return {n: m for n, m in model.named_modules() if isinstance(m, cls)}


def expected_trainable(method: str, model) -> int:
    if method == "gift_sw":
        return sum(m.out_features * min(PEFT_CFG.num_salient, m.in_features)
                   for m in layers(model, GiftSwLayer).values())
    return sum(salient_channel_count(PEFT_CFG.channel_fraction, m.out_features) ** 2
               for m in layers(model, SctLayer).values())


def index_buffers(model) -> dict:
    return {k: v.clone() for k, v in model.state_dict().items() if "_index" in k}


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("method", METHODS)
def test_matrix(method, arch, tmp_path):
    model = make(method, arch)
    cls = GiftSwLayer if method == "gift_sw" else SctLayer
    assert layers(model, cls), "the default targets must exist in this architecture"
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert trainable == expected_trainable(method, model)
    x = ids()
    with model.disable_adapter():
        base_out = logits(model, x)
    assert torch.allclose(logits(model, x), base_out, atol=1e-6), "zero-initialised: starts as the base"
    train_step(model, x)
    after = logits(model, x)
    assert not torch.allclose(after, base_out, atol=1e-4), "one optimizer step must change the outputs"
    with model.disable_adapter():
        assert torch.allclose(logits(model, x), base_out, atol=1e-6), "disabling restores the base"

    check_reload_and_merge(model, arch, tmp_path, cls, "_index", x, after, base_out)


def check_reload_and_merge(model, arch, tmp_path, cls, saved_tag, x, after, base_out):
    """save -> from_pretrained (no data) gives the same buffers named *saved_tag* and outputs; merged == unmerged;
    unmerge restores the base; merge_and_unload leaves a plain model with the same outputs."""
    model.save_pretrained(tmp_path / "adapter")
    reloaded = PeftModel.from_pretrained(base_model(arch), str(tmp_path / "adapter")).eval()
    saved = {k: v.clone() for k, v in model.state_dict().items() if saved_tag in k}
    loaded = {k: v for k, v in reloaded.state_dict().items() if saved_tag in k}
    assert saved and loaded.keys() == saved.keys()
    assert all(torch.equal(loaded[k], v) for k, v in saved.items()), "the method's choice is saved"
    assert torch.allclose(logits(reloaded, x), after, atol=1e-5)
    model.merge_adapter()
    assert torch.allclose(logits(model, x), after, atol=1e-4), "merged == unmerged"
    model.unmerge_adapter()
    with model.disable_adapter():
        assert torch.allclose(logits(model, x), base_out, atol=1e-5), "unmerge restores the base weights"
    plain = reloaded.merge_and_unload()
    assert not any(isinstance(m, cls) for m in plain.modules())
    assert torch.allclose(logits(plain, x), after, atol=1e-4), "a plain model computes the adapted one"


@pytest.mark.parametrize("method", METHODS)
def test_two_adapters_side_by_side(method):
    model = make(method, "qwen2")
    x = ids()
    train_step(model, x)
    first = logits(model, x)
    model.add_adapter("second", build_peft_config(PEFT_CFG, method, "qwen2", total_steps=10))
    model.set_adapter("second")
    PEFT_METHODS.get(method).calibrate(model, iter(batches()))
    with model.disable_adapter():
        base_out = logits(model, x)
    assert torch.allclose(logits(model, x), base_out, atol=1e-6), "the new adapter starts at the base"
    train_step(model, x, lr=0.3)
    second = logits(model, x)
    assert not torch.allclose(second, first, atol=1e-4)
    model.set_adapter("default")
    assert torch.allclose(logits(model, x), first, atol=1e-6), "training the second left the first alone"


def test_calibration_changes_the_choice_and_counts_only_real_tokens():
    base = base_model("qwen2")
    model = get_peft_model(base, build_peft_config(PEFT_CFG, "sct", "qwen2", total_steps=10))
    before = index_buffers(model)
    extra = PEFT_METHODS.get("sct").calibrate(model, iter(batches(2)))
    assert extra["calibration"]["batches"] == 2
    assert extra["calibration"]["tokens"] == 2 * (12 + 9)
    assert any(not torch.equal(before[k], v) for k, v in index_buffers(model).items())


def test_sct_picks_the_largest_output_norms_and_merges_with_bias():
    torch.manual_seed(0)
    layer = SctLinear(torch.nn.Linear(6, 8), "default", SctConfig(channel_fraction=0.25, target_modules=["x"]))
    layer.set_salience("default", torch.tensor([1.0, 9.0, 2.0, 3.0, 8.0, 0.5, 0.1, 4.0]))
    assert layer.sct_index["default"].tolist() == [1, 4]
    with torch.no_grad():
        layer.sct_A["default"].copy_(torch.tensor([[0.5, -1.0], [2.0, 0.25]]))
    x = torch.randn(3, 6)
    unmerged = layer(x)
    y = layer.base_layer(x)
    assert torch.allclose(unmerged[:, [0, 2, 3, 5, 6, 7]], y[:, [0, 2, 3, 5, 6, 7]]), "other channels untouched"
    layer.merge()
    assert torch.allclose(layer(x), unmerged, atol=1e-6), "bias merged too"
    layer.unmerge()
    assert torch.allclose(layer.base_layer(x), y, atol=1e-6)


def test_gift_sw_salience_metric():
    """s_j = ||D_j||_inf * ||X_j||_2^gamma: with gamma=0 only the quantisation perturbation ranks the columns, with
    gamma=1 a column whose inputs are much larger wins."""
    torch.manual_seed(0)
    linear = torch.nn.Linear(8, 4, bias=False)
    d_inf = quantization_perturbation(linear.weight.detach(), 4).abs().amax(0)
    norms = torch.ones(8)
    norms[int(d_inf.argmin())] = 1e6
    flat = GiftSwLinear(linear, "default", GiftSwConfig(num_salient=2, gamma=0.0, target_modules=["x"]))
    flat.set_salience("default", norms)
    assert flat.gift_sw_index["default"].tolist() == sorted(d_inf.topk(2).indices.tolist())
    weighted = GiftSwLinear(torch.nn.Linear(8, 4, bias=False), "default",
                            GiftSwConfig(num_salient=2, gamma=1.0, target_modules=["x"]))
    weighted.base_layer.weight.data.copy_(linear.weight.data)
    weighted.set_salience("default", norms)
    assert int(d_inf.argmin()) in weighted.gift_sw_index["default"].tolist()


def test_gift_sw_noise_only_on_frozen_columns_and_only_in_training():
    torch.manual_seed(0)
    layer = GiftSwLinear(torch.nn.Linear(8, 4), "default", GiftSwConfig(num_salient=3, target_modules=["x"]))
    layer.set_salience("default", torch.arange(8.0))
    salient = layer.gift_sw_index["default"]
    sigma = layer.gift_sw_sigma["default"]
    step = layer.base_layer.weight.abs().amax(1) / 7  # 4-bit symmetric step per row
    assert torch.allclose(sigma, step / math.sqrt(12))
    x = torch.randn(64, 8)
    layer.train()
    assert not torch.allclose(layer(x), layer(x)), "noise in training"
    salient_only = torch.zeros(64, 8)
    salient_only[:, salient] = torch.randn(64, 3)
    assert torch.allclose(layer(salient_only), layer(salient_only)), "no noise on the salient columns"
    layer.eval()
    assert torch.allclose(layer(x), layer(x)) and torch.allclose(layer(x), layer.base_layer(x), atol=1e-6)


def test_bad_settings_fail_with_a_config_error():
    from cookbook.errors import ConfigError

    with pytest.raises(ConfigError, match="channel_fraction"):
        build_peft_config(PeftConfig(channel_fraction=1.5), "sct", "qwen2", total_steps=10)
    with pytest.raises(ConfigError, match="num_salient"):
        build_peft_config(PeftConfig(num_salient=0), "gift_sw", "qwen2", total_steps=10)
