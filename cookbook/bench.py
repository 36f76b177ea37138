"""`make bench`: our SFT trainer against a plain TRL SFTTrainer script on the same model, data and
hyperparameters, each in its own process (so peak RSS is its own), written to reports/bench/sft.json.

What differs is only what the cookbook adds: the completion-only loss through the fused output layer
(tasks/text/fused_head.py), the folded LoRA forward (tasks/text/lean_lora.py) and length-grouped batches. Both run
fp32 on CPU without gradient checkpointing (TRL's default bf16 is ~100x slower on these CPUs). Each side also
reports its training FLOP/s against the fp32 matmul peak measured in its own process (cookbook/bench_flops.py).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from cookbook.config import from_dict, parse_overrides
from cookbook.paths import repo_root


@dataclass
class BenchSettings:
    domain: str = ""  # a text domain whose training split both trainers see (`make bench` passes DOMAIN)
    model: str = "gemma-3-270m"
    method: str = "lora"
    r: int = 16
    alpha: int = 32
    steps: int = 8
    batch_size: int = 8
    max_seq_len: int = 256
    lr: float = 2e-4
    seed: int = 42
    chunk_rows: int = 256  # rows of the output layer per chunk (train.loss_chunk_size)
    fused_head: bool = True  # train.fused_head
    vocab_block: int = 8192  # train.loss_vocab_block (0: whole-vocabulary rows, the previous path)
    lean_lora: bool = True  # train.lean_lora
    padding_free: bool = False  # train.padding_free
    output: str = "reports/bench/sft.json"


def _recipe(s: BenchSettings):
    from cookbook.discovery import get_recipe

    return get_recipe(s.domain)


def _examples(s: BenchSettings):
    recipe = _recipe(s)
    return recipe.load_examples(recipe.load_config("default").data, "train")[: s.steps * s.batch_size]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def build_ours(s: BenchSettings, workdir: Path):
    """The trainer `cookbook finetune` would build for these settings (also what bench_profile.py profiles)."""
    from dataclasses import replace

    from transformers.integrations import TensorBoardCallback

    from cookbook.config import PeftConfig, RunConfig, TrainConfig
    from cookbook.models import resolve_model
    from cookbook.tasks.text.train import build_trainer

    recipe = _recipe(s)
    data = replace(recipe.load_config("default").data, max_train_samples=s.steps * s.batch_size, eval_samples=0,
                   max_seq_len=s.max_seq_len)
    cfg = RunConfig(domain=s.domain, data=data,
                    peft=PeftConfig(method=s.method, r=s.r, alpha=s.alpha, dropout=0.0),
                    train=TrainConfig(max_steps=s.steps, batch_size=s.batch_size, lr=s.lr, save_steps=10**6,
                                      logging_steps=1, seed=s.seed, loss_chunk_size=s.chunk_rows,
                                      fused_head=s.fused_head, lean_lora=s.lean_lora,
                                      loss_vocab_block=s.vocab_block,
                                      padding_free=s.padding_free))
    cfg.model.source = s.model
    trainer, _, _ = build_trainer(cfg, recipe, workdir, s.method, resolve_model(s.model))
    trainer.remove_callback(TensorBoardCallback)  # the plain TRL script logs nowhere (report_to=[]): same work
    return trainer


def _measured_train(trainer, s: BenchSettings) -> dict:
    """Train, timed, with the FLOPs of the data it trains on and the matmul peak just before and after."""
    from cookbook.bench_flops import dataset_tokens, matmul_peak_gflops, model_shape, training_flops

    flops = training_flops(model_shape(trainer.model), *dataset_tokens(trainer.train_dataset,
                                                                       s.steps * s.batch_size))
    rss_before = _rss_mb()
    peak_before = matmul_peak_gflops()
    t0 = time.time()
    trainer.train()
    seconds = time.time() - t0
    peaks = [peak_before, matmul_peak_gflops()]
    achieved = flops["flops"] / seconds / 1e9
    return {"train_s": seconds, "rss_before_train_mb": rss_before, "flops": flops,
            "achieved_gflops": achieved, "matmul_peak_gflops": max(peaks), "matmul_peak_gflops_before_after": peaks,
            "peak_fraction": achieved / max(peaks),
            "losses": [h["loss"] for h in trainer.state.log_history if "loss" in h]}


def run_ours(s: BenchSettings, workdir: Path) -> dict:
    trainer = build_ours(s, workdir)
    result = _measured_train(trainer, s)
    return {**result, "tokens": trainer.tokens_seen}


def run_plain_trl(s: BenchSettings, workdir: Path) -> dict:
    """What a user would write with TRL alone: from_pretrained, LoraConfig, SFTConfig, SFTTrainer."""
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from cookbook.models import resolve_model
    from cookbook.models.prompt_format import prompt_format

    path = resolve_model(s.model).path
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    # The same prompt/completion text as ours (the model's chat template); only the trainer differs.
    fmt, system = prompt_format(tok), _recipe(s).system_prompt
    data = Dataset.from_list([{"prompt": fmt.prompt(e.prompt, system), "completion": fmt.completion(e.reference)}
                              for e in _examples(s)])
    args = SFTConfig(output_dir=str(workdir), max_steps=s.steps, per_device_train_batch_size=s.batch_size,
                     learning_rate=s.lr, lr_scheduler_type="cosine", warmup_steps=1, logging_steps=1,
                     save_strategy="no", report_to=[], bf16=False, use_cpu=True, gradient_checkpointing=False,
                     max_length=s.max_seq_len, eos_token=fmt.end_of_turn, seed=s.seed)
    peft_config = LoraConfig(task_type="CAUSAL_LM", r=s.r, lora_alpha=s.alpha, lora_dropout=0.0,
                             target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                                             "down_proj"])
    trainer = SFTTrainer(model=model, args=args, train_dataset=data, processing_class=tok, peft_config=peft_config)
    result = _measured_train(trainer, s)
    tokens = max((h.get("num_tokens", 0) for h in trainer.state.log_history), default=0)
    return {**result, "tokens": int(tokens)}


def worker(kind: str, settings_json: str, out: str) -> None:
    s = BenchSettings(**json.loads(settings_json))
    with tempfile.TemporaryDirectory() as tmp:
        result = (run_ours if kind == "ours" else run_plain_trl)(s, Path(tmp))
    result["peak_rss_mb"] = _rss_mb()
    result["tokens_per_s"] = result["tokens"] / result["train_s"]
    Path(out).write_text(json.dumps(result))


def run_sft_bench(overrides: list[str]) -> dict:
    s = from_dict(BenchSettings, parse_overrides(overrides))
    if not s.domain:
        from cookbook.errors import ConfigError

        raise ConfigError("bench: say which text domain's data to train on: `cookbook bench domain=<name>` "
                          "(a text domain from `cookbook ls`)")
    from cookbook.models import resolve_model

    resolve_model(s.model)  # convert/cache once, outside both measured processes
    results = {}
    load_before = list(os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("baseline", "ours"):
            out = Path(tmp) / f"{kind}.json"
            print(f"[bench] running {kind} ({s.steps} steps, batch {s.batch_size}, {s.model})", file=sys.stderr)
            proc = subprocess.run([sys.executable, "-m", "cookbook.bench", "ours" if kind == "ours" else "trl",
                                   json.dumps(asdict(s)), str(out)], cwd=repo_root())
            if proc.returncode != 0:
                raise SystemExit(f"bench worker '{kind}' failed with exit code {proc.returncode}")
            results[kind] = json.loads(out.read_text())
    report = {
        "benchmark": "sft", "date": time.strftime("%Y-%m-%d %H:%M"), "settings": asdict(s),
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "load_average_before": load_before, "load_average_after": list(os.getloadavg())},
        "what": "ours = cookbook SFT (completion-only loss through the fused output layer, length-grouped batches); "
                "baseline = plain TRL SFTTrainer script; tokens = non-padding input tokens; peak RSS = whole worker "
                "process; flops = the work an adapter step needs on these tokens, the same formula for both sides "
                "(cookbook/bench_flops.py: 4 N_base + 6 N_adapter per token, 12 heads head_dim layers per causal "
                "(query, key) pair, 4 vocab hidden per supervised token); peak_fraction = achieved FLOP/s over the "
                "best fp32 2048x2048 matmul rate measured in the same worker just before and after training",
        "ours": results["ours"], "baseline": results["baseline"],
        "tokens_per_s_ratio": results["ours"]["tokens_per_s"] / results["baseline"]["tokens_per_s"],
        "peak_rss_ratio": results["ours"]["peak_rss_mb"] / results["baseline"]["peak_rss_mb"],
        "peak_fraction": {k: results[k]["peak_fraction"] for k in ("ours", "baseline")},
    }
    out = repo_root() / s.output if not Path(s.output).is_absolute() else Path(s.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"[bench] tokens/s ours {results['ours']['tokens_per_s']:.1f} vs baseline "
          f"{results['baseline']['tokens_per_s']:.1f} (x{report['tokens_per_s_ratio']:.2f}); peak RSS ours "
          f"{results['ours']['peak_rss_mb']:.0f} MB vs {results['baseline']['peak_rss_mb']:.0f} MB "
          f"(x{report['peak_rss_ratio']:.2f}); {100 * results['ours']['peak_fraction']:.0f}% vs "
          f"{100 * results['baseline']['peak_fraction']:.0f}% of the matmul peak -> {out}", file=sys.stderr)
    return report


if __name__ == "__main__":
    worker(sys.argv[1], sys.argv[2], sys.argv[3])
