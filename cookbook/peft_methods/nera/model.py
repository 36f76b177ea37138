"""NeRA tuner: injects NeRA layers into the linear layers named by `target_modules` (peft's injection)."""

from __future__ import annotations

from peft.tuners.tuners_utils import BaseTuner, BaseTunerLayer
from torch import nn

from .config import NeraConfig
from .layer import NOT_MERGEABLE, Linear, NeraLayer


class NeraModel(BaseTuner):
    """NeRA (Nonlinear low-rank Expressive Representation Adapter, "Dressing the Imagination").

    Reading implemented here (no public code exists): each adapted linear layer ``W`` computes
    ``W x + (alpha / r) * U s(x)`` with ``s(x)_r = sum_i sum_j B_j(x_i) C[i, j, r]``, where ``B_j`` are the
    ``G + k`` B-splines of order ``k`` on a knot vector shared by the layer's input features (learnable, kept
    increasing by a start plus softplus spacings), ``C`` is the ``(in, G + k, r)`` coefficient tensor the paper
    describes, and ``U`` is a zero-initialised ``(out, r)`` linear read-out, so the adapted model starts as the
    base. No KAN "base branch" (efficient-kan's SiLU path) is added: the frozen layer already carries the linear
    path. Trainable parameters per layer: ``in * (G + k) * r + out * r`` plus ``G + 2k + 1`` knots when
    learnable. Not mergeable (``merge`` / ``merge_and_unload`` raise).
    """

    prefix: str = "nera_"
    tuner_layer_cls = NeraLayer
    target_module_mapping: dict = {}

    def _check_new_adapter_config(self, config: NeraConfig) -> None:
        super()._check_new_adapter_config(config)
        if config.bias != "none":
            raise ValueError("NeRA only supports bias='none'.")

    def _check_merge_allowed(self):
        raise ValueError(NOT_MERGEABLE)

    def _create_and_replace(self, nera_config, adapter_name, target, target_name, parent, current_key, **kwargs):
        if current_key is None:
            raise ValueError("Current Key shouldn't be `None`")
        base = target.get_base_layer() if isinstance(target, BaseTunerLayer) else target
        if not isinstance(base, nn.Linear):
            raise TypeError(f"NeRA: target module {current_key} is a {type(base).__name__}; only nn.Linear is "
                            "supported")
        if isinstance(target, Linear):
            target.update_layer(adapter_name, nera_config)
            return
        new_module = Linear(target, adapter_name, nera_config)
        if adapter_name not in self.active_adapters:
            new_module.requires_grad_(False)  # an added, inactive adapter is not trained
        self._replace_module(parent, target_name, new_module, target)
