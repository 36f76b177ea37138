"""The fused output-layer head (cookbook/tasks/text/fused_head.py) is exact against the unfused references: the
log-softmax of full logits (float64 to 1e-12, gradcheck; float32 to 1e-5), the chunked recompute-in-backward loss
on a patched model (loss and every gradient), a last short chunk, sequences with no supervised token, a trainable
head (which takes the chunked path), and the telecom tiny recipe's training losses."""

import copy

import pytest
import torch

from cookbook.models import load_model, resolve_model
from cookbook.tasks.text.completion_loss import add_completion_loss_head
from cookbook.tasks.text.fused_head import balanced_chunks, fused_logprobs

# fp32: the fused and the reference heads sum the same terms in another order (addmm of W[t] - p @ W against
# autograd's (p - onehot) @ W), so they agree to rounding, not bit for bit.
FP32_TOLERANCE = 1e-5


def _reference_logprobs(h, w, t, softcap, scale):
    z = (h @ w.t()) * scale
    if softcap:
        z = torch.tanh(z / softcap) * softcap
    return torch.log_softmax(z, dim=-1).gather(1, t[:, None]).squeeze(1), z


def test_balanced_chunks_cover_every_row_once_without_a_short_tail():
    for n, c in ((0, 8), (1, 8), (8, 8), (9, 8), (37, 8), (1000, 256)):
        chunks = balanced_chunks(n, c)
        assert [i for s in chunks for i in range(s.start, s.stop)] == list(range(n))
        sizes = [s.stop - s.start for s in chunks]
        assert all(size <= c for size in sizes) and (not sizes or max(sizes) - min(sizes) <= max(sizes) // 2 + 1)
    assert [s.stop - s.start for s in balanced_chunks(257, 256)] == [129, 128]


@pytest.mark.parametrize("softcap, scale", [(None, 1.0), (None, 0.5), (30.0, 0.5)])
@pytest.mark.parametrize("n", [37, 5, 0])  # several chunks with a short last one, one short chunk, no rows
def test_fused_logprobs_equal_log_softmax_in_values_and_gradients(softcap, scale, n):
    torch.manual_seed(0)
    h = torch.randn(n, 16, dtype=torch.float64, requires_grad=True)
    w = torch.randn(100, 16, dtype=torch.float64)
    t = torch.randint(0, 100, (n,))
    expected, z = _reference_logprobs(h, w, t, softcap, scale)
    logp, entropy, mean_logit, is_top1 = fused_logprobs(h, w, t, 8, softcap, scale, stats=True)
    assert torch.allclose(logp, expected, atol=1e-12, rtol=0)
    full = torch.log_softmax(z, dim=-1)
    assert torch.allclose(entropy, -(full.exp() * full).sum(-1), atol=1e-12, rtol=0)
    assert torch.allclose(mean_logit, z.mean(-1), atol=1e-12, rtol=0)
    assert torch.equal(is_top1, z.argmax(-1) == t)
    g = torch.randn(n, dtype=torch.float64)
    (want,) = torch.autograd.grad((expected * g).sum(), h, allow_unused=True, materialize_grads=True)
    (got,) = torch.autograd.grad((logp * g).sum(), h, allow_unused=True, materialize_grads=True)
    assert torch.allclose(got, want, atol=1e-12, rtol=0)
    if n:
        assert torch.autograd.gradcheck(lambda a: fused_logprobs(a, w, t, 8, softcap, scale), (h,))


@pytest.mark.parametrize("softcap, scale", [(None, 1.0), (None, 0.5), (30.0, 0.5)])
@pytest.mark.parametrize("n, block", [(37, 16), (5, 100), (5, 7), (0, 16)])  # blocks with a short last one,
def test_vocab_blocked_logprobs_equal_log_softmax(softcap, scale, n, block):  # one whole block, no rows
    torch.manual_seed(1)
    h = (torch.randn(n, 16, dtype=torch.float64) * 3).requires_grad_()  # large logits: the rescaling matters
    w = torch.randn(100, 16, dtype=torch.float64)
    t = torch.randint(0, 100, (n,))
    expected, _ = _reference_logprobs(h, w, t, softcap, scale)
    logp = fused_logprobs(h, w, t, 8, softcap, scale, vocab_block=block)
    assert torch.allclose(logp, expected, atol=1e-12, rtol=0)
    g = torch.randn(n, dtype=torch.float64)
    (want,) = torch.autograd.grad((expected * g).sum(), h, allow_unused=True, materialize_grads=True)
    (got,) = torch.autograd.grad((logp * g).sum(), h, allow_unused=True, materialize_grads=True)
    assert torch.allclose(got, want, atol=1e-12, rtol=0)
    if n:
        assert torch.autograd.gradcheck(lambda a: fused_logprobs(a, w, t, 8, softcap, scale, vocab_block=block),
                                        (h,))
    with torch.no_grad():
        assert torch.allclose(fused_logprobs(h, w, t, 8, softcap, scale, vocab_block=block), expected,
                              atol=1e-12, rtol=0)


def test_fused_logprobs_fp32_tolerance_and_forward_only():
    torch.manual_seed(0)
    h = torch.randn(300, 64, requires_grad=True)
    w = torch.randn(5000, 64) * 0.1
    t = torch.randint(0, 5000, (300,))
    expected, _ = _reference_logprobs(h, w, t, None, 1.0)
    got = fused_logprobs(h, w, t, 128)
    assert torch.allclose(got, expected, atol=FP32_TOLERANCE, rtol=0)
    (want,) = torch.autograd.grad(expected.sum(), h)
    (have,) = torch.autograd.grad(got.sum(), h)
    assert torch.allclose(have, want, atol=FP32_TOLERANCE, rtol=0)
    with torch.no_grad():  # the DPO reference pass: no gradient computed or stored
        assert torch.allclose(fused_logprobs(h, w, t, 128), expected, atol=FP32_TOLERANCE, rtol=0)


def test_fused_logprobs_refuse_a_trainable_head():
    w = torch.randn(10, 4, requires_grad=True)
    with pytest.raises(ValueError, match="require grad"):
        fused_logprobs(torch.randn(3, 4), w, torch.tensor([1, 2, 3]))


def _batch(vocab: int):
    torch.manual_seed(0)
    ids = torch.randint(5, vocab, (4, 12))
    labels = ids.clone()
    labels[:, :5] = -100  # prompt
    labels[2, 9:] = -100  # padding
    labels[3, :] = -100  # a sequence with no supervised token
    return ids, labels


@pytest.mark.parametrize("train_head, vocab_block", [(False, 0), (True, 0), (False, 100)])
def test_patched_model_fused_equals_unfused_loss_and_gradients(train_head, vocab_block):
    base = load_model(resolve_model("tiny-gemma3"))
    for p in base.parameters():
        p.requires_grad_(False)
    for p in base.model.layers[-1].parameters():
        p.requires_grad_(True)
    base.get_output_embeddings().weight.requires_grad_(train_head)  # tied: the embeddings too
    fused, unfused = copy.deepcopy(base), copy.deepcopy(base)
    # 21 rows: chunks of 4 with a short last one; vocab_block 100: blocks of the tiny vocabulary, a short last one
    add_completion_loss_head(fused, chunk_rows=4, fused=True, vocab_block=vocab_block)
    add_completion_loss_head(unfused, chunk_rows=4, fused=False)
    ids, labels = _batch(base.config.vocab_size)
    a = fused(input_ids=ids, labels=labels, completion_loss=True).loss
    b = unfused(input_ids=ids, labels=labels, completion_loss=True).loss
    assert torch.allclose(a, b, atol=FP32_TOLERANCE, rtol=0)
    assert torch.allclose(a, base(input_ids=ids, labels=labels).loss, atol=FP32_TOLERANCE, rtol=0)
    a.backward()
    b.backward()
    trained = [(n, p, q) for (n, p), (_, q) in zip(fused.named_parameters(), unfused.named_parameters(), strict=True)
               if p.requires_grad]
    assert len(trained) > 3
    for name, p, q in trained:
        assert p.grad is not None, name
        assert torch.allclose(p.grad, q.grad, atol=FP32_TOLERANCE, rtol=1e-4), name


def test_batch_without_supervised_tokens_gives_zero_loss_and_zero_gradients():
    model = load_model(resolve_model("tiny-gemma3"))
    add_completion_loss_head(model, chunk_rows=4, fused=True)
    for p in model.parameters():
        p.requires_grad_(False)
    q = model.model.layers[0].self_attn.q_proj.weight
    q.requires_grad_(True)
    ids = torch.randint(5, model.config.vocab_size, (2, 6))
    loss = model(input_ids=ids, labels=torch.full_like(ids, -100), completion_loss=True).loss
    assert loss.item() == 0.0
    loss.backward()
    assert torch.equal(q.grad, torch.zeros_like(q))


def tiny_telecom_losses(tmp_path, *overrides: str) -> list[float]:
    """Train and eval losses of 4 steps of the telecom tiny recipe (evals after steps 2 and 4)."""
    from cookbook.config import load_config
    from cookbook.discovery import get_recipe
    from cookbook.paths import repo_root
    from cookbook.tasks.text.train import build_trainer

    cfg = load_config(repo_root() / "domains" / "telecom" / "configs" / "tiny.yaml",
                      ["train.max_steps=4", "train.eval_steps=2", "train.save_steps=1000", *overrides])
    # The LoRA factors are initialised before the Trainer seeds the run, from whatever state the global generator
    # is in: seed it so that both runs start from the same adapter.
    torch.manual_seed(cfg.train.seed)
    trainer, _, _ = build_trainer(cfg, get_recipe("telecom"), tmp_path, "lora", resolve_model(cfg.model.source))
    trainer.args.report_to = []
    trainer.train()
    history = trainer.state.log_history
    return [h["loss"] for h in history if "loss" in h] + [h["eval_loss"] for h in history if "eval_loss" in h]


def test_tiny_telecom_training_losses_match_the_unfused_path(tmp_path):
    """Same seed, same data: the losses of 4 steps of the tiny recipe (and 2 evals) through the fused head match
    the old path (chunked recompute-in-backward head, peft's LoRA forward) to 1e-5 (measured: 4.8e-7, one fp32
    ulp at 6.2)."""
    fused = tiny_telecom_losses(tmp_path / "fused", "train.fused_head=true")
    unfused = tiny_telecom_losses(tmp_path / "unfused", "train.fused_head=false", "train.lean_lora=false")
    assert len(fused) == len(unfused) == 6
    assert fused == pytest.approx(unfused, abs=1e-5, rel=0)
