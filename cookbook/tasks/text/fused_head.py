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


def _capped_logits(h, w, softcap, scale: float):
    """(softcap(h @ w.T * scale), its tanh or None without softcap), computed in the one matmul buffer."""
    z = h @ w.t()
    if scale != 1.0:
        z.mul_(scale)
    if not softcap:
        return z, None
    tanh = z.div_(softcap).tanh_()
    return tanh * softcap, tanh


def _blocked_rows(h, weight, t, vocab_block: int, softcap, scale: float, need_grad: bool):
    """(log p(target), d log p(target) / d h or None) for the rows `h`, one block of `vocab_block` output rows of
    `weight` at a time with an online softmax (running max, rescaled sum and rescaled gradient accumulator, as
    flash attention does over keys): exact, one pass over the weights, and the largest buffer is
    rows x vocab_block instead of rows x vocab, small enough to stay in cache between its matmul and its exp."""
    rows = h.shape[0]
    run_max = h.new_full((rows,), -math.inf)
    run_sum = h.new_zeros(rows)
    acc = h.new_zeros(h.shape) if need_grad else None
    target_logit = h.new_empty(rows)
    target_deriv = h.new_ones(rows)  # d logit / d pre-softcap logit at the target (1 without softcap)
    for start in range(0, weight.shape[0], vocab_block):
        w = weight[start:start + vocab_block]
        z, tanh = _capped_logits(h, w, softcap, scale)
        deriv = None if tanh is None else tanh.mul_(tanh).neg_().add_(1)  # d softcap(x) / dx = 1 - tanh^2
        here = ((t >= start) & (t < start + w.shape[0])).nonzero().squeeze(1)
        if here.numel():
            cols = t[here] - start
            target_logit[here] = z[here, cols]
            if deriv is not None:
                target_deriv[here] = deriv[here, cols]
        new_max = torch.maximum(run_max, z.amax(dim=1))
        rescale = (run_max - new_max).exp_()  # exp(-inf) = 0 on the first block
        e = z.sub_(new_max[:, None]).exp_()
        run_sum.mul_(rescale).add_(e.sum(dim=1))
        if need_grad:
            if deriv is not None:
                e.mul_(deriv)
            acc.mul_(rescale[:, None]).addmm_(e, w)
        run_max = new_max
        del z, e, deriv
    logp = target_logit - (run_max + run_sum.log())
    if not need_grad:
        return logp, None
    # d log p(t) / d h = scale * (deriv_t W[t] - sum_v p_v deriv_v W[v]); acc holds the sum times run_sum
    grad = weight.index_select(0, t).mul_(target_deriv[:, None]).sub_(acc.div_(run_sum[:, None]))
    return logp, grad.mul_(scale) if scale != 1.0 else grad


# Rows per chunk of the blocked variant: its buffers are rows x vocab_block (1024 x 8192 fp32 = 32 MB), so more rows
# only amortise each pass over the weights. Measured by `python -m cookbook.bench_head` (reports/bench/head*.json):
# 1024 rows and blocks of 8192 beat whole rows of 256 by 1.4x (Gemma 3 270M's head) and 1.5x (Qwen2.5-Coder-0.5B's).
BLOCKED_CHUNK_ROWS = 1024


class _FusedHeadLogProbs(torch.autograd.Function):
    """log p(target) per row of `hidden` (logits = softcap(hidden @ weight.T * scale)), with the gradient wrt
    `hidden` computed in the forward; optionally (without gradient) entropy, mean logit and is-top-1."""

    @staticmethod
    def forward(ctx, hidden, weight, targets, chunk_rows: int, softcap, scale: float, need_grad: bool,
                stats: bool, vocab_block: int = 0):
        n = hidden.shape[0]
        logp = hidden.new_empty(n)
        grad = torch.empty_like(hidden) if need_grad else None
        if vocab_block and not stats:
            for rows in balanced_chunks(n, chunk_rows):
                logp[rows], g = _blocked_rows(hidden[rows], weight, targets[rows], vocab_block, softcap, scale,
                                              need_grad)
                if need_grad:
                    grad[rows] = g
            ctx.save_for_backward(grad if need_grad else hidden.new_empty(0))
            ctx.need_grad = need_grad
            return (logp,)
        entropy = hidden.new_empty(n) if stats else None
        mean_logit = hidden.new_empty(n) if stats else None
        is_top1 = torch.empty(n, dtype=torch.bool, device=hidden.device) if stats else None
        for rows in balanced_chunks(n, chunk_rows):
            h, t = hidden[rows], targets[rows]
            z, tanh = _capped_logits(h, weight, softcap, scale)
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
        return grad_h, None, None, None, None, None, None, None, None


def fused_logprobs(hidden, weight, targets, chunk_rows: int = 256, softcap=None, scale: float = 1.0,
                   stats: bool = False, vocab_block: int = 0):
    """log p(target) per row (and, with `stats`, entropy, mean logit, is_top1), equal to
    log_softmax(softcap(hidden @ weight.T * scale)).gather(targets). Differentiable wrt `hidden` only: the
    caller must not pass a weight that requires grad. `vocab_block` > 0: the vocabulary-blocked online softmax
    (`_blocked_rows`, `chunk_rows` rows at a time: callers pass BLOCKED_CHUNK_ROWS; not with `stats`, which take
    whole-vocabulary rows)."""
    if weight.requires_grad and torch.is_grad_enabled():
        raise ValueError("fused head: the output weights require grad; use the chunked head for them")
    need_grad = torch.is_grad_enabled() and hidden.requires_grad
    out = _FusedHeadLogProbs.apply(hidden, weight, targets, chunk_rows, softcap, scale, need_grad, stats,
                                   vocab_block)
    return out if stats else out[0]


def head_is_frozen(weight) -> bool:
    """Whether the fused kernel applies: the output weights take no gradient (or no gradient is being taken)."""
    return not (weight.requires_grad and torch.is_grad_enabled())
