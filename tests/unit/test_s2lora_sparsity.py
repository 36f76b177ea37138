"""S2-LoRA's sparsity: the rank coefficients in an optimizer group of their own (learning rate, no weight decay),
the proximal soft-threshold after each optimizer step (exact zeros; the rest shrunk by exactly lr * l1_weight),
through the registry hooks every trainer uses, and kept by save / load."""

import json
from types import SimpleNamespace

import pytest
import torch
from peft import PeftModel
from transformers import Trainer, TrainingArguments

from cookbook.method_optimizer import MethodParamGroups, split_param_groups
from cookbook.peft_methods import PEFT_METHODS
from cookbook.peft_methods.ranks import s2lora_ranks
from cookbook.peft_methods.s2lora import S2LoraConfig
from cookbook.training import add_method_callbacks
from tests.unit.test_s2lora import TARGETS, R, inputs, logits, make, make_base, randomize, s2_layers

SPEC = PEFT_METHODS.get("s2lora")


def coefficients(model):
    return [m.s2lora_c["default"] for m in s2_layers(model).values()]


def test_soft_threshold_zeroes_small_coefficients_and_shrinks_the_rest_by_lr_times_l1():
    model = make(l1_weight=0.5)
    randomize(model)  # |c| in [0.5, 1.5)
    first = coefficients(model)[0]
    with torch.no_grad():
        first.copy_(torch.tensor([0.02, -0.049, 0.8, -1.2]))
    before = [c.detach().clone() for c in coefficients(model)]
    lr = 0.1  # threshold lr * l1 = 0.05
    zeros = model.base_model.s2lora_proximal_step(lr)
    after = coefficients(model)
    assert zeros == 2
    assert after[0][0].item() == 0.0 and after[0][1].item() == 0.0  # below the threshold: exactly 0
    torch.testing.assert_close(after[0][2:], torch.tensor([0.75, -1.15]))
    for old, new in zip(before[1:], after[1:], strict=True):  # every other coefficient: |c| - 0.05, same sign
        torch.testing.assert_close(new.detach(), torch.sign(old) * (old.abs() - lr * 0.5))
        assert torch.equal(torch.sign(new), torch.sign(old))
    # a zero stays zero, and its layer's rank usage drops
    model.base_model.s2lora_proximal_step(lr)
    assert after[0][0].item() == 0.0
    assert s2lora_ranks(model)["layers"] and min(v["used"] for v in s2lora_ranks(model)["layers"].values()) == 2


def test_coefficients_get_their_own_group_and_each_optimizer_step_thresholds_them():
    model = make(l1_weight=0.3, coef_lr=0.05)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=1e-3, weight_decay=0.1)
    split_param_groups(opt, SPEC.param_groups(model))
    coef_group = next(g for g in opt.param_groups if g.get("s2lora_proximal"))
    assert coef_group["lr"] == 0.05 and coef_group["weight_decay"] == 0.0
    assert {id(p) for p in coef_group["params"]} == {id(c) for c in coefficients(model)}
    assert sum(len(g["params"]) for g in opt.param_groups) == len(trainable)  # moved, not duplicated

    (callback,) = SPEC.callbacks(model)
    model.train()
    labels = torch.randint(3, 100, (2, 5), generator=torch.Generator().manual_seed(2))
    for step in range(3):
        model(input_features=inputs()["input_features"], labels=labels).loss.backward()
        opt.step()
        stepped = [c.detach().clone() for c in coefficients(model)]
        callback.on_optimizer_step(None, SimpleNamespace(global_step=step), None, optimizer=opt)
        for old, new in zip(stepped, coefficients(model), strict=True):
            torch.testing.assert_close(new.detach(), torch.sign(old) * torch.clamp(old.abs() - 0.05 * 0.3, min=0))
        opt.zero_grad()
    assert [s for s, _ in model.base_model.s2lora_zero_trace] == [1, 2, 3]


def test_penalty_mode_adds_the_l1_to_the_loss_and_proximal_mode_does_not():
    proximal, penalty = make(l1_weight=0.2), make(l1_weight=0.2, sparsity="penalty")
    for model in (proximal, penalty):
        randomize(model)
        model.train()
    assert SPEC.penalty(proximal) == 0.0
    torch.testing.assert_close(SPEC.penalty(penalty), penalty.base_model.s2lora_l1_penalty())
    assert SPEC.penalty(penalty) > 0
    assert SPEC.param_groups(penalty) == []  # the trainer's learning rate, no threshold: nothing to split off


class _Whispers(torch.utils.data.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return {"input_features": torch.randn(8, 64, generator=g), "labels": torch.randint(3, 100, (5,), generator=g)}


class _MethodTrainer(MethodParamGroups, Trainer):
    pass


def _trainer(cls, model, tmp_path):
    args = TrainingArguments(output_dir=str(tmp_path), max_steps=2, per_device_train_batch_size=4, learning_rate=1e-3,
                             warmup_steps=1, lr_scheduler_type="linear", report_to=[], use_cpu=True,
                             save_strategy="no", logging_steps=1, remove_unused_columns=False)
    return cls(model=model, args=args, train_dataset=_Whispers())


def test_a_trainer_with_the_registry_hooks_thresholds_after_every_step(tmp_path):
    model = make(l1_weight=1000.0, coef_lr=0.01)  # a threshold above every |c|: one step zeroes them all
    trainer = _trainer(_MethodTrainer, model, tmp_path)
    add_method_callbacks(trainer, SimpleNamespace(spec=SPEC, method="s2lora"))
    trainer.train()
    coef_group = next(g for g in trainer.optimizer.param_groups if g.get("s2lora_proximal"))
    assert coef_group["initial_lr"] == 0.01  # the scheduler scales the group's own learning rate
    assert all(torch.count_nonzero(c) == 0 for c in coefficients(model))
    assert [s for s, _ in model.base_model.s2lora_zero_trace] == [1, 2]
    summary = SPEC.summary(model)["rank_distribution"]
    assert summary["zeros_by_step"][-1] == [2, summary["coefficients"]]
    assert {v["used"] for v in summary["layers"].values()} == {0}


def test_a_trainer_that_ignores_method_groups_is_refused(tmp_path):
    with pytest.raises(TypeError, match="MethodParamGroups"):
        add_method_callbacks(_trainer(Trainer, make(), tmp_path), SimpleNamespace(spec=SPEC, method="s2lora"))
    lora = PEFT_METHODS.get("lora")  # no groups of its own: any trainer will do
    add_method_callbacks(_trainer(Trainer, make(), tmp_path), SimpleNamespace(spec=lora, method="lora"))


def test_split_refuses_an_optimizer_that_has_stepped():
    p = torch.nn.Parameter(torch.ones(2))
    opt = torch.optim.AdamW([p], lr=0.1)
    p.sum().backward()
    opt.step()
    with pytest.raises(RuntimeError, match="already stepped"):
        split_param_groups(opt, [{"params": [p], "lr": 1.0}])


def test_save_and_load_keep_the_sparsity_settings_and_the_zeros(tmp_path):
    model = make(l1_weight=0.25, coef_lr=0.04, sparsity="proximal")
    randomize(model)
    model.base_model.s2lora_proximal_step(3.0)  # threshold 0.75: some of the |c| in [0.5, 1.5) become 0
    zeros = sum(int((c == 0).sum()) for c in coefficients(model))
    assert 0 < zeros < R * len(coefficients(model))
    ref = logits(model)
    model.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "adapter_config.json").read_text())
    assert (saved["sparsity"], saved["coef_lr"], saved["l1_weight"]) == ("proximal", 0.04, 0.25)
    loaded = PeftModel.from_pretrained(make_base(), tmp_path).eval()
    cfg = loaded.peft_config["default"]
    assert (cfg.sparsity, cfg.coef_lr, cfg.l1_weight) == ("proximal", 0.04, 0.25)
    for old, new in zip(coefficients(model), coefficients(loaded), strict=True):
        assert torch.equal(old, new)  # zeros exactly zero, the rest bit-identical
    assert torch.equal(logits(loaded), ref)


def test_an_adapter_saved_before_these_settings_loads_with_the_defaults(tmp_path):
    make().save_pretrained(tmp_path)
    cfg_file = tmp_path / "adapter_config.json"
    old = {k: v for k, v in json.loads(cfg_file.read_text()).items() if k not in ("sparsity", "coef_lr")}
    cfg_file.write_text(json.dumps(old))
    cfg = PeftModel.from_pretrained(make_base(), tmp_path).peft_config["default"]
    assert (cfg.sparsity, cfg.coef_lr) == ("proximal", None)


def test_config_validation():
    with pytest.raises(ValueError, match="coef_lr"):
        S2LoraConfig(r=R, target_modules=TARGETS, coef_lr=0.0)
    with pytest.raises(ValueError, match="sparsity"):
        S2LoraConfig(r=R, target_modules=TARGETS, sparsity="soft")
