"""The DPO stage: TRL's DPOTrainer on the domain's preference pairs, continuing the SFT stage's adapter, with the
SFT policy as the reference.

The reference is the SFT policy without a second copy of the base: the SFT adapter is loaded trainable on one base
and passed with `ref_model=None`, so DPOTrainer adds a frozen copy of it under the name "ref" and computes the
reference log-probabilities with that adapter active (tests/unit/test_dpo_stage.py checks they equal the SFT
model's, before and after training steps). TRL's other adapter-based reference, disabling the adapter, would be the
base model, not the SFT policy. fp32 on CPU (TRL's bf16 default is ~100x slower there), as the SFT stage.
"""

from __future__ import annotations

from pathlib import Path

import torch

from cookbook.config import RunConfig
from cookbook.errors import CookbookError
from cookbook.models.prompt_format import prompt_format
from cookbook.models.resolve import ResolvedModel, load_model, load_tokenizer
from cookbook.peft_methods import PEFT_METHODS
from cookbook.runs import finished_run, is_main_process
from cookbook.tasks.preference.data import fit_pairs, kinds, to_dataset
from cookbook.tasks.preference.stages import adapter_fingerprint, check_reference, write_reference
from cookbook.tasks.preference.trainer import CookbookDPOTrainer
from cookbook.tasks.text.data import SequenceBudget, end_of_turn_token
from cookbook.training import (
    add_method_callbacks,
    begin_run,
    finish_run,
    log,
    save_adaptation,
    source_notes,
    start_metrics,
    train_and_measure,
    training_arguments,
)

KIND = "text"  # the SFT stage's method, which the DPO stage continues, is resolved as a text method


def continue_adapter(base, folder: Path):
    """`base` with the adapter in `folder` loaded trainable, as the DPO policy (a peft adapter: DPOTrainer copies
    it under a second name for the reference)."""
    from peft import PeftModel

    import cookbook.peft_methods.s2lora  # noqa: F401  our own peft methods load only once registered with peft

    try:
        return PeftModel.from_pretrained(base, str(folder), is_trainable=True)
    except (ValueError, KeyError, TypeError) as exc:
        raise CookbookError(f"{folder}: the DPO stage continues a peft adapter, and this one does not load as one "
                            f"({str(exc).splitlines()[0]})") from None


def build_dpo_trainer(cfg: RunConfig, recipe, run_dir: Path, method: str, resolved: ResolvedModel,
                      sft_adapter: Path, train_pairs: list[dict], eval_pairs: list[dict]):
    """A ready CookbookDPOTrainer on the fitted pairs (no side effects on run_dir)."""
    from peft import prepare_model_for_kbit_training
    from trl import DPOConfig

    tokenizer = load_tokenizer(resolved)
    fmt = prompt_format(tokenizer)
    budget = SequenceBudget(fmt, recipe.system_prompt, cfg.data.max_seq_len)
    train_rows = fit_pairs(budget, train_pairs, "train", log)  # may refuse the data: before the model loads
    eval_rows = fit_pairs(budget, eval_pairs, "eval", log)
    spec = PEFT_METHODS.get(method)
    model = load_model(resolved, quantize_4bit=spec.quantize_4bit)
    if spec.quantize_4bit:
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=cfg.train.gradient_checkpointing)
    model = continue_adapter(model, sft_adapter)
    use_cuda = torch.cuda.is_available()
    args = DPOConfig(
        **training_arguments(cfg, run_dir, bool(eval_rows)),
        lr_scheduler_type="cosine",
        bf16=use_cuda and torch.cuda.is_bf16_supported(),  # CPU: fp32
        fp16=False,
        beta=cfg.dpo.beta,
        max_length=cfg.data.max_seq_len,
    )
    trainer = CookbookDPOTrainer(
        model=model, ref_model=None, args=args, train_dataset=to_dataset(fmt, recipe.system_prompt, train_rows),
        eval_dataset=to_dataset(fmt, recipe.system_prompt, eval_rows) if eval_rows else None,
        processing_class=tokenizer, end_of_turn=end_of_turn_token(fmt), logprobs=cfg.dpo.logprobs,
        chunk_rows=cfg.train.loss_chunk_size, penalty=spec.penalty, fused_head=cfg.train.fused_head,
        lean_lora=cfg.train.lean_lora, per_sequence=cfg.dpo.per_sequence,
    )
    return trainer, train_rows, eval_rows


def train_dpo(cfg: RunConfig, recipe, run_dir: Path, sft_dir: Path, train_pairs: list[dict],
              eval_pairs: list[dict]) -> dict:
    """Train RUN/dpo/ (`run_dir`) from the finished SFT stage in `sft_dir`; the stage's metrics."""
    sft_adapter, sft_metrics = finished_run(sft_dir)
    sha = adapter_fingerprint(sft_adapter)
    check_reference(run_dir.parent, cfg, sha)
    cfg.peft.method = sft_metrics["method"]  # DPO trains the SFT stage's adapter further, so its method too
    run = begin_run(cfg, recipe, run_dir, KIND)
    run.reason = f"continues the SFT stage's {run.method} adapter ({sft_adapter})"
    if is_main_process():
        write_reference(run_dir.parent, sft_adapter, sha)
    trainer, train_rows, eval_rows = build_dpo_trainer(cfg, recipe, run_dir, run.method, run.resolved, sft_adapter,
                                                       train_pairs, eval_pairs)
    add_method_callbacks(trainer, run)
    metrics = start_metrics(cfg, run_dir, trainer, run.resolved, run.method, run.reason, len(train_rows),
                            len(eval_rows), run.previous)
    metrics = train_and_measure(cfg, trainer, run, len(eval_rows), metrics)
    metrics.update(beta=cfg.dpo.beta, logprobs=cfg.dpo.logprobs, train_pairs_by_kind=kinds(train_rows),
                   reference=f"SFT policy: a frozen copy of {sft_adapter} (sha256 {sha[:12]}) on the same base",
                   eval_rewards_accuracy=trainer.last_eval.get("eval_rewards/accuracies"),
                   eval_rewards_margin=trainer.last_eval.get("eval_rewards/margins"))
    if is_main_process():
        trainer.drop_reference()
        metrics.update(save_adaptation(trainer, run, run_dir / "adapter"))
        trainer.processing_class.save_pretrained(str(run_dir / "adapter"))
    notes = [f"DPO stage: beta {cfg.dpo.beta}, {len(train_rows)} pairs ({kinds(train_rows)}), log-probabilities "
             f"`{cfg.dpo.logprobs}`; reference = the SFT policy ({sft_adapter}).", *recipe.notes,
             *source_notes(run.resolved)]
    finish_run(cfg, run, metrics, notes)
    return metrics
