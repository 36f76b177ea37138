"""Completion-token log-probabilities for DPO, with the output layer computed only where they are needed.

DPO scores each chosen and rejected completion by the sum of its tokens' log-probabilities under the policy and
under the reference. TRL 1.16's fused head (trl.trainer.utils.add_fused_lm_head) scores only the labelled positions
on Triton devices, but elsewhere (this CPU) it projects every position of the batch, prompt and padding included,
in tiles of 4,096 tokens x 32,768 vocabulary columns (a 512 MB buffer, and as much again for each temporary). A
long prompt (a record to summarise) is most of each sequence and is scored twice per pair, so most of that work is
thrown away.

`add_completion_logprob_head` gives the model the same `fused_lm_head=True` contract TRL's `_compute_loss` calls
(a FusedCausalLMOutput with per-token log_probs, entropy, mean_logits and is_top1, zero where the label is -100),
computed from the completion positions only, `chunk_rows` rows x the whole vocabulary at a time, and recomputed
chunk by chunk in backward instead of being stored. The DPO loss, its variants and its metrics stay TRL's own.
"""

from __future__ import annotations

import torch

from cookbook.tasks.text.completion_loss import _logits, patch_completion_head
from cookbook.tasks.text.fused_head import fused_logprobs, head_is_frozen


class _ChunkedLogProbs(torch.autograd.Function):
    """log p(target) of each row of `hidden` under logits = softcap(hidden @ weight.T * scale), plus, without
    gradient, the entropy, the mean logit and whether the target is the most likely token (TRL logs these)."""

    @staticmethod
    def forward(ctx, hidden, weight, targets, chunk_rows: int, softcap, scale: float):
        n = hidden.shape[0]
        logp = hidden.new_empty(n)
        entropy, mean_logit = hidden.new_empty(n), hidden.new_empty(n)
        is_top1 = torch.empty(n, dtype=torch.bool, device=hidden.device)
        lse = hidden.new_empty(n)
        for start in range(0, n, chunk_rows):
            rows = slice(start, start + chunk_rows)
            z = _logits(hidden[rows], weight, softcap, scale)
            lse[rows] = torch.logsumexp(z, dim=-1)
            picked = z.gather(1, targets[rows, None]).squeeze(1)
            logp[rows] = picked - lse[rows]
            mean_logit[rows] = z.mean(dim=-1)
            # argmax takes the first maximum, as TRL's is_top1 counts a tie with an earlier token as a miss
            is_top1[rows] = z.argmax(dim=-1) == targets[rows]
            z.sub_(lse[rows, None])  # log p, in place: one (rows x vocab) buffer per chunk
            entropy[rows] = -(z.exp() * z).sum(dim=-1)
            del z
        ctx.save_for_backward(hidden, weight, targets, lse)
        ctx.chunk_rows, ctx.softcap, ctx.scale = chunk_rows, softcap, scale
        ctx.mark_non_differentiable(entropy, mean_logit, is_top1)
        return logp, entropy, mean_logit, is_top1

    @staticmethod
    def backward(ctx, grad_logp, *_):
        hidden, weight, targets, lse = ctx.saved_tensors
        need_h, need_w = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        grad_h = torch.zeros_like(hidden) if need_h else None
        grad_w = torch.zeros_like(weight) if need_w else None
        if grad_logp is None:
            return grad_h, grad_w, None, None, None, None
        for start in range(0, hidden.shape[0], ctx.chunk_rows):
            rows = slice(start, start + ctx.chunk_rows)
            h = hidden[rows]
            # d log p_t / d z_j = 1[j = t] - p_j, built in place in one (rows x vocab) buffer
            g = h @ weight.t()
            if ctx.scale != 1.0:
                g.mul_(ctx.scale)
            t = None
            if ctx.softcap:
                t = torch.tanh(g / ctx.softcap)
                torch.mul(t, ctx.softcap, out=g)
            g.sub_(lse[rows, None]).exp_().neg_()
            g.scatter_add_(1, targets[rows, None], torch.ones((h.shape[0], 1), dtype=g.dtype, device=g.device))
            g.mul_(grad_logp[rows, None])
            if t is not None:
                g.mul_(1 - t * t)
            if ctx.scale != 1.0:
                g.mul_(ctx.scale)
            if need_h:
                grad_h[rows] = g @ weight
            if need_w:
                grad_w += g.t() @ h
            del g, t
        return grad_h, grad_w, None, None, None, None


def chunked_logprobs(hidden, weight, targets, chunk_rows: int = 64, softcap=None, scale: float = 1.0):
    """(log p(target), entropy, mean logit, is_top1) per row; log p equals
    log_softmax(softcap(hidden @ weight.T * scale)).gather(targets) without the full logits."""
    return _ChunkedLogProbs.apply(hidden, weight, targets, chunk_rows, softcap, scale)


def add_completion_logprob_head(model, chunk_rows: int = 64, fused: bool = True) -> None:
    """Patch `model.forward` (a *ForCausalLM, the base model under PEFT) so that `model(..., labels=l,
    fused_lm_head=True)` returns TRL's FusedCausalLMOutput computed at completion positions only. Without the flag
    the forward is the one it replaces (generation is unchanged). With `fused` and a frozen output layer the
log-probabilities come from the fused head (gradient computed in the forward; forward only for the reference)."""
    from trl.trainer.utils import FusedCausalLMOutput

    def head(hidden, targets, mask, weight, softcap, scale, num_items_in_batch):
        h, t = hidden[mask], targets[mask]
        if fused and head_is_frozen(weight):
            logp, entropy, mean_logit, is_top1 = fused_logprobs(h, weight, t, chunk_rows, softcap, scale, stats=True)
        else:
            logp, entropy, mean_logit, is_top1 = chunked_logprobs(h, weight, t, chunk_rows, softcap, scale)
        # masked_scatter keeps a batch without completion tokens connected to the graph (a differentiable zero)
        zeros = hidden.new_zeros(mask.shape)
        log_probs = zeros.masked_scatter(mask, logp)
        denom = mask.sum().clamp(min=1) if num_items_in_batch is None else num_items_in_batch
        return FusedCausalLMOutput(
            loss=-log_probs.sum() / denom, log_probs=log_probs, entropy=zeros.masked_scatter(mask, entropy),
            mean_logits=zeros.masked_scatter(mask, mean_logit),
            is_top1=torch.zeros_like(mask).masked_scatter(mask, is_top1), label_mask=mask)

    patch_completion_head(model, "fused_lm_head", head)
