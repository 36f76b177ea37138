"""APT tuner: injects AptLayer (unit masks on the head and neuron modules) and runs APT's schedule: smoothed
salience, pruning of heads / FFN neurons towards the target sparsity, and rank growth of the most salient adapters
within the parameter budget (cookbook.peft_methods.apt.schedule calls it from the training loop)."""

from __future__ import annotations

import math

from peft.tuners.tuners_utils import BaseTuner

from .config import AptConfig
from .layer import AptLayer, Linear

HEAD, NEURON = "head", "neuron"


def cubic_sparsity(step: int, cfg: AptConfig) -> float:
    """Target sparsity at `step`: 0 before prune_start, `target_sparsity` after prune_end, cubic in between."""
    t0, t1 = cfg.prune_start * cfg.total_step, cfg.prune_end * cfg.total_step
    if step <= t0:
        return 0.0
    frac = min(1.0, (step - t0) / max(t1 - t0, 1e-9))
    return cfg.target_sparsity * (1.0 - (1.0 - frac) ** 3)


class AptModel(BaseTuner):
    prefix: str = "apt_"
    tuner_layer_cls = AptLayer
    target_module_mapping: dict = {}

    def _unit_kind(self, config: AptConfig, key: str) -> str | None:
        name = key.rsplit(".", 1)[-1]
        if name in config.head_modules:
            return HEAD
        if name in config.neuron_modules:
            return NEURON
        return None

    def _create_and_replace(self, config, adapter_name, target, target_name, parent, current_key, **kwargs):
        if current_key is None:
            raise ValueError("Current Key shouldn't be `None`")
        if isinstance(target, AptLayer):
            target.update_layer(adapter_name, config)
            return
        kind = self._unit_kind(config, current_key)
        unit = 0
        if kind == HEAD:
            text = self.model.config.get_text_config()
            unit = getattr(text, "head_dim", None) or text.hidden_size // text.num_attention_heads
        elif kind == NEURON:
            unit = 1
        new_module = Linear(target, adapter_name, config, unit_size=unit)
        new_module.unit_kind = kind
        if adapter_name not in self.active_adapters:
            new_module.requires_grad_(False)
        self._replace_module(parent, target_name, new_module, target)

    # ------------------------------------------------------------------ the schedule
    @property
    def _adapter(self) -> str:
        return self.active_adapters[0]

    def apt_layers(self) -> dict[str, AptLayer]:
        return {n: m for n, m in self.model.named_modules() if isinstance(m, AptLayer) and self._adapter in m.apt_A}

    def start_tracking(self, on: bool = True) -> None:
        for layer in self.apt_layers().values():
            layer.track_salience = on

    def accumulate_adapter_salience(self) -> None:
        """sum |theta * dL/dtheta| over each adapter's A and B; call while gradients exist (before the step)."""
        scores = self.__dict__.setdefault("_apt_adapter_score", {})
        adapter = self._adapter
        for name, layer in self.apt_layers().items():
            a, b = layer.apt_A[adapter], layer.apt_B[adapter]
            s = sum(float((p.detach() * p.grad).abs().sum()) for p in (a, b) if p.grad is not None)
            scores[name] = scores.get(name, 0.0) + s

    def _smooth(self, beta: float) -> None:
        adapter = self._adapter
        ema = self.__dict__.setdefault("_apt_adapter_ema", {})
        for name, score in self.__dict__.pop("_apt_adapter_score", {}).items():
            ema[name] = beta * ema.get(name, score) + (1 - beta) * score
        for layer in self.apt_layers().values():
            new = layer._unit_score.pop(adapter, None)
            if new is not None and adapter in layer.apt_unit_salience:
                old = layer.apt_unit_salience[adapter]
                fresh = bool((old == 0).all())
                layer.apt_unit_salience[adapter] = new if fresh else beta * old + (1 - beta) * new.to(old)

    def apt_update(self, step: int) -> dict:
        """Smooth the salience seen since the last call; on schedule points prune and grow. Returns what changed."""
        cfg = self.peft_config[self._adapter]
        self._smooth(cfg.ema_beta)
        if step % max(cfg.update_every, 1) or step <= cfg.prune_start * cfg.total_step:
            return {}
        pruned = {kind: self.prune_to(kind, cubic_sparsity(step, cfg)) for kind in (HEAD, NEURON)}
        grown = self.grow() if step <= cfg.prune_end * cfg.total_step else 0
        return {"pruned": pruned, "grown_ranks": grown}

    def prune_to(self, kind: str, sparsity: float) -> int:
        """Mask the least salient units of `kind` across layers until `sparsity` of them are pruned (each layer
        keeps at least one). Returns how many were pruned now."""
        adapter = self._adapter
        layers = [m for m in self.apt_layers().values() if getattr(m, "unit_kind", None) == kind]
        total = sum(m.n_units for m in layers)
        masks = [m.apt_unit_mask[adapter] for m in layers]
        active = sum(int(mask.sum()) for mask in masks)
        to_prune = active - max(len(layers), math.ceil((1.0 - sparsity) * total))
        if to_prune <= 0:
            return 0
        candidates = sorted((float(m.apt_unit_salience[adapter][u]), i, u)
                            for i, m in enumerate(layers) for u in range(m.n_units) if masks[i][u] > 0)
        left = [int(mask.sum()) for mask in masks]
        done = 0
        for _, i, u in candidates:
            if done == to_prune:
                break
            if left[i] > 1:
                masks[i][u] = 0.0
                left[i] -= 1
                done += 1
        return done

    def grow(self) -> int:
        """Add rank_step ranks to the grow_fraction most salient adapters, within the parameter budget."""
        adapter = self._adapter
        cfg = self.peft_config[adapter]
        layers = self.apt_layers()
        budget = cfg.budget_ratio * sum(cfg.r * (m.in_features + m.out_features) for m in layers.values())
        used = sum(m.active_params(adapter) for m in layers.values())
        ema = self.__dict__.get("_apt_adapter_ema", {})
        ranked = sorted(layers, key=lambda n: ema.get(n, 0.0), reverse=True)
        added = 0
        for name in ranked[: max(1, math.ceil(cfg.grow_fraction * len(ranked)))]:
            layer = layers[name]
            mask = layer.apt_rank_mask[adapter]
            step = min(cfg.rank_step, int((mask == 0).sum()))
            cost = step * (layer.in_features + layer.out_features)
            if step <= 0 or used + cost > budget:
                continue
            first = layer.active_rank(adapter)
            mask[first: first + step] = 1.0
            used += cost
            added += step
        return added

    def apt_summary(self) -> dict:
        adapter = self._adapter
        layers = self.apt_layers()
        units = {}
        for kind in (HEAD, NEURON):
            ls = [m for m in layers.values() if getattr(m, "unit_kind", None) == kind]
            units[kind + "s"] = {"kept": sum(int(m.apt_unit_mask[adapter].sum()) for m in ls),
                                 "total": sum(m.n_units for m in ls)}
        return {"units": units, "ranks": {n: m.active_rank(adapter) for n, m in layers.items()},
                "active_adapter_params": sum(m.active_params(adapter) for m in layers.values()),
                "allocated_adapter_params": sum(m.apt_A[adapter].numel() + m.apt_B[adapter].numel()
                                                for m in layers.values())}


