"""S2-LoRA tuner: owns the shared A/B matrices (one pair per adapter and shape group) and injects the layers."""

from __future__ import annotations

import math
import warnings

import torch
from peft.tuners.tuners_utils import BaseTuner, BaseTunerLayer, _get_in_out_features
from torch import nn
from transformers.pytorch_utils import Conv1D

from .config import S2LoraConfig
from .layer import Linear, S2LoraLayer, shape_group_key

# Whisper / BART-style names; used when `target_modules` is not given.
DEFAULT_TARGET_MODULES = ["q_proj", "v_proj"]
_SHARED_ATTRS = ("s2lora_A", "s2lora_B")


def _is_layer_level_shared_key(key: str) -> bool:
    """True for a layer's reference to the shared A/B (e.g. "...q_proj.s2lora_A.default.in32_out32")."""
    for attr in _SHARED_ATTRS:
        marker = f".{attr}." if not key.startswith(f"{attr}.") else None
        if marker and marker in key and key.split(marker, 1)[0] not in ("", "base_model"):
            return True
    return False


def _ignore_layer_level_shared_missing_keys(module, incompatible_keys) -> None:
    """Load post-hook: layer-level references to the shared A/B are loaded through the tuner-level entries."""
    keep = [k for k in incompatible_keys.missing_keys if not _is_layer_level_shared_key(k)]
    incompatible_keys.missing_keys[:] = keep


class S2LoraModel(BaseTuner):
    """Sparsely Shared LoRA.

    Every adapted linear layer computes ``base(x) + scaling * B diag(c) A x`` where ``A`` (r x in) and ``B`` (out x r)
    are shared by all adapted layers of the same ``(in_features, out_features)`` shape group, and ``c`` (length r) is
    the layer's own rank-coefficient vector. Shared matrices live on this tuner in
    ``self.s2lora_A[adapter][group]`` / ``self.s2lora_B[adapter][group]`` (``ModuleDict`` of ``ParameterDict``) and are
    saved once per shape group (``base_model.s2lora_A.<group>`` in the checkpoint).

    Sparsify ``c`` (see ``S2LoraConfig.sparsity``) either by giving the optimizer ``model.s2lora_param_groups()`` and
    calling ``model.s2lora_proximal_step(lr)`` after every optimizer step ("proximal"), or by adding
    ``model.s2lora_l1_penalty()`` to the loss ("penalty"); inspect sparsity with ``model.s2lora_rank_usage()``.
    """

    uses_shared_state: bool = True
    prefix: str = "s2lora_"
    tuner_layer_cls = S2LoraLayer
    target_module_mapping = {"whisper": DEFAULT_TARGET_MODULES}

    # ------------------------------------------------------------------ injection
    def _pre_injection_hook(self, model: nn.Module, config: S2LoraConfig, adapter_name: str) -> None:
        if not getattr(self, "_s2lora_load_hook_registered", False):
            self.register_load_state_dict_post_hook(_ignore_layer_level_shared_missing_keys)
            self._s2lora_load_hook_registered = True
        self._ensure_containers(adapter_name)

    def _ensure_containers(self, adapter_name: str) -> None:
        # note: peft only calls _pre_injection_hook for the first adapter, not for add_adapter, hence lazily here too
        for attr in _SHARED_ATTRS:
            if attr not in self._modules:
                setattr(self, attr, nn.ModuleDict({}))
            container = getattr(self, attr)
            if adapter_name not in container:
                container[adapter_name] = nn.ParameterDict({})

    def _ensure_shared(self, config: S2LoraConfig, adapter_name: str, in_features: int, out_features: int, device):
        """Create the shared A/B of a shape group on first use."""
        self._ensure_containers(adapter_name)
        key = shape_group_key(in_features, out_features)
        bank_A, bank_B = self.s2lora_A[adapter_name], self.s2lora_B[adapter_name]
        if key in bank_A:
            return
        A = torch.empty(config.r, in_features, device=device)
        nn.init.kaiming_uniform_(A, a=math.sqrt(5))  # same as LoRA's A
        B = torch.zeros(out_features, config.r, device=device)
        if not config.init_weights:
            nn.init.kaiming_uniform_(B, a=math.sqrt(5))
        bank_A[key] = nn.Parameter(A)
        bank_B[key] = nn.Parameter(B)

    def _check_new_adapter_config(self, config: S2LoraConfig) -> None:
        super()._check_new_adapter_config(config)
        if config.bias != "none":
            raise ValueError("S2-LoRA only supports bias='none'.")

    def _create_and_replace(self, s2lora_config, adapter_name, target, target_name, parent, current_key, **kwargs):
        if current_key is None:
            raise ValueError("Current Key shouldn't be `None`")
        base = target.get_base_layer() if isinstance(target, BaseTunerLayer) else target
        if not isinstance(base, (nn.Linear, Conv1D)):
            raise TypeError(f"Target module {target} is not supported: only nn.Linear and Conv1D are.")
        in_features, out_features = _get_in_out_features(base)
        self._ensure_shared(s2lora_config, adapter_name, in_features, out_features, base.weight.device)

        if isinstance(target, Linear):
            target.update_layer(adapter_name, self.s2lora_A, self.s2lora_B, config=s2lora_config)
        else:
            new_module = self._create_new_module(s2lora_config, self.s2lora_A, self.s2lora_B, adapter_name, target)
            if adapter_name not in self.active_adapters:
                # adding an additional, inactive adapter: only its own entries become non-trainable (the layer holds
                # references to the shared A/B of *all* adapters, so don't call requires_grad_(False) on the module)
                new_module.set_adapter(self.active_adapters)
            self._replace_module(parent, target_name, new_module, target)
        self._sync_shared_requires_grad()

    @staticmethod
    def _create_new_module(s2lora_config, s2lora_A, s2lora_B, adapter_name, target, **kwargs):
        base = target.get_base_layer() if isinstance(target, BaseTunerLayer) else target
        if isinstance(base, Conv1D):
            kwargs["is_target_conv_1d_layer"] = True
            if not s2lora_config.fan_in_fan_out:
                warnings.warn("fan_in_fan_out is False but the target is Conv1D; setting it to True.", stacklevel=2)
                s2lora_config.fan_in_fan_out = True
        elif s2lora_config.fan_in_fan_out:
            warnings.warn("fan_in_fan_out is True but the target is nn.Linear; setting it to False.", stacklevel=2)
            s2lora_config.fan_in_fan_out = False
        return Linear(target, s2lora_A, s2lora_B, adapter_name, config=s2lora_config, **kwargs)

    def _sync_shared_requires_grad(self) -> None:
        """Shared A/B are trainable iff their adapter is active and not in inference mode."""
        for attr in _SHARED_ATTRS:
            for name, bank in getattr(self, attr).items():
                cfg = self.peft_config.get(name)
                trainable = name in self.active_adapters and not (cfg is not None and cfg.inference_mode)
                bank.requires_grad_(trainable)

    def set_adapter(self, adapter_name, inference_mode: bool = False) -> None:
        super().set_adapter(adapter_name, inference_mode=inference_mode)
        for attr in _SHARED_ATTRS:
            for name, bank in getattr(self, attr).items():
                bank.requires_grad_(name in self.active_adapters and not inference_mode)

    # ------------------------------------------------------------------ S2-LoRA specific API
    def _s2lora_layers(self):
        for name, module in self.model.named_modules():
            if isinstance(module, S2LoraLayer):
                yield name, module

    def s2lora_l1_penalty(self, adapter_name: str | None = None) -> torch.Tensor:
        """``l1_weight * sum_layers |c|_1`` for the given adapter (default: all active adapters); add it to the loss."""
        names = [adapter_name] if adapter_name is not None else list(self.active_adapters)
        total = None
        for name in names:
            weight = self.peft_config[name].l1_weight
            for _, layer in self._s2lora_layers():
                if name in layer.s2lora_c:
                    term = weight * layer.s2lora_c[name].abs().sum()
                    total = term if total is None else total + term
        if total is None:
            return torch.zeros(())
        return total

    def _coefficients(self, adapter_name: str) -> list[torch.nn.Parameter]:
        return [layer.s2lora_c[adapter_name] for _, layer in self._s2lora_layers() if adapter_name in layer.s2lora_c]

    def s2lora_param_groups(self) -> list[dict]:
        """Optimizer parameter groups of the active adapters' rank coefficients: their own learning rate (``coef_lr``;
        absent = the optimizer's default), no weight decay (a decay would shrink them by ``lr * wd * c``, an L2 pull
        that never reaches 0, on top of the L1), and, for ``sparsity="proximal"``, the tags ``s2lora_adapter`` and
        ``s2lora_proximal`` that ``s2lora_proximal_step_for(optimizer)`` reads after each step. Empty when no
        coefficient needs a group of its own (penalty mode at the trainer's learning rate)."""
        groups = []
        for name in self.active_adapters:
            cfg = self.peft_config[name]
            params = [p for p in self._coefficients(name) if p.requires_grad]
            if not params or (cfg.sparsity != "proximal" and cfg.coef_lr is None):
                continue
            group = {"params": params, "weight_decay": 0.0, "s2lora_adapter": name}
            if cfg.coef_lr is not None:
                group["lr"] = float(cfg.coef_lr)
            if cfg.sparsity == "proximal":
                group["s2lora_proximal"] = True
            groups.append(group)
        return groups

    @torch.no_grad()
    def s2lora_proximal_step(self, lr: float, adapter_name: str | None = None) -> int:
        """Soft-threshold the adapter's rank coefficients once: ``c <- sign(c) * max(|c| - lr * l1_weight, 0)``, the
        proximal operator of ``lr * l1_weight * |c|``. Returns how many coefficients are exactly 0 afterwards."""
        name = adapter_name if adapter_name is not None else self.active_adapters[0]
        threshold = float(lr) * float(self.peft_config[name].l1_weight)
        zeros = 0
        for c in self._coefficients(name):
            c.copy_(torch.sign(c) * torch.clamp(c.abs() - threshold, min=0.0))
            zeros += int((c == 0).sum())
        return zeros

    def s2lora_proximal_step_for(self, optimizer) -> dict[str, int]:
        """The proximal step of every tagged group of `optimizer` (see ``s2lora_param_groups``), at the learning rate
        that group just stepped with. Returns {adapter: zero coefficients}."""
        return {group["s2lora_adapter"]: self.s2lora_proximal_step(group["lr"], group["s2lora_adapter"])
                for group in optimizer.param_groups if group.get("s2lora_proximal")}

    def s2lora_rank_usage(self, threshold: float = 1e-3, adapter_name: str | None = None) -> dict[str, int]:
        """Number of rank coefficients with ``|c| > threshold`` per adapted layer (for a rank-distribution plot)."""
        name = adapter_name if adapter_name is not None else self.active_adapters[0]
        return {
            module_name: int((layer.s2lora_c[name].detach().abs() > threshold).sum())
            for module_name, layer in self._s2lora_layers()
            if name in layer.s2lora_c
        }

    # ------------------------------------------------------------------ (de)serialization
    @classmethod
    def _get_adapter_state_dict(cls, model, config, adapter_name, state_dict, unwanted_adapter_names):
        to_return = super()._get_adapter_state_dict(model, config, adapter_name, state_dict, unwanted_adapter_names)

        # Layers hold references to the shared A/B; their state-dict hook already drops those copies. Filter again
        # defensively so that only the tuner-level entries ("base_model.s2lora_A.<adapter>.<group>") are saved,
        # i.e. A and B once per shape group.
        return {k: v for k, v in to_return.items() if not _is_layer_level_shared_key(k)}
