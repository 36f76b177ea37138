"""Causal-LM loss on completion tokens only, computed in row chunks so the (tokens x vocab) logits never exist
for the whole batch.

With Gemma 3's 262k vocabulary the output layer is most of a small model's compute and memory. A plain
forward (and TRL's fused head on CPU) projects every position, prompt and padding included; this loss
projects only positions whose next-token label is kept, `chunk_rows` at a time: by default through the fused head
(fused_head.py: loss and hidden-state gradient in one pass per chunk), else recomputing each chunk in backward.
"""

from __future__ import annotations

import functools
import types

import torch
from transformers.modeling_outputs import CausalLMOutputWithPast

from cookbook.tasks.text.fused_head import BLOCKED_CHUNK_ROWS, fused_logprobs, head_is_frozen


class _ChunkedCrossEntropy(torch.autograd.Function):
    """Sum of -log p(target) over rows of `hidden`, logits = softcap(hidden @ weight.T * scale)."""

    @staticmethod
    def forward(ctx, hidden, weight, targets, chunk_rows: int, softcap, scale: float):
        total = hidden.new_zeros(())
        lse_parts = []
        for start in range(0, hidden.shape[0], chunk_rows):
            logits = _logits(hidden[start:start + chunk_rows], weight, softcap, scale)
            picked = logits.gather(1, targets[start:start + chunk_rows, None]).squeeze(1)
            lse = torch.logsumexp(logits, dim=-1)
            del logits
            total += (lse - picked).sum()
            lse_parts.append(lse)
        ctx.save_for_backward(hidden, weight, targets, torch.cat(lse_parts) if lse_parts else hidden.new_zeros(0))
        ctx.chunk_rows, ctx.softcap, ctx.scale = chunk_rows, softcap, scale
        return total

    @staticmethod
    def backward(ctx, grad_total):
        hidden, weight, targets, lse = ctx.saved_tensors
        need_h, need_w = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        grad_h = torch.zeros_like(hidden) if need_h else None
        grad_w = torch.zeros_like(weight) if need_w else None
        for start in range(0, hidden.shape[0], ctx.chunk_rows):
            rows = slice(start, start + ctx.chunk_rows)
            h = hidden[rows]
            # One (rows x vocab) buffer, updated in place: logits -> softmax -> d loss / d logits.
            g = h @ weight.t()
            if ctx.scale != 1.0:
                g.mul_(ctx.scale)
            t = None
            if ctx.softcap:
                t = torch.tanh(g / ctx.softcap)
                torch.mul(t, ctx.softcap, out=g)
            g.sub_(lse[rows, None]).exp_()
            g.scatter_add_(1, targets[rows, None], torch.full((h.shape[0], 1), -1.0, dtype=g.dtype, device=g.device))
            g.mul_(grad_total)
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


def _logits(h, weight, softcap, scale):
    z = h @ weight.t()
    if scale != 1.0:
        z.mul_(scale)
    if softcap:
        z.div_(softcap).tanh_().mul_(softcap)
    return z


def chunked_cross_entropy(hidden, weight, targets, chunk_rows=256, softcap=None, scale=1.0):
    """Summed token NLL; equals F.cross_entropy(logits, targets, reduction='sum') without full logits."""
    return _ChunkedCrossEntropy.apply(hidden, weight, targets, chunk_rows, softcap, scale)


def patch_completion_head(model, flag: str, head) -> None:
    """Patch `model.forward` (a *ForCausalLM) so that `model(..., labels=l, <flag>=True)` runs the backbone and
    returns `head(hidden, targets, mask, weight, softcap, scale, num_items_in_batch)` on the shifted positions;
    without the flag the forward is the one it replaces. Called through PEFT and DDP wrappers, so gradient sync and
    prompt tuning still work. Shared by the SFT loss and DPO's log-probabilities."""
    original_forward = model.forward
    text_config = model.config.get_text_config()
    softcap = getattr(text_config, "final_logit_softcapping", None)
    scale = getattr(text_config, "logit_scale", None) or 1.0

    @functools.wraps(type(model).forward)
    def forward(self, *args, labels=None, num_items_in_batch=None, **kwargs):
        if not kwargs.pop(flag, False):
            if labels is not None:
                kwargs["labels"] = labels
            return original_forward(*args, **kwargs)
        kwargs["use_cache"] = False
        kwargs.pop("fused_lm_head", None)
        kwargs.pop("completion_loss", None)
        hidden = self.base_model(*args, **kwargs).last_hidden_state[:, :-1]
        targets = labels[:, 1:]
        return head(hidden, targets, targets != -100, self.get_output_embeddings().weight, softcap, scale,
                    num_items_in_batch)

    model.forward = types.MethodType(forward, model)


def add_completion_loss_head(model, chunk_rows: int = 256, fused: bool = True, vocab_block: int = 0) -> None:
    """`model(..., labels=l, completion_loss=True)` returns the completion-only loss: with `fused` and a frozen
    output layer from the fused head (cookbook/tasks/text/fused_head.py: gradient computed in the forward), else
    from the chunked one (logits recomputed in backward; also what a trainable head takes)."""

    def head(hidden, targets, keep, weight, softcap, scale, num_items_in_batch):
        h, t = hidden[keep], targets[keep]
        if fused and head_is_frozen(weight):
            rows = BLOCKED_CHUNK_ROWS if vocab_block else chunk_rows  # blocks make wide row chunks cheap
            total = -fused_logprobs(h, weight, t, rows, softcap, scale, vocab_block=vocab_block).sum()
        else:
            total = chunked_cross_entropy(h, weight, t, chunk_rows, softcap, scale)
        denom = keep.sum().clamp(min=1) if num_items_in_batch is None else num_items_in_batch
        return CausalLMOutputWithPast(loss=total / denom)

    patch_completion_head(model, "completion_loss", head)
