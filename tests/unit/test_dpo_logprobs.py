"""The DPO stage's completion-only log-probabilities are exactly TRL's: the chunked function against full-vocabulary
log_softmax (float64, gradcheck), and the patched model's fused-head output against TRL's own add_fused_lm_head on
the same inputs (fp32, values and gradients to 1e-5)."""

import copy

import pytest
import torch

from cookbook.models import load_model, resolve_model
from cookbook.tasks.preference.logprobs import add_completion_logprob_head, chunked_logprobs

# fp32 through a 2-layer model: the two heads sum the same terms in another order (chunks of 4 rows of the whole
# vocabulary here, tiles of 4,096 tokens x 32,768 columns there), so they agree to rounding, not bit for bit.
FP32_TOLERANCE = 1e-5


@pytest.mark.parametrize("softcap, scale", [(None, 1.0), (30.0, 0.5)])
def test_chunked_logprobs_equal_full_log_softmax_and_gradcheck(softcap, scale):
    torch.manual_seed(0)
    h = torch.randn(11, 6, dtype=torch.float64, requires_grad=True)
    w = torch.randn(20, 6, dtype=torch.float64, requires_grad=True)
    t = torch.randint(0, 20, (11,))
    z = (h @ w.t()) * scale
    if softcap:
        z = torch.tanh(z / softcap) * softcap
    full = torch.log_softmax(z, dim=-1)
    logp, entropy, mean_logit, is_top1 = chunked_logprobs(h, w, t, 4, softcap, scale)
    assert torch.allclose(logp, full.gather(1, t[:, None]).squeeze(1))
    assert torch.allclose(entropy, -(full.exp() * full).sum(-1))
    assert torch.allclose(mean_logit, z.mean(-1))
    assert torch.equal(is_top1, z.argmax(-1) == t)
    assert torch.autograd.gradcheck(lambda a, b: chunked_logprobs(a, b, t, 4, softcap, scale)[0], (h, w),
                                     fast_mode=True)


def _batch(vocab: int):
    """Two pairs as TRL's preference collator lays them out: [chosen rows, rejected rows], a shared prompt, right
    padding, labels -100 outside the completions."""
    torch.manual_seed(1)
    ids = torch.randint(5, vocab, (4, 14))
    attention = torch.ones_like(ids)
    attention[1, 11:] = 0
    attention[3, 9:] = 0
    completion = torch.zeros_like(ids)
    completion[:, 6:] = 1
    completion &= attention
    labels = ids.masked_fill(completion == 0, -100)
    return ids, attention, labels


def test_patched_head_equals_trl_fused_head_in_values_and_gradients():
    from trl.trainer.utils import add_fused_lm_head

    base = load_model(resolve_model("tiny-gemma3"))
    ours, trl_model = copy.deepcopy(base), copy.deepcopy(base)
    add_completion_logprob_head(ours, chunk_rows=4)
    add_fused_lm_head(trl_model, outputs=("log_probs", "entropy", "mean_logits", "is_top1"))
    ids, attention, labels = _batch(base.config.vocab_size)
    a = ours(input_ids=ids, attention_mask=attention, labels=labels, fused_lm_head=True)
    b = trl_model(input_ids=ids, attention_mask=attention, labels=labels, fused_lm_head=True)
    mask = labels[:, 1:] != -100
    assert mask.sum() > 0 and (~mask).sum() > 0  # both completion and prompt/padding positions are exercised
    for field in ("log_probs", "entropy", "mean_logits"):
        x, y = getattr(a, field), getattr(b, field)
        assert x.shape == y.shape
        assert torch.allclose(x, y, atol=FP32_TOLERANCE, rtol=0), field
    assert torch.equal(a.is_top1, b.is_top1)
    assert torch.equal(a.log_probs[~mask], torch.zeros_like(a.log_probs[~mask]))
    # What DPO sums: one log-probability per sequence, and its gradient through the whole model.
    a.log_probs.sum(1).mul(torch.tensor([1.0, -2.0, 0.5, 3.0])).sum().backward()
    b.log_probs.sum(1).mul(torch.tensor([1.0, -2.0, 0.5, 3.0])).sum().backward()
    for (name, p), (_, q) in zip(ours.named_parameters(), trl_model.named_parameters(), strict=True):
        assert p.grad is not None, name
        assert torch.allclose(p.grad, q.grad, atol=FP32_TOLERANCE, rtol=1e-4), name


def test_unpatched_forward_is_unchanged():
    model = load_model(resolve_model("tiny-gemma3"))
    ids = torch.randint(5, model.config.vocab_size, (2, 7))
    before = model(input_ids=ids).logits
    add_completion_logprob_head(model, chunk_rows=3)
    assert torch.equal(model(input_ids=ids).logits, before)
