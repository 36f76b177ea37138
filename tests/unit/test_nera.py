"""NeRA (KAN spline adapter) through the peft-style matrix, on a tiny torch module and on a tiny diffusers UNet's
attention projections: identity at init, change after a step, parameter-count formula, save -> from_pretrained
round trip (after `import cookbook`), disabling restores the base, two adapters side by side, merge refused."""

import copy

import pytest
import torch
from peft import PeftModel, get_peft_model
from torch import nn

import cookbook  # noqa: F401  (registers NeRA with peft)
from cookbook.models.sd_build import ATTENTION_TARGETS, SdShape, build_unet
from cookbook.peft_methods.nera import NeraConfig, NeraLayer, b_spline_bases
from cookbook.peft_methods.nera.layer import initial_knots


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin1, self.lin2, self.head = nn.Linear(6, 12), nn.Linear(12, 5), nn.Linear(5, 3)

    def forward(self, x):
        return self.head(torch.relu(self.lin2(torch.tanh(self.lin1(x)))))


def mlp_case():
    torch.manual_seed(0)
    return Mlp().eval(), ["lin1", "lin2"], (torch.randn(4, 6) * 2,), [(6, 12), (12, 5)]


def unet_case():
    torch.manual_seed(0)
    unet = build_unet(SdShape(image_size=16)).eval()
    g = torch.Generator().manual_seed(1)
    inputs = (torch.randn(2, 4, 8, 8, generator=g), torch.tensor([10, 700]), torch.randn(2, 5, 32, generator=g))
    shapes = [(m.in_features, m.out_features) for n, m in unet.named_modules()
              if isinstance(m, nn.Linear) and n.endswith(tuple(ATTENTION_TARGETS))]
    return unet, ATTENTION_TARGETS, inputs, shapes


CASES = {"mlp": mlp_case, "unet": unet_case}


def run(model, inputs):
    with torch.no_grad():
        out = model(*inputs)
    return out.sample if hasattr(out, "sample") else out


def config(targets, **kw):
    return NeraConfig(**{"r": 3, "nera_alpha": 6, "grid_size": 4, "spline_order": 2, "target_modules": targets, **kw})


def randomize(model, seed=3):
    """The read-out starts at zero; give every NeRA parameter a non-trivial value."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in (m for m in model.modules() if isinstance(m, NeraLayer)):
            for up in layer.nera_up.values():
                up.copy_(torch.randn(up.shape, generator=g) * 0.5)


def train_step(model, inputs):
    model.train()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.5)
    out = model(*inputs)
    out = out.sample if hasattr(out, "sample") else out
    out.pow(2).mean().backward()
    opt.step()
    model.eval()


def test_b_spline_bases_are_a_partition_of_unity():
    cfg = NeraConfig(r=2, grid_size=5, spline_order=3, grid_range=[-1.0, 1.0], knot_init="random")
    start, spacings = initial_knots(cfg, torch.Generator().manual_seed(0))
    knots = torch.cat([start, start + torch.cumsum(spacings, 0)])
    k = cfg.spline_order
    x = torch.linspace(float(knots[k]) + 1e-4, float(knots[-k - 1]) - 1e-4, 50).unsqueeze(-1)
    bases = b_spline_bases(x, knots, k)
    assert bases.shape == (50, 1, cfg.n_bases)
    assert torch.allclose(bases.sum(-1), torch.ones(50, 1), atol=1e-5)
    assert (bases >= -1e-6).all()
    assert b_spline_bases(torch.tensor([[knots[-1].item() + 1.0]]), knots, k).abs().sum() == 0


@pytest.mark.parametrize("case", CASES)
def test_identity_at_init_and_change_after_a_step(case):
    base, targets, inputs, _ = CASES[case]()
    ref = run(base, inputs)
    model = get_peft_model(copy.deepcopy(base), config(targets))
    assert torch.equal(run(model, inputs), ref)
    train_step(model, inputs)
    assert not torch.allclose(run(model, inputs), ref)
    with model.disable_adapter():
        assert torch.allclose(run(model, inputs), ref)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("learnable", [True, False])
def test_trainable_parameter_count_formula(case, learnable):
    base, targets, _, shapes = CASES[case]()
    model = get_peft_model(base, config(targets, learnable_knots=learnable))
    g, k, r = 4, 2, 3
    knots = (g + 2 * k + 1) if learnable else 0
    expected = sum(i * (g + k) * r + o * r + knots for i, o in shapes)
    assert model.get_nb_trainable_parameters()[0] == expected


def test_fixed_knots_stay_and_learnable_knots_move():
    base, targets, inputs, _ = mlp_case()
    for learnable in (True, False):
        model = get_peft_model(copy.deepcopy(base), config(targets, learnable_knots=learnable, init_weights=False))
        layer = model.base_model.model.lin1
        before = layer.knots("default").detach().clone()
        train_step(model, inputs)
        after = layer.knots("default").detach()
        assert torch.equal(before, after) is not learnable
        assert (after[1:] > after[:-1]).all()


@pytest.mark.parametrize("case", CASES)
def test_save_load_round_trip(case, tmp_path):
    base, targets, inputs, _ = CASES[case]()
    model = get_peft_model(copy.deepcopy(base), config(targets, knot_init="random", learnable_knots=False))
    randomize(model)
    expected = run(model, inputs)
    assert not torch.allclose(expected, run(base, inputs))
    model.save_pretrained(str(tmp_path))
    loaded = PeftModel.from_pretrained(copy.deepcopy(base), str(tmp_path)).eval()
    assert torch.equal(run(loaded, inputs), expected)
    with loaded.disable_adapter():
        assert torch.allclose(run(loaded, inputs), run(base, inputs))


@pytest.mark.parametrize("case", CASES)
def test_two_adapters_side_by_side(case, tmp_path):
    base, targets, inputs, _ = CASES[case]()
    model = get_peft_model(copy.deepcopy(base), config(targets))
    model.add_adapter("other", config(targets, grid_size=3))
    randomize(model)
    model.set_adapter("default")
    first = run(model, inputs)
    assert model.get_nb_trainable_parameters()[0] == get_peft_model(copy.deepcopy(base), config(targets)) \
        .get_nb_trainable_parameters()[0]  # only the active adapter trains
    model.set_adapter("other")
    second = run(model, inputs)
    assert not torch.allclose(first, second)
    model.save_pretrained(str(tmp_path))
    loaded = PeftModel.from_pretrained(copy.deepcopy(base), str(tmp_path)).eval()
    loaded.load_adapter(str(tmp_path / "other"), adapter_name="other")
    assert torch.equal(run(loaded, inputs), first)
    loaded.set_adapter("other")
    assert torch.equal(run(loaded, inputs), second)


def test_merge_is_refused_with_a_clear_error():
    base, targets, _, _ = mlp_case()
    model = get_peft_model(base, config(targets))
    with pytest.raises(ValueError, match="nonlinear"):
        model.merge_and_unload()
    with pytest.raises(ValueError, match="nonlinear"):
        model.base_model.model.lin1.merge()


def test_bad_config_fails_with_a_clear_error():
    with pytest.raises(ValueError, match="grid_range"):
        NeraConfig(r=2, grid_range=[1.0, -1.0])
    with pytest.raises(ValueError, match="knot_init"):
        NeraConfig(r=2, knot_init="quantile")
