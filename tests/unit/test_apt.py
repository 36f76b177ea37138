"""APT through the peft-style matrix on tiny Gemma 3 and tiny Qwen2, and its schedule: activation x gradient
salience, cubic pruning of heads / FFN neurons to the target sparsity, rank growth within the budget, masks saved."""

import pytest
import torch
from peft import get_peft_model

from cookbook.config import PeftConfig
from cookbook.peft_methods import PEFT_METHODS, build_peft_config
from cookbook.peft_methods.apt import AptConfig, AptLayer, cubic_sparsity
from tests.unit.test_salience_methods import base_model, check_reload_and_merge, ids, logits

ARCHS = ["gemma3", "qwen2"]
CFG = PeftConfig(r=2, alpha=4, target_sparsity=0.5)
STEPS = 8


def make(arch: str, cfg: PeftConfig = CFG):
    base = base_model(arch)
    return get_peft_model(base, build_peft_config(cfg, "apt", base.config.model_type, total_steps=STEPS))


def apt_layers(model):
    return {n: m for n, m in model.named_modules() if isinstance(m, AptLayer)}


def train(model, steps: int, lr: float = 0.05):
    """What the trainer does with the method's callback: track, step, update the schedule."""
    tuner = model.base_model
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=lr)
    tuner.start_tracking(True)
    model.train()
    g = torch.Generator().manual_seed(5)
    for step in range(1, steps + 1):
        x = torch.randint(5, 400, (2, 10), generator=g)
        model(input_ids=x, labels=x).loss.backward()
        tuner.accumulate_adapter_salience()
        opt.step()
        opt.zero_grad()
        tuner.apt_update(step)
    tuner.start_tracking(False)
    model.eval()


def test_cubic_schedule():
    cfg = AptConfig(target_sparsity=0.4, total_step=100, prune_start=0.1, prune_end=0.6, target_modules=["x"])
    assert cubic_sparsity(10, cfg) == 0.0
    assert cubic_sparsity(60, cfg) == pytest.approx(0.4) and cubic_sparsity(90, cfg) == pytest.approx(0.4)
    assert 0.0 < cubic_sparsity(20, cfg) < cubic_sparsity(35, cfg) < 0.4
    assert cubic_sparsity(35, cfg) == pytest.approx(0.4 * (1 - 0.5 ** 3))


@pytest.mark.parametrize("arch", ARCHS)
def test_matrix_and_schedule(arch, tmp_path):
    model = make(arch)
    layers = apt_layers(model)
    cfg = model.peft_config["default"]
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == sum(
        cfg.max_r * (m.in_features + m.out_features) for m in layers.values())
    x = ids()
    with model.disable_adapter():
        base_out = logits(model, x)
    assert torch.allclose(logits(model, x), base_out, atol=1e-6), "B is zero: starts as the base"
    before = model.base_model.apt_summary()
    train(model, STEPS)
    after_summary = model.base_model.apt_summary()
    heads, neurons = after_summary["units"]["heads"], after_summary["units"]["neurons"]
    assert heads["total"] > 0 and neurons["total"] > 0
    for units in (heads, neurons):  # the cubic schedule reaches its target by prune_end (at least 1 per layer)
        assert units["kept"] == max(2, -(-units["total"] // 2))
    budget = cfg.budget_ratio * before["active_adapter_params"]
    assert before["active_adapter_params"] < after_summary["active_adapter_params"] <= budget
    assert max(after_summary["ranks"].values()) > cfg.r
    after = logits(model, x)
    assert not torch.allclose(after, base_out, atol=1e-4)
    with model.disable_adapter():
        assert torch.allclose(logits(model, x), base_out, atol=1e-6), "disabling restores the unpruned base"

    check_reload_and_merge(model, arch, tmp_path, AptLayer, "_mask", x, after, base_out)  # masks saved, merge


def test_pruning_takes_the_least_salient_units_and_keeps_one_per_layer():
    model = make("qwen2")
    tuner = model.base_model
    neuron_layers = [m for m in apt_layers(model).values() if m.unit_kind == "neuron"]
    for i, layer in enumerate(neuron_layers):
        layer.apt_unit_salience["default"] = torch.arange(layer.n_units, dtype=torch.float32) + 1000 * i
    total = sum(m.n_units for m in neuron_layers)
    assert tuner.prune_to("neuron", 0.25) == total // 4
    first = neuron_layers[0].apt_unit_mask["default"]
    assert first[: total // 4].sum() == 0 and first[total // 4:].all(), "layer 0's lowest units went first"
    assert tuner.prune_to("neuron", 0.999) > 0
    assert all(int(m.apt_unit_mask["default"].sum()) == 1 for m in neuron_layers)
    assert all(m.apt_unit_mask["default"][-1] == 1 for m in neuron_layers), "the most salient one is kept"


def test_unit_salience_is_activation_times_gradient():
    model = make("qwen2")
    layer = next(m for m in apt_layers(model).values() if m.unit_kind == "neuron")
    captured = {}

    def keep_input(mod, args):
        args[0].retain_grad()  # the masks are all ones still, so dL/dh is this input's gradient
        captured["h"] = args[0]

    layer.register_forward_pre_hook(keep_input)
    model.base_model.start_tracking(True)
    model.train()
    x = ids()
    model(input_ids=x, labels=x).loss.backward()
    expected = (captured["h"].detach() * captured["h"].grad).abs().reshape(-1, layer.n_units).sum(0)
    assert torch.allclose(layer._unit_score["default"], expected, rtol=1e-4, atol=1e-8)


def test_two_adapters_side_by_side():
    model = make("qwen2")
    x = ids()
    train(model, 3)
    first = logits(model, x)
    model.add_adapter("second", build_peft_config(CFG, "apt", "qwen2", total_steps=STEPS))
    model.set_adapter("second")
    with model.disable_adapter():
        base_out = logits(model, x)
    assert torch.allclose(logits(model, x), base_out, atol=1e-6)
    train(model, 2, lr=0.2)
    assert not torch.allclose(logits(model, x), first, atol=1e-4)
    model.set_adapter("default")
    assert torch.allclose(logits(model, x), first, atol=1e-6)


def test_registered_with_its_schedule_and_summary():
    spec = PEFT_METHODS.get("apt")
    model = make("qwen2")
    callbacks = spec.callbacks(model)
    assert [type(c).__name__ for c in callbacks] == ["AptScheduleCallback"]
    assert spec.summary(model)["apt"]["units"]["heads"]["total"] == 2 * 4


def test_shrunk_ffn_computes_the_same_with_fewer_parameters():
    from cookbook.peft_methods.apt.export import shrink_ffn

    model = make("qwen2")
    train(model, STEPS)
    x = ids()
    pruned = logits(model, x)
    plain = model.merge_and_unload()
    before = sum(p.numel() for p in plain.parameters())
    counts = shrink_ffn(plain)
    assert counts["ffn_neurons_kept"] == counts["ffn_neurons_before"] // 2  # target_sparsity 0.5
    assert sum(p.numel() for p in plain.parameters()) == before - 3 * 32 * (counts["ffn_neurons_before"] // 2)
    assert torch.allclose(logits(plain, x), pruned, atol=1e-4)
