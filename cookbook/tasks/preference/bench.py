"""`cookbook bench-dpo`: our DPO stage against a plain TRL DPOTrainer script on the same model, starting adapter,
preference pairs and hyperparameters, each in its own process (so peak RSS is its own), written to
reports/bench/dpo.json.

Both continue one LoRA adapter (built once, standing in for the SFT stage's) with the reference being that adapter
(TRL's "ref" copy, `ref_model=None`), fp32 on CPU, no gradient checkpointing, the same seed and data order. What
differs is what the cookbook adds: the completion-only chunked log-probability head (logprobs.py), steps that hold one
sequence's activations at a time instead of the whole padded batch's (per_sequence.py), and answers ending
at the chat template's end of turn, where TRL appends the tokenizer's EOS too (one token per sequence on Gemma; none
on Qwen, whose EOS is its end of turn).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from cookbook.config import from_dict, parse_overrides
from cookbook.paths import repo_root


@dataclass
class DpoBenchSettings:
    domain: str = ""  # a domain with preference pairs (`make bench-dpo` names one)
    model: str = "qwen2.5-coder-0.5b-instruct"
    r: int = 16
    alpha: int = 32
    steps: int = 2  # of 2 pairs of ~900-token sequences: the plain script peaks near 23 GB here at batch 2
    batch_size: int = 2  # pairs per step
    max_seq_len: int = 1280
    lr: float = 5e-5
    beta: float = 0.1
    chunk_rows: int = 64
    seed: int = 42
    output: str = "reports/bench/dpo.json"


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _recipe(s: DpoBenchSettings):
    from cookbook.discovery import get_recipe

    return get_recipe(s.domain)


def _config(s: DpoBenchSettings):
    from dataclasses import replace

    from cookbook.config import DpoConfig, PeftConfig, TrainConfig

    cfg = _recipe(s).load_config("default")
    cfg.data = replace(cfg.data, max_train_samples=s.steps * s.batch_size, eval_samples=0, max_seq_len=s.max_seq_len)
    cfg.peft = PeftConfig(method="lora", r=s.r, alpha=s.alpha, dropout=0.0)
    cfg.train = TrainConfig(max_steps=s.steps, batch_size=s.batch_size, lr=s.lr, warmup_ratio=0.0, save_steps=10**6,
                            eval_steps=10**6, logging_steps=1, seed=s.seed, loss_chunk_size=s.chunk_rows)
    cfg.dpo = DpoConfig(beta=s.beta, eval_pairs=0)
    cfg.model.source = s.model
    return cfg


def _pairs(s: DpoBenchSettings) -> list[dict]:
    from cookbook.tasks.preference.data import load_pairs

    return load_pairs(_config(s), _recipe(s), "train", s.steps * s.batch_size)


def make_start_adapter(s: DpoBenchSettings, folder: Path) -> Path:
    """The adapter both sides continue: a fresh LoRA on the base, saved once."""
    from peft import get_peft_model

    from cookbook.models import load_model, resolve_model
    from cookbook.peft_methods import build_peft_config

    model = load_model(resolve_model(s.model))
    cfg = _config(s)
    get_peft_model(model, build_peft_config(cfg.peft, "lora", model.config.model_type, s.steps)).save_pretrained(
        str(folder))
    return folder


def run_ours(s: DpoBenchSettings, workdir: Path, adapter: Path) -> dict:
    from transformers.integrations import TensorBoardCallback

    from cookbook.models import resolve_model
    from cookbook.tasks.preference.dpo_stage import build_dpo_trainer

    cfg = _config(s)
    trainer, _, _ = build_dpo_trainer(cfg, _recipe(s), workdir, "lora", resolve_model(s.model), adapter, _pairs(s), [])
    trainer.remove_callback(TensorBoardCallback)  # the plain script logs nowhere (report_to=[]): same work
    rss_before = _rss_mb()
    t0 = time.time()
    trainer.train()
    return {"train_s": time.time() - t0, "tokens": trainer.tokens_seen, "rss_before_train_mb": rss_before,
            "losses": [h["loss"] for h in trainer.state.log_history if "loss" in h]}


def run_plain_trl(s: DpoBenchSettings, workdir: Path, adapter: Path) -> dict:
    """What a user would write with TRL alone: from_pretrained, PeftModel.from_pretrained, DPOConfig, DPOTrainer."""
    import torch
    from datasets import Dataset
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import DPOConfig, DPOTrainer

    from cookbook.models import resolve_model
    from cookbook.models.prompt_format import prompt_format

    path = resolve_model(s.model).path
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    model = PeftModel.from_pretrained(model, str(adapter), is_trainable=True)
    fmt, system = prompt_format(tok), _recipe(s).system_prompt
    data = Dataset.from_list([{"prompt": fmt.prompt(p["prompt"], system), "chosen": fmt.completion(p["chosen"]),
                               "rejected": fmt.completion(p["rejected"])} for p in _pairs(s)])
    args = DPOConfig(output_dir=str(workdir), max_steps=s.steps, per_device_train_batch_size=s.batch_size,
                     learning_rate=s.lr, lr_scheduler_type="cosine", warmup_steps=1, logging_steps=1,
                     save_strategy="no", report_to=[], bf16=False, use_cpu=True, gradient_checkpointing=False,
                     max_length=s.max_seq_len, beta=s.beta, seed=s.seed, data_seed=s.seed, dataloader_num_workers=0)
    trainer = DPOTrainer(model=model, ref_model=None, args=args, train_dataset=data, processing_class=tok)
    rss_before = _rss_mb()
    t0 = time.time()
    trainer.train()
    return {"train_s": time.time() - t0, "tokens": int(trainer._total_train_tokens), "rss_before_train_mb": rss_before,
            "losses": [h["loss"] for h in trainer.state.log_history if "loss" in h]}


def worker(kind: str, settings_json: str, adapter: str, out: str) -> None:
    s = DpoBenchSettings(**json.loads(settings_json))
    with tempfile.TemporaryDirectory() as tmp:
        result = (run_ours if kind == "ours" else run_plain_trl)(s, Path(tmp), Path(adapter))
    result["peak_rss_mb"] = _rss_mb()
    result["tokens_per_s"] = result["tokens"] / result["train_s"]
    Path(out).write_text(json.dumps(result))


def run_dpo_bench(overrides: list[str]) -> dict:
    from cookbook.errors import ConfigError
    from cookbook.models import resolve_model

    s = from_dict(DpoBenchSettings, parse_overrides(overrides))
    if not s.domain:
        raise ConfigError("bench-dpo: say which domain's preference pairs to train on: `cookbook bench-dpo "
                          "domain=<name>` (a domain whose recipe has load_preferences)")
    resolve_model(s.model)  # convert/cache once, outside both measured processes
    _pairs(s)  # builds the domain's data once, outside both measured processes, and refuses a domain without pairs
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        adapter = make_start_adapter(s, Path(tmp) / "start_adapter")
        for kind in ("baseline", "ours"):
            out = Path(tmp) / f"{kind}.json"
            print(f"[bench] running {kind} DPO ({s.steps} steps, {s.batch_size} pairs, {s.model})", file=sys.stderr)
            proc = subprocess.run([sys.executable, "-m", "cookbook.tasks.preference.bench",
                                   "ours" if kind == "ours" else "trl", json.dumps(asdict(s)), str(adapter), str(out)],
                                  cwd=repo_root())
            if proc.returncode != 0:
                raise SystemExit(f"bench-dpo worker '{kind}' failed with exit code {proc.returncode}")
            results[kind] = json.loads(out.read_text())
    report = {
        "benchmark": "dpo", "date": time.strftime("%Y-%m-%d %H:%M"), "settings": asdict(s),
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "load_average_1min_at_end": round(os.getloadavg()[0], 2)},
        "what": "ours = cookbook DPO stage (completion-only chunked log-probabilities, per-sequence steps); "
                "baseline = plain TRL DPOTrainer script; both continue the same LoRA adapter with it as the reference "
                "(ref_model=None); tokens = non-padding tokens of the chosen and rejected sequences; peak RSS = whole "
                "worker process",
        "ours": results["ours"], "baseline": results["baseline"],
        "tokens_per_s_ratio": results["ours"]["tokens_per_s"] / results["baseline"]["tokens_per_s"],
        "peak_rss_ratio": results["ours"]["peak_rss_mb"] / results["baseline"]["peak_rss_mb"],
    }
    out = repo_root() / s.output if not Path(s.output).is_absolute() else Path(s.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"[bench] DPO tokens/s ours {results['ours']['tokens_per_s']:.1f} vs baseline "
          f"{results['baseline']['tokens_per_s']:.1f} (x{report['tokens_per_s_ratio']:.2f}); peak RSS ours "
          f"{results['ours']['peak_rss_mb']:.0f} MB vs {results['baseline']['peak_rss_mb']:.0f} MB "
          f"(x{report['peak_rss_ratio']:.2f}) -> {out}", file=sys.stderr)
    return report


if __name__ == "__main__":
    worker(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4])
