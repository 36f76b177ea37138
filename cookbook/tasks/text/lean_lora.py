"""peft's LoRA linear layer with the scaling folded into the matrix products: y = x W^T + b + s (x A^T) B^T as one
addmm into the base output, and in backward the input gradient's LoRA term added by addmm too, so the (tokens x
out) `* scaling` and `result + lora` passes of peft's forward (and their backward passes) are gone.

Only the forward of each layer instance is replaced, and only where it computes plain LoRA (one active adapter, no
dropout, no variant such as DoRA, not merged, a float Linear base): the parameters, their names and the saved
adapter stay peft's own, and every other case runs peft's forward.
"""

from __future__ import annotations

import types

import torch


class _LoraLinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, lora_a, lora_b, scaling: float):
        x2 = x.reshape(-1, x.shape[-1])
        y = torch.mm(x2, weight.t()) if bias is None else torch.addmm(bias, x2, weight.t())
        u = torch.mm(x2, lora_a.t())
        y.addmm_(u, lora_b.t(), alpha=scaling)
        ctx.save_for_backward(x2, weight, lora_a, lora_b, u)
        ctx.scaling, ctx.has_bias, ctx.x_shape = scaling, bias is not None, x.shape
        return y.view(*x.shape[:-1], weight.shape[0])

    @staticmethod
    def backward(ctx, grad_y):
        x2, weight, lora_a, lora_b, u = ctx.saved_tensors
        s = ctx.scaling
        gy = grad_y.reshape(-1, grad_y.shape[-1])
        v = torch.mm(gy, lora_b)  # tokens x r
        grad_x = grad_w = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_x = torch.mm(gy, weight).addmm_(v, lora_a, alpha=s).view(ctx.x_shape)
        if ctx.needs_input_grad[1]:
            grad_w = torch.mm(gy.t(), x2)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_bias = gy.sum(0)
        grad_a = torch.mm(v.t(), x2).mul_(s) if ctx.needs_input_grad[3] else None
        grad_b = torch.mm(gy.t(), u).mul_(s) if ctx.needs_input_grad[4] else None
        return grad_x, grad_w, grad_bias, grad_a, grad_b, None


def _plain_lora(layer, x, args, kwargs):
    """The adapter this layer would apply as plain LoRA, or None if peft's forward must run."""
    if args or kwargs or layer.disable_adapters or layer.merged or len(layer.active_adapters) != 1:
        return None
    name = layer.active_adapters[0]
    if name not in layer.lora_A or name in getattr(layer, "lora_variant", {}):
        return None
    if not isinstance(layer.lora_dropout[name], torch.nn.Identity) or getattr(layer, "fan_in_fan_out", False):
        return None
    base, a = layer.get_base_layer(), layer.lora_A[name].weight
    if type(base) is not torch.nn.Linear or not (x.dtype == base.weight.dtype == a.dtype) or a.dtype.is_complex:
        return None
    return name


def lean_lora_forward(self, x, *args, **kwargs):
    name = _plain_lora(self, x, args, kwargs)
    if name is None:
        return self._peft_forward(x, *args, **kwargs)
    base = self.get_base_layer()
    return _LoraLinear.apply(x, base.weight, base.bias, self.lora_A[name].weight, self.lora_B[name].weight,
                             float(self.scaling[name]))


def use_lean_lora(model) -> int:
    """Give every peft LoRA Linear in `model` the folded forward (falls back to peft's per call); returns how many."""
    from peft.tuners.lora.layer import Linear as LoraLinear

    count = 0
    for module in model.modules():
        if type(module) is LoraLinear and not hasattr(module, "_peft_forward"):
            module._peft_forward = module.forward
            module.forward = types.MethodType(lean_lora_forward, module)
            count += 1
    return count
