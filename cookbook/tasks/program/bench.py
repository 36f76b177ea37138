"""`cookbook bench-sampling domain=<program domain>`: pass@k sampling, our batched path against a plain per-sample
`generate` loop, on the same model, prompts and settings, in one process, one run each -> reports/bench/<...>.json.

Both draw `samples` completions per problem with the same nucleus settings, stops and token budget; what differs
is only how they are decoded: ours (cookbook/tasks/program/decode.py) prefills each prompt once, repeats its cache
for its samples, decodes several problems x samples rows together and drops rows as they finish; the loop makes one
transformers `generate` call per sample. Problems/min is the
figure pass@10 evaluation time depends on; generated tokens/s is reported beside it, since the two paths draw
different (random) completions of different lengths.
"""

from __future__ import annotations

import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from cookbook.config import from_dict, parse_overrides
from cookbook.paths import repo_root
from cookbook.runs import write_json


@dataclass
class SamplingBenchSettings:
    domain: str = ""  # a domain of the program kind (`make bench` passes it)
    split: str = ""  # "" = the domain's first test split
    model: str = "qwen2.5-coder-0.5b-instruct"
    problems: int = 4
    samples: int = 10
    max_new_tokens: int = 128
    batch_rows: int = 20  # ours: rows (problems x samples) per generate call
    temperature: float = 0.8
    top_p: float = 0.95
    seed: int = 0
    output: str = "reports/bench/sampling.json"


def _timed(fn, tm) -> tuple[dict, list[list[str]]]:
    t0 = time.perf_counter()
    samples = fn()
    seconds = time.perf_counter() - t0
    tokens = sum(len(tm.tokenizer(c, add_special_tokens=False)["input_ids"]) for s in samples for c in s)
    return {"seconds": round(seconds, 3), "problems_per_min": round(len(samples) * 60 / seconds, 3),
            "generated_tokens": tokens, "tokens_per_s": round(tokens / seconds, 2)}, samples


def run_sampling_bench(overrides: list[str]) -> dict:
    from cookbook.discovery import get_recipe
    from cookbook.errors import CookbookError
    from cookbook.tasks.program.sampling import SamplingSettings, sample_completions, sample_one_by_one
    from cookbook.tasks.text.generate import load_base

    s = from_dict(SamplingBenchSettings, parse_overrides(overrides))
    if not s.domain:
        raise CookbookError("bench-sampling: domain=<a program domain> is required (e.g. `make bench DOMAIN=...`)")
    recipe = get_recipe(s.domain)
    split = s.split or recipe.test_splits[0]
    examples = recipe.load_examples(recipe.load_config("default").data, split)[: s.problems]
    tm = load_base(s.model)
    settings = SamplingSettings(n=s.samples, temperature=s.temperature, top_p=s.top_p,
                                max_new_tokens=s.max_new_tokens, batch_rows=s.batch_rows, seed=s.seed)
    load_before = os.getloadavg()
    loop, _ = _timed(lambda: sample_one_by_one(tm, examples, recipe.system_prompt, settings), tm)
    ours, _ = _timed(lambda: sample_completions(tm, examples, recipe.system_prompt, settings), tm)
    report = {"what": f"pass@{s.samples} sampling on {len(examples)} {recipe.name}/{split} problems: batched "
                      "generate vs a per-sample generate loop",
              "settings": asdict(s), "ours_batched": ours, "plain_loop": loop,
              "ratio_problems_per_min": round(ours["problems_per_min"] / loop["problems_per_min"], 2),
              "machine": {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count(),
                          # 1-minute load average before and after: other jobs slow both sides alike
                          "load_average": [round(load_before[0], 2), round(os.getloadavg()[0], 2)]},
              "measured": time.strftime("%Y-%m-%d %H:%M:%S")}
    out = Path(s.output) if Path(s.output).is_absolute() else repo_root() / s.output
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(out, report)
    print(f"[cookbook] bench-sampling: ours {ours['problems_per_min']} vs loop {loop['problems_per_min']} "
          f"problems/min = {report['ratio_problems_per_min']}x -> {out}")
    return report
