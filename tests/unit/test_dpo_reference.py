"""The DPO stage's reference is the SFT policy: continuing an SFT adapter with ref_model=None, the reference
log-probabilities TRL computes equal those of the SFT model loaded on its own (not the base model's), before and
after training steps move the policy; the saved adapter is the policy alone; answers end at the chat template's
end of turn, as SFT trained them."""

import pytest
import torch
from datasets import Dataset
from peft import LoraConfig, PeftModel, get_peft_model

from cookbook.models import load_model, resolve_model
from cookbook.models.prompt_format import prompt_format
from cookbook.models.resolve import load_tokenizer
from cookbook.tasks.preference.dpo_stage import continue_adapter
from cookbook.tasks.preference.trainer import REFERENCE_ADAPTER, CookbookDPOTrainer
from cookbook.tasks.text.data import end_of_turn_token

# Sums of ~20 fp32 token log-probabilities, computed through different heads (chunked vs full logits).
TOLERANCE = 1e-4


def completion_logps(model, batch) -> torch.Tensor:
    """Per-sequence sum of completion-token log-probabilities from the model's full logits (the textbook way)."""
    with torch.no_grad():
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1]
    per_token = torch.log_softmax(logits, -1).gather(2, batch["input_ids"][:, 1:, None]).squeeze(2)
    return (per_token * batch["completion_mask"][:, 1:]).sum(1)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dpo_ref")
    resolved = resolve_model("tiny-gemma3")
    tok = load_tokenizer(resolved)
    fmt = prompt_format(tok)
    torch.manual_seed(0)
    # An SFT adapter that changes the model (random B, unlike a fresh LoRA), so the SFT policy is not the base.
    sft = get_peft_model(load_model(resolved), LoraConfig(task_type="CAUSAL_LM", r=4, lora_alpha=8,
                                                          target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    sft.save_pretrained(str(tmp / "sft"))
    rows = [{"prompt": fmt.prompt(f"record {i}: the patient had pneumonia and got ceftriaxone"),
             "chosen": fmt.completion(f"Pneumonia treated with ceftriaxone {i}."),
             "rejected": fmt.completion(f"Sepsis treated with vancomycin {i} and more.")} for i in range(4)]
    from trl import DPOConfig

    args = DPOConfig(output_dir=str(tmp / "checkpoints"), max_steps=2, per_device_train_batch_size=2,
                     learning_rate=0.05, warmup_steps=0, bf16=False, use_cpu=True, gradient_checkpointing=False,
                     report_to=[], save_strategy="no", logging_steps=1, max_length=128, seed=0)
    trainer = CookbookDPOTrainer(model=continue_adapter(load_model(resolved), tmp / "sft"), ref_model=None,
                                 args=args, train_dataset=Dataset.from_list(rows), processing_class=tok,
                                 end_of_turn=end_of_turn_token(fmt), chunk_rows=4)
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(2)])
    sft_alone = PeftModel.from_pretrained(load_model(resolved), str(tmp / "sft")).eval()
    return tmp, resolved, tok, fmt, trainer, batch, sft_alone


def test_reference_log_probs_are_the_sft_models_not_the_bases(setup):
    _, _, _, _, trainer, batch, sft_alone = setup
    assert REFERENCE_ADAPTER in trainer.model.peft_config  # the copy of the SFT adapter, on the same base
    ref = torch.cat(trainer.compute_ref_log_probs(trainer.model, batch))
    expected = completion_logps(sft_alone, batch)
    assert torch.allclose(ref, expected, atol=TOLERANCE, rtol=0)
    with sft_alone.disable_adapter():
        base = completion_logps(sft_alone, batch)
    assert (ref - base).abs().max() > 100 * TOLERANCE  # disabling the adapter would have been another reference


def test_reference_stays_the_sft_policy_while_the_policy_trains(setup):
    tmp, resolved, _, _, trainer, batch, sft_alone = setup
    expected = completion_logps(sft_alone, batch)
    trainer.train()
    assert trainer.state.global_step == 2 and trainer.tokens_seen > 0
    ref = torch.cat(trainer.compute_ref_log_probs(trainer.model, batch))
    assert torch.allclose(ref, expected, atol=TOLERANCE, rtol=0)
    trainer.model.eval()
    policy = completion_logps(trainer.model, batch)
    assert (policy - expected).abs().max() > 100 * TOLERANCE  # the policy moved; the reference did not
    # What is saved is the policy alone, and it reloads to the same outputs.
    trainer.drop_reference()
    trainer.model.save_pretrained(str(tmp / "dpo"))
    assert (tmp / "dpo" / "adapter_model.safetensors").is_file() and not (tmp / "dpo" / REFERENCE_ADAPTER).exists()
    reloaded = PeftModel.from_pretrained(load_model(resolved), str(tmp / "dpo")).eval()
    assert torch.allclose(completion_logps(reloaded, batch), policy, atol=TOLERANCE, rtol=0)


def test_answers_end_at_the_end_of_turn_without_another_eos(setup):
    _, _, tok, fmt, trainer, _, _ = setup
    end = tok.convert_tokens_to_ids(end_of_turn_token(fmt))
    assert end != tok.eos_token_id
    for row in trainer.train_dataset:
        for key in ("chosen_ids", "rejected_ids"):
            assert row[key][-1] == end and tok.eos_token_id not in row[key]
