"""A PEFT method owns its behaviour: how it is built and attached, whether it needs a 4-bit base, its training
callbacks and loss penalty, how it saves and loads, how it summarises itself, and which task kinds it supports.
Trainers call these hooks and never branch on a method's name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cookbook.registry import Registry


@dataclass
class AdaptedModel:
    """A base model with a trained adaptation loaded; `base_mode()` is a context where it behaves as the base."""

    model: object
    base_mode: Callable[[], object]


def _peft_attach(method: PeftMethod, model, cfg, model_type: str, total_steps: int):
    from peft import get_peft_model

    return get_peft_model(model, method.build(cfg, model_type, total_steps))


def _peft_save(model, folder: Path, base_model: str) -> None:
    model.save_pretrained(str(folder))


def _peft_load(base, folder: Path) -> AdaptedModel:
    from peft import PeftModel

    import cookbook.peft_methods.s2lora  # noqa: F401  our own methods load only once registered with peft

    model = PeftModel.from_pretrained(base, str(folder))
    model.eval()
    return AdaptedModel(model, model.disable_adapter)


def _no_callbacks(model) -> list:
    return []


def _no_penalty(model):
    return 0.0


def _no_summary(model) -> dict:
    return {}


def _no_param_groups(model) -> list:
    return []


def _no_calibration(model, batches) -> dict:
    return {}


def _always_available() -> tuple[bool, str]:
    return True, "available"


@dataclass
class PeftMethod:
    name: str
    description: str
    # (cookbook PeftConfig, model_type, total_steps) -> a peft config; None for methods that are not peft configs
    build: Callable | None
    task_kinds: tuple[str, ...]  # the task kinds whose trainers it works with
    quantize_4bit: bool = False  # load the base in 4-bit NF4 before attaching (QLoRA)
    # (method, model, cookbook PeftConfig, model_type, total_steps) -> trainable model
    attach: Callable = _peft_attach
    save: Callable = _peft_save  # (trained model, folder, base model spec) -> None
    load: Callable = _peft_load  # (base model, folder) -> AdaptedModel
    callbacks: Callable = _no_callbacks  # (trainable model) -> [TrainerCallback]
    penalty: Callable = _no_penalty  # (trainable model) -> a loss term added while training, or 0.0
    summary: Callable = _no_summary  # (trained model) -> extra metrics.json keys (e.g. rank_distribution)
    available: Callable = _always_available  # () -> (usable here?, why) e.g. 4-bit kernels present
    # (trainable model) -> optimizer parameter groups [{"params": [...], **options}] for the parameters that need
    # options of their own (S2-LoRA's rank coefficients: their own learning rate, no weight decay, a tag its
    # post-step callback reads). The other trainable parameters keep the trainer's groups; an option left out takes
    # the optimizer's default, and every group follows the run's learning-rate schedule. Every trainer's optimizer
    # takes them (cookbook.method_optimizer.MethodParamGroups); work after each optimizer step goes in `callbacks`
    # (on_optimizer_step, which receives the optimizer).
    param_groups: Callable = _no_param_groups
    # (trainable model, iterable of training batches) -> extra metrics.json keys. Called once per fresh run, after
    # attach and before the first step, by the trainers that attach a new adapter (text SFT, so also the preference
    # kind's SFT stage; its DPO stage continues that adapter). A method that picks where to tune (GIFT-SW, SCT)
    # forwards a few batches and keeps its choice in the adapter's saved state, so a reload needs no data. The
    # batches are lazy: a method that does not iterate them costs nothing.
    calibrate: Callable = _no_calibration
    # (AdaptedModel.model) -> (a plain model computing the same function, {sizes, what it removed}),
    # for a method whose adaptation makes the model smaller (APT: merged, pruned FFN neurons dropped); comparisons
    # measure its size and generation speed. It may change the model it is given. None = nothing to export.
    export: Callable | None = None
    # Its size presets (peft.adapter_size): a comparison's --sizes turns the method into one run per size.
    sizes: tuple[str, ...] = ()

    def attach_to(self, model, cfg, model_type: str, total_steps: int):
        return self.attach(self, model, cfg, model_type, total_steps)

    def supports(self, kind: str) -> bool:
        return kind in self.task_kinds


PEFT_METHODS: Registry[PeftMethod] = Registry("PEFT method")


def register(method: PeftMethod) -> PeftMethod:
    return PEFT_METHODS.register(method.name)(method)

