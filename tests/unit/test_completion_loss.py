import torch
import torch.nn.functional as F

from cookbook.models import load_model, resolve_model
from cookbook.tasks.text.completion_loss import add_completion_loss_head, chunked_cross_entropy


def test_chunked_cross_entropy_equals_full_and_gradchecks():
    torch.manual_seed(0)
    for softcap in (None, 30.0):
        h = torch.randn(37, 16, dtype=torch.float64, requires_grad=True)
        w = torch.randn(100, 16, dtype=torch.float64, requires_grad=True)
        t = torch.randint(0, 100, (37,))
        z = (h @ w.t()) * 0.5
        if softcap:
            z = torch.tanh(z / softcap) * softcap
        expected = F.cross_entropy(z, t, reduction="sum")
        got = chunked_cross_entropy(h, w, t, 8, softcap, 0.5)
        assert torch.allclose(got, expected)
        assert torch.autograd.gradcheck(
            lambda a, b, t=t, softcap=softcap: chunked_cross_entropy(a, b, t, 8, softcap, 0.5), (h, w))


def test_patched_model_loss_equals_library_loss_on_completion_tokens():
    model = load_model(resolve_model("tiny-gemma3"))
    torch.manual_seed(0)
    ids = torch.randint(5, model.config.vocab_size, (3, 12))
    labels = ids.clone()
    labels[:, :5] = -100  # prompt
    labels[2, 9:] = -100  # padding
    reference = model(input_ids=ids, labels=labels).loss
    add_completion_loss_head(model, chunk_rows=4)
    ours = model(input_ids=ids, labels=labels, completion_loss=True).loss
    assert torch.allclose(ours, reference, atol=1e-5)
    ours.backward()
    assert model.model.layers[0].self_attn.q_proj.weight.grad is not None
    # Without the flag the forward is the original one (generation is unchanged).
    assert torch.equal(model(input_ids=ids).logits, model(input_ids=ids).logits)
