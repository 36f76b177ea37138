"""One DPO training step that holds the activations of one sequence at a time, with TRL's loss and metrics.

TRL's DPOTrainer runs a batch as one forward of 2B rows ([chosen..., rejected...], padded to the longest), so its
activation memory is that of 2B x max_len tokens, padding included, and on a CPU the large working set also costs
speed. A DPO loss (the sigmoid loss and its relatives) depends on the policy only through each sequence's summed
completion log-probability, so its gradient is a weighted sum of the per-sequence gradients:

    d loss / d theta = sum_rows c_row * d logp_row / d theta,   c_row = d loss / d logp_row.

`per_sequence_step` runs each pair's two sequences separately, each cut to its own length: forward, and the gradient
of its own logp (torch.autograd.grad, so the trainer's .grad buffers are untouched). It then hands TRL's own
`_compute_loss` the pair's per-token log-probabilities as a leaf tensor (with the reference log-probabilities in the
batch, as TRL's precomputed-reference path takes them), backpropagates that loss to the leaf for the c of each row,
and adds c x gradient into .grad. The loss variant, the beta, the reference handling and the logged metrics are
TRL's. Cost: the same forwards and backwards as TRL's batch, without the padding; memory: one sequence's activations
plus two copies of the trainable parameters' gradient (small for an adapter). Exact, dropout included, because each
row's value and gradient come from the same forward (tests/unit/test_dpo_per_sequence.py checks it against TRL's
batched step).

Where c is not one number per sequence (TRL's `ld_alpha` weighs the tail tokens apart) or the loss couples the
pairs of a batch (AOT sorts across it), this does not apply: `per_sequence_supported` says so and the trainer keeps
TRL's batched step.
"""

from __future__ import annotations

import contextlib
from types import SimpleNamespace

import torch

from cookbook.errors import CookbookError

# Loss types whose per-pair loss depends only on that pair's summed log-probabilities (and the reference's).
PER_PAIR_LOSSES = frozenset({"sigmoid", "ipo", "robust", "sigmoid_norm"})
_NON_MODEL_KEYS = {"completion_mask", "ref_chosen_logps", "ref_rejected_logps"}


def per_sequence_supported(trainer) -> str | None:
    """None when the trainer's DPO loss can run sequence by sequence; otherwise why not (one line)."""
    if getattr(trainer, "ld_alpha", None) is not None:
        return "ld_alpha weighs a sequence's tokens unequally"
    if getattr(trainer, "aux_loss_enabled", False):
        return "the router's auxiliary loss needs the whole batch"
    others = set(trainer.loss_types) - PER_PAIR_LOSSES
    if others:
        return f"loss type(s) {sorted(others)} are not per-pair"
    if trainer.accelerator.num_processes > 1:
        return "gradients are summed outside the DDP reducer, so it runs in one process only"
    return None


def _pair(inputs: dict, i: int, batch: int) -> dict:
    """Pair i of a [chosen..., rejected...] batch as a 2-row batch, cut to the longer of its two sequences."""
    rows = [i, batch + i]
    pair = {k: v[rows] for k, v in inputs.items() if torch.is_tensor(v) and v.dim() == 2 and v.shape[0] == 2 * batch}
    for key in ("ref_chosen_logps", "ref_rejected_logps"):
        if key in inputs:
            pair[key] = inputs[key][i:i + 1]
    used = int(pair["attention_mask"].nonzero()[:, 1].max()) + 1
    return {k: (v[:, :used] if v.dim() == 2 else v) for k, v in pair.items()}


def _row(pair: dict, j: int) -> dict:
    """Row j of a pair, cut to its own last attended position (right padding; a left-padded row keeps its mask)."""
    used = int(pair["attention_mask"][j].nonzero().max()) + 1
    return {k: v[j:j + 1, :used] for k, v in pair.items() if k not in {"ref_chosen_logps", "ref_rejected_logps"}}


def _row_forward(model, row: dict, params: list):
    """The row's TRL-style fused output (detached) and the gradient of its summed completion log-probability."""
    labels = row["input_ids"].masked_fill(row["completion_mask"] == 0, -100)
    kwargs = {k: v for k, v in row.items() if k not in _NON_MODEL_KEYS}
    out = model(**kwargs, labels=labels, fused_lm_head=True, use_cache=False)
    seq_len = row["input_ids"].shape[1] - 1
    logps = out.log_probs[:, -seq_len:]
    grads = torch.autograd.grad(logps.sum(), params, allow_unused=True)
    fields = {name: getattr(out, name)[:, -seq_len:].detach() for name in ("entropy", "mean_logits", "is_top1")}
    return logps.detach(), fields, grads


def _stub_output(pair: dict, rows: list) -> SimpleNamespace:
    """The pair's per-token fields laid out as the batched forward would return them, log_probs a leaf."""
    width = pair["input_ids"].shape[1] - 1
    out = {}
    for name, like in (("log_probs", rows[0][0]), ("entropy", rows[0][1]["entropy"]),
                       ("mean_logits", rows[0][1]["mean_logits"]), ("is_top1", rows[0][1]["is_top1"])):
        buf = torch.zeros((2, width), dtype=like.dtype, device=like.device)
        for j, (logps, fields, _) in enumerate(rows):
            value = logps if name == "log_probs" else fields[name]
            buf[j, :value.shape[1]] = value[0]
        out[name] = buf
    out["log_probs"].requires_grad_(True)
    return SimpleNamespace(**out, loss=None)


def _coefficient(leaf_grad: torch.Tensor, completion_mask: torch.Tensor) -> torch.Tensor:
    """d loss / d logp of one row: the gradient on each of its completion tokens, which must be one number."""
    on = leaf_grad[completion_mask[1:].bool()]
    if on.numel() == 0:
        return leaf_grad.new_zeros(())
    if not torch.allclose(on, on[0].expand_as(on), rtol=1e-5, atol=1e-12):
        raise CookbookError("per-sequence DPO: the loss weighs this sequence's tokens unequally; set "
                            "dpo.per_sequence=false for this loss")
    return on[0]


def per_sequence_step(trainer, model, inputs: dict, dpo_loss, scale: float) -> torch.Tensor:
    """Accumulate `scale` x the gradient of the batch's DPO loss (the mean over its pairs) into .grad, one sequence
    at a time; returns the batch's loss, detached. `dpo_loss(stub_model, pair_inputs)` is TRL's loss on one pair
    whose reference log-probabilities are in the inputs."""
    params = [p for p in model.parameters() if p.requires_grad]
    batch = inputs["input_ids"].shape[0] // 2
    total = 0.0
    for i in range(batch):
        pair = _pair(inputs, i, batch)
        if "ref_chosen_logps" not in pair:
            ref_chosen, ref_rejected = trainer.compute_ref_log_probs(model, pair)
            pair["ref_chosen_logps"], pair["ref_rejected_logps"] = ref_chosen, ref_rejected
        rows = [_row_forward(model, _row(pair, j), params) for j in (0, 1)]
        stub = _stub_output(pair, rows)
        with _precomputed_reference(trainer):
            loss = dpo_loss(lambda *a, out=stub, **k: out, pair)  # TRL's loss, on the pair's outputs
        loss.backward()
        for j, (_, _, grads) in enumerate(rows):
            weight = _coefficient(stub.log_probs.grad[j], pair["completion_mask"][j]) * (scale / batch)
            for p, g in zip(params, grads, strict=True):
                if g is None:
                    continue
                if p.grad is None:
                    p.grad = (g * weight).to(p.dtype)
                else:
                    p.grad.add_(g, alpha=float(weight))
        total += float(loss.detach())
        del rows, stub
    return torch.tensor(total / batch)


@contextlib.contextmanager
def _precomputed_reference(trainer):
    """TRL's _compute_loss reads the reference log-probabilities from the batch while this is on."""
    before = trainer.precompute_ref_logps
    trainer.precompute_ref_logps = True
    try:
        yield
    finally:
        trainer.precompute_ref_logps = before
