"""Methods that choose *where* to tune from the training data: GIFT-SW (salient input columns, noise on the rest)
and SCT (a small map on the salient output channels) calibrate once per run on a few training batches
(PeftMethod.calibrate) and save the choice in the adapter; APT tracks salience while training and prunes heads /
FFN neurons and grows ranks on a schedule (its callback), saving the masks in the adapter."""

from __future__ import annotations

from cookbook.config import PeftConfig
from cookbook.errors import ConfigError
from cookbook.peft_methods.builtin import target_modules_for, task_type_for
from cookbook.peft_methods.method import PeftMethod, register

# SCT tunes the channels of the features each block writes to the residual stream (the paper's ViT block outputs).
SCT_DEFAULT_TARGETS = ["o_proj", "down_proj"]


def _checked(make, name: str):
    try:
        return make()
    except ValueError as e:
        raise ConfigError(f"peft ({name}): {e}") from None


def _gift_sw(cfg: PeftConfig, model_type: str, total_steps: int):
    from cookbook.peft_methods.gift_sw import GiftSwConfig

    return _checked(lambda: GiftSwConfig(task_type=task_type_for(model_type), num_salient=cfg.num_salient,
                                         noise_scale=cfg.noise_scale,
                                         target_modules=target_modules_for(cfg, model_type)), "gift_sw")


def _sct(cfg: PeftConfig, model_type: str, total_steps: int):
    from cookbook.peft_methods.sct import SctConfig

    targets = list(cfg.target_modules) or SCT_DEFAULT_TARGETS
    return _checked(lambda: SctConfig(task_type=task_type_for(model_type), channel_fraction=cfg.channel_fraction,
                                      target_modules=targets), "sct")


def _apt(cfg: PeftConfig, model_type: str, total_steps: int):
    from cookbook.peft_methods.apt import AptConfig

    return _checked(lambda: AptConfig(task_type=task_type_for(model_type), r=cfg.r, max_r=2 * cfg.r,
                                      lora_alpha=cfg.alpha, target_sparsity=cfg.target_sparsity,
                                      total_step=max(total_steps, 1),
                                      target_modules=target_modules_for(cfg, model_type)), "apt")


def _apt_callbacks(model) -> list:
    from cookbook.peft_methods.apt.schedule import AptScheduleCallback

    return [AptScheduleCallback(model)]


def _apt_summary(model) -> dict:
    return {"apt": model.base_model.apt_summary()}


def _apt_export(model):
    from cookbook.peft_methods.apt.export import export_pruned

    return export_pruned(model)


def _calibrate(model, batches) -> dict:
    """The tuner's calibration pass (model: the unwrapped PeftModel) over the batches the trainer gives it."""
    return model.base_model.calibrate(batches)


TEXT = "text"
register(PeftMethod("gift_sw", "GIFT-SW (Zhelnin et al. 2024, arXiv:2408.15300): tune the salient input columns "
                    "of each linear layer, Gaussian noise on the frozen rest while training", _gift_sw, (TEXT,),
                    calibrate=_calibrate))
register(PeftMethod("sct", "SCT (Zhao et al. 2023, arXiv:2309.08513): a zero-initialised map on the top 1/8 "
                    "output channels (by activation norm) of o_proj/down_proj", _sct, (TEXT,), calibrate=_calibrate))
register(PeftMethod("apt", "APT (Zhao et al. 2024, arXiv:2401.12200): LoRA with rank and head/neuron masks; "
                    "prunes the least salient heads and FFN neurons and grows the most salient ranks while training",
                    _apt, (TEXT,), callbacks=_apt_callbacks, summary=_apt_summary, export=_apt_export))
