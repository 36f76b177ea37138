"""Padding-free batches: TRL's padding-free collator packs a batch into one row with position_ids and sequence
bounds; through the packed attention (cookbook/tasks/text/packed_attention.py) the completion loss and its gradients
equal those of the padded batch (fp32, 1e-5), and no token attends across a sequence boundary."""

import copy

import pytest
import torch
from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

from cookbook.models import load_model, resolve_model
from cookbook.tasks.text.completion_loss import add_completion_loss_head
from cookbook.tasks.text.packed_attention import use_packed_attention
from tests.unit.test_fused_head import tiny_telecom_losses

FP32_TOLERANCE = 1e-5


def _examples(vocab, lengths=(7, 12, 4)):
    torch.manual_seed(0)
    rows = []
    for n in lengths:
        ids = torch.randint(5, vocab, (n,)).tolist()
        rows.append({"input_ids": ids, "labels": [-100] * (n // 2) + ids[n // 2:]})  # as TRL builds them
    return rows


def _grads(model):
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def test_packed_loss_and_gradients_equal_padded():
    base = load_model(resolve_model("tiny-gemma3"))
    add_completion_loss_head(base, chunk_rows=4)
    padded, packed = base, copy.deepcopy(base)
    use_packed_attention(packed)
    rows = _examples(base.config.vocab_size)
    pad = DataCollatorForLanguageModeling(pad_token_id=0)(rows)
    flat = DataCollatorForLanguageModeling(pad_token_id=0, padding_free=True)(rows)
    assert flat["input_ids"].shape == (1, 23) and "attention_mask" not in flat
    flat.pop("seq_idx", None)
    a = padded(**pad, completion_loss=True).loss
    b = packed(**flat, completion_loss=True).loss
    assert torch.allclose(a, b, atol=FP32_TOLERANCE, rtol=0)
    a.backward()
    b.backward()
    ga, gb = _grads(padded), _grads(packed)
    assert ga.keys() == gb.keys() and ga
    for name in ga:
        assert torch.allclose(ga[name], gb[name], atol=FP32_TOLERANCE, rtol=1e-4), name


def test_packed_attention_never_crosses_a_sequence_boundary():
    model = load_model(resolve_model("tiny-gemma3"))
    use_packed_attention(model)
    rows = _examples(model.config.vocab_size)
    flat = DataCollatorForLanguageModeling(pad_token_id=0, padding_free=True)(rows)
    flat.pop("labels"), flat.pop("seq_idx", None)
    hidden = model.model(**flat).last_hidden_state
    # changing the first sequence leaves the second and third unchanged
    flat2 = {k: v.clone() if torch.is_tensor(v) else v for k, v in flat.items()}
    flat2["input_ids"][0, :7] = torch.randint(5, model.config.vocab_size, (7,))
    hidden2 = model.model(**flat2).last_hidden_state
    assert not torch.allclose(hidden[0, :7], hidden2[0, :7])
    assert torch.equal(hidden[0, 7:], hidden2[0, 7:])
    # and an unpacked (padded) batch still takes sdpa with its padding mask
    alone = model.model(input_ids=torch.tensor([rows[1]["input_ids"]])).last_hidden_state
    assert torch.allclose(alone[0], hidden[0, 7:19], atol=FP32_TOLERANCE, rtol=0)


def test_tiny_telecom_training_losses_padding_free_equal_padded(tmp_path):
    packed = tiny_telecom_losses(tmp_path / "packed", "train.padding_free=true")
    padded = tiny_telecom_losses(tmp_path / "padded", "train.padding_free=false")
    assert len(packed) == len(padded) == 6
    assert packed == pytest.approx(padded, abs=1e-4, rel=0)
