"""The optimizer takes the PEFT method's own parameter groups (PeftMethod.param_groups).

Trainer.create_optimizer builds its groups (weight decay / no decay) over every trainable parameter; a method may
need some of them in groups of their own, e.g. S2-LoRA's rank coefficients with their own learning rate and a tag
that its post-step callback reads. The split happens when the optimizer is created, before a checkpoint's
optimizer state is loaded into it and before the learning-rate scheduler records each group's base rate, so
resuming and scheduling see the same groups as the first run did.
"""

from __future__ import annotations

from collections.abc import Callable


def split_param_groups(optimizer, groups: list[dict]) -> None:
    """Move the parameters of `groups` out of the optimizer's groups into groups of their own (options left out
    take the optimizer's defaults). Only for an optimizer that has not stepped yet (it holds no state)."""
    if not groups:
        return
    if optimizer.state:
        raise RuntimeError("split_param_groups: the optimizer has already stepped; split its groups at creation")
    moved = {id(p) for group in groups for p in group["params"]}
    owned = {id(p) for group in optimizer.param_groups for p in group["params"]}
    if not moved <= owned:
        raise ValueError("a method parameter group holds parameters the optimizer does not train")
    for group in optimizer.param_groups:
        group["params"] = [p for p in group["params"] if id(p) not in moved]
    for group in groups:
        optimizer.add_param_group({**group, "params": list(group["params"])})


class MethodParamGroups:
    """Trainer mixin: `create_optimizer` gives the method's parameter groups their own options.

    `method_param_groups` ((trainable model) -> groups) is set by cookbook.training.add_method_callbacks, which
    every task kind calls after building its trainer."""

    method_param_groups: Callable | None = None

    def create_optimizer(self, model=None):
        fresh = self.optimizer is None
        optimizer = super().create_optimizer(model)
        if fresh and self.method_param_groups is not None:
            split_param_groups(optimizer, self.method_param_groups(self.model))
        return optimizer
