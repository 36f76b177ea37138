"""The output layer, its log-softmax and its hidden-state gradient in one pass, chunk by chunk of rows.

For each chunk of supervised rows: logits = softcap(h @ W.T * scale), log p = log_softmax(logits), and, while the
(rows x vocab) buffer is still there, d log p(target) / d h = (onehot(target) - p) @ W (times the softcap and
scale derivatives). That per-row gradient is stored (rows x hidden, as small as h itself) and backward only scales
it by the incoming per-row gradient: the logits are never recomputed and each chunk reads the output weights twice
(logits, gradient) instead of three times. This is the idea of Liger's fused linear cross-entropy.

The weight gradient would need the incoming gradient of every row before it can be summed, so when the output
weights require grad (full fine-tuning of the head) callers use the recompute-in-backward chunked functions in
completion_loss.py and preference/logprobs.py instead; LoRA and the other adapters leave the head frozen.
"""

from __future__ import annotations

import math

import torch


def balanced_chunks(n: int, chunk_rows: int) -> list[slice]:
    """`n` rows in ceil(n / chunk_rows) chunks of nearly equal size: no short tail chunk paying a full pass over
    the output weights for a few rows."""
    if n == 0:
        return []
    k = math.ceil(n / max(chunk_rows, 1))
    size = math.ceil(n / k)
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


class _FusedHeadLogProbs(torch.autograd.Function):
    """log p(target) per row of `hidden` (logits = softcap(hidden @ weight.T * scale)), with the gradient wrt
    `hidden` computed in the forward; optionally (without gradient) entropy, mean logit and is-top-1."""

    @staticmethod
    def forward(ctx, hidden, weight, targets, chunk_rows: int, softcap, scale: float, need_grad: bool,
                stats: bool):
        n = hidden.shape[0]
        logp = hidden.new_empty(n)
        grad = torch.empty_like(hidden) if need_grad else None
        entropy = hidden.new_empty(n) if stats else None
        mean_logit = hidden.new_empty(n) if stats else None
        is_top1 = torch.empty(n, dtype=torch.bool, device=hidden.device) if stats else None
        for rows in balanced_chunks(n, chunk_rows):
            h, t = hidden[rows], targets[rows]
            z = h @ weight.t()
            if scale != 1.0:
                z.mul_(scale)
            tanh = None
            if softcap:
                tanh = z.div_(softcap).tanh_()
                z = tanh * softcap
            if stats:
                mean_logit[rows] = z.mean(dim=-1)
                is_top1[rows] = z.argmax(dim=-1) == t  # the first maximum, as TRL counts ties
            lp = torch.log_softmax(z, dim=-1)
            del z
            logp[rows] = lp.gather(1, t[:, None]).squeeze(1)
            if stats:
                entropy[rows] = -(lp.exp() * lp).sum(dim=-1)
            if need_grad:
                p = lp.exp_()  # in place: the one (rows x vocab) buffer
                if tanh is None:
                    # (onehot - p) @ W * scale = scale * (W[t] - p @ W)
                    torch.addmm(weight.index_select(0, t), p, weight, beta=scale, alpha=-scale, out=grad[rows])
                else:
                    g = p.neg_()
                    g.scatter_add_(1, t[:, None], torch.ones((h.shape[0], 1), dtype=g.dtype, device=g.device))
                    g.mul_(tanh.mul_(tanh).neg_().add_(1))  # d softcap(x) / dx = 1 - tanh^2
                    if scale != 1.0:
                        g.mul_(scale)
                    torch.mm(g, weight, out=grad[rows])
                    del g
            del lp, tanh
        ctx.save_for_backward(grad if need_grad else hidden.new_empty(0))
        ctx.need_grad = need_grad
        outputs = (logp,) + ((entropy, mean_logit, is_top1) if stats else ())
        if stats:
            ctx.mark_non_differentiable(entropy, mean_logit, is_top1)
        return outputs

    @staticmethod
    def backward(ctx, grad_logp, *_):
        if not ctx.need_grad:
            raise RuntimeError("fused head: called without gradient; use fused_logprobs under the graph")
        (grad,) = ctx.saved_tensors
        grad_h = None
        if ctx.needs_input_grad[0] and grad_logp is not None:
            grad_h = grad * grad_logp[:, None]
        return grad_h, None, None, None, None, None, None, None


def fused_logprobs(hidden, weight, targets, chunk_rows: int = 256, softcap=None, scale: float = 1.0,
                   stats: bool = False):
    """log p(target) per row (and, with `stats`, entropy, mean logit, is_top1), equal to
    log_softmax(softcap(hidden @ weight.T * scale)).gather(targets). Differentiable wrt `hidden` only: the
    caller must not pass a weight that requires grad."""
    if weight.requires_grad and torch.is_grad_enabled():
        raise ValueError("fused head: the output weights require grad; use the chunked head for them")
    need_grad = torch.is_grad_enabled() and hidden.requires_grad
    out = _FusedHeadLogProbs.apply(hidden, weight, targets, chunk_rows, softcap, scale, need_grad, stats)
    return out if stats else out[0]


def head_is_frozen(weight) -> bool:
    """Whether the fused kernel applies: the output weights take no gradient (or no gradient is being taken)."""
    return not (weight.requires_grad and torch.is_grad_enabled())
