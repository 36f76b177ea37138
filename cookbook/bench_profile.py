"""Where an SFT step's time goes: torch.profiler over the bench's own trainer (cookbook/bench.py build_ours),
operators grouped as in issue 16's table, with the achieved rate of each matmul group.

    python -m cookbook.bench_profile domain=<text domain> [steps=3 chunk_rows=64 fused_head=false ...]

The first step is a warm-up; the remaining steps are profiled. Groups are by each operator's self time: the
output-layer matmuls and elementwise ops are the ones with a vocabulary-sized operand, the LoRA matmuls the ones
with a rank-sized dimension, attention the scaled-dot-product kernels (and bmm), the other matmuls the model's
linear layers. Prints a Markdown table; `profile_out=FILE` also writes it as JSON.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

MATMULS = {"aten::mm", "aten::addmm", "aten::bmm"}
GROUPS = ("LM head matmuls", "model linear layers", "LoRA matmuls", "attention", "LM-head elementwise",
          "norms, activations, elementwise", "optimizer", "other")


def _mm_flops(name: str, shapes) -> float:
    mats = [s for s in shapes if isinstance(s, (list, tuple)) and len(s) in (2, 3)]
    if name == "aten::addmm":  # (bias, mat1, mat2, beta, alpha[, out])
        mats = mats[1:]
    if len(mats) < 2:
        return 0.0
    a, b = mats[0], mats[1]
    batch = a[0] if len(a) == 3 else 1
    return 2.0 * batch * a[-2] * a[-1] * b[-1]


def head_dims(vocab: int, vocab_block: int) -> set[int]:
    """Sizes that mark an output-layer operand: the vocabulary, and with the blocked head its block and last block
    (none of them a hidden or FFN size of the bases benched)."""
    return {vocab} | ({vocab_block, vocab % vocab_block} - {0} if vocab_block else set())


def group_of(name: str, shapes, heads: set[int], rank: int) -> str:
    """`heads`: the sizes that mark the output layer (head_dims)."""
    dims = {d for s in shapes if isinstance(s, (list, tuple)) for d in s}
    if "scaled_dot_product" in name or "flash_attention" in name or name == "aten::bmm":
        return "attention"
    if name in MATMULS:
        if heads & dims:
            return "LM head matmuls"
        # a LoRA factor (r x in, out x r) is one of the operands: its short side is the rank
        low_rank = any(isinstance(s, (list, tuple)) and len(s) == 2 and min(s) == rank for s in shapes)
        return "LoRA matmuls" if low_rank else "model linear layers"
    if "Optimizer" in name or "adam" in name.lower() or "_foreach" in name:
        return "optimizer"
    if heads & dims:
        return "LM-head elementwise"
    if name.startswith("aten::"):
        return "norms, activations, elementwise"
    return "other"


def grouped_profile(events, heads: set[int], rank: int) -> dict:
    rows = {g: {"self_s": 0.0, "flops": 0.0} for g in GROUPS}
    for e in events:
        g = group_of(e.key, e.input_shapes or [], heads, rank)
        rows[g]["self_s"] += e.self_cpu_time_total / 1e6
        if e.key in MATMULS:
            rows[g]["flops"] += _mm_flops(e.key, e.input_shapes or []) * e.count
    total = sum(r["self_s"] for r in rows.values()) or 1.0
    return {g: {"share": r["self_s"] / total, "self_s": r["self_s"],
                "gflop_per_s": (r["flops"] / r["self_s"] / 1e9) if r["flops"] and r["self_s"] else None}
            for g, r in rows.items()}


def markdown(table: dict) -> str:
    lines = ["| part of the step | share of time | rate |", "|---|---|---|"]
    for g, r in table.items():
        rate = f"{r['gflop_per_s']:.0f} GFLOP/s" if r["gflop_per_s"] else "—"
        lines.append(f"| {g} | {100 * r['share']:.0f}% | {rate} |")
    return "\n".join(lines)


def profile_steps(overrides: list[str]) -> dict:
    import torch
    from transformers import TrainerCallback

    from cookbook.bench import BenchSettings, build_ours
    from cookbook.config import from_dict, parse_overrides

    values = parse_overrides(overrides)
    out = values.pop("profile_out", None)
    s = from_dict(BenchSettings, {"steps": 3, **values})
    prof = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], record_shapes=True)

    class Step(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == 1:
                prof.start()  # after the warm-up step

    with tempfile.TemporaryDirectory() as tmp:
        trainer = build_ours(s, Path(tmp))
        trainer.add_callback(Step())
        trainer.train()
        prof.stop()
    vocab = trainer.model.get_output_embeddings().weight.shape[0]
    table = grouped_profile(prof.key_averages(group_by_input_shape=True), head_dims(vocab, s.vocab_block), s.r)
    result = {"settings": s.__dict__, "profiled_steps": s.steps - 1, "torch_threads": torch.get_num_threads(),
              "groups": table, "markdown": markdown(table)}
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(result, indent=2) + "\n")
    print(result["markdown"])
    return result


if __name__ == "__main__":
    profile_steps(sys.argv[1:])
