"""The per-sequence DPO step gives TRL's batched step's loss and gradient: pairs of different lengths, padding in
the batch, the SFT adapter as reference; and it steps aside for losses it cannot split."""

import pytest
import torch
from datasets import Dataset
from peft import LoraConfig, get_peft_model
from trl import DPOConfig, DPOTrainer

from cookbook.models import load_model, resolve_model
from cookbook.models.prompt_format import prompt_format
from cookbook.models.resolve import load_tokenizer
from cookbook.tasks.preference.dpo_stage import continue_adapter
from cookbook.tasks.preference.per_sequence import per_sequence_step, per_sequence_supported
from cookbook.tasks.preference.trainer import CookbookDPOTrainer
from cookbook.tasks.text.data import end_of_turn_token


def _trainer(tmp, **dpo_args):
    resolved = resolve_model("tiny-gemma3")
    tok = load_tokenizer(resolved)
    fmt = prompt_format(tok)
    torch.manual_seed(0)
    sft = get_peft_model(load_model(resolved), LoraConfig(task_type="CAUSAL_LM", r=4, lora_alpha=8, lora_dropout=0.0,
                                                          target_modules=["q_proj", "v_proj", "down_proj"],
                                                          init_lora_weights=False))
    sft.save_pretrained(str(tmp / "sft"))
    # Lengths differ within and across pairs, so the batch has padding the per-sequence step cuts away.
    rows = [{"prompt": fmt.prompt("record: " + "fever and cough " * (1 + 3 * i)),
             "chosen": fmt.completion("Pneumonia, treated with ceftriaxone." + " Improved." * i),
             "rejected": fmt.completion("Sepsis" + ", vancomycin" * (4 - i) + ".")} for i in range(3)]
    args = DPOConfig(output_dir=str(tmp / "checkpoints"), max_steps=1, per_device_train_batch_size=3,
                     learning_rate=0.05, bf16=False, use_cpu=True, gradient_checkpointing=False, report_to=[],
                     save_strategy="no", max_length=256, seed=0, **dpo_args)
    trainer = CookbookDPOTrainer(model=continue_adapter(load_model(resolved), tmp / "sft"), ref_model=None,
                                 args=args, train_dataset=Dataset.from_list(rows), processing_class=tok,
                                 end_of_turn=end_of_turn_token(fmt), chunk_rows=4)
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(3)])
    return trainer, batch


def _grads(model) -> dict:
    out = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad and p.grad is not None}
    model.zero_grad(set_to_none=True)
    return out


def test_per_sequence_step_equals_trls_batched_step(tmp_path):
    trainer, batch = _trainer(tmp_path)
    model = trainer.model
    model.train()
    assert batch["attention_mask"].min() == 0  # the batch is padded
    model.zero_grad(set_to_none=True)
    batched = DPOTrainer._compute_loss(trainer, model, batch, False)
    batched.backward()
    expected = _grads(model)
    loss = per_sequence_step(trainer, model, batch, lambda stub, pair: DPOTrainer._compute_loss(trainer, stub, pair,
                                                                                                False), 0.5)
    got = _grads(model)
    assert torch.allclose(loss, batched.detach(), atol=1e-5)
    assert expected and set(got) == set(expected)
    assert max(g.abs().max() for g in expected.values()) > 1e-4  # a gradient worth comparing
    for name, g in expected.items():
        assert torch.allclose(got[name], 0.5 * g, atol=1e-6, rtol=1e-4), name


def test_training_step_uses_it_and_counts_tokens(tmp_path):
    trainer, batch = _trainer(tmp_path)
    assert trainer.per_sequence
    trainer.train()
    assert trainer.state.global_step == 1 and trainer.tokens_seen == int(batch["attention_mask"].sum())
    assert all(torch.isfinite(torch.tensor(h["loss"])) for h in trainer.state.log_history if "loss" in h)


@pytest.mark.parametrize("dpo_args, why", [({"ld_alpha": 0.5}, "ld_alpha"), ({"loss_type": ["aot"]}, "aot")])
def test_losses_it_cannot_split_keep_trls_batched_step(tmp_path, dpo_args, why):
    trainer, _ = _trainer(tmp_path, **dpo_args)
    assert why in per_sequence_supported(trainer) and not trainer.per_sequence
