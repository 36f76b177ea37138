"""Training FLOPs and the CPU's matmul peak for `make bench` (cookbook/bench.py), and the chunk-size measurement of
the fused output layer (`python -m cookbook.bench_flops chunks [model=gemma-3-270m rows=512 reps=1]`).

FLOPs counted per step, as the work an adapter step needs (the same formula for ours and the plain TRL script, on
the same tokens, so the FLOP/s ratio equals the tokens/s ratio; work a trainer wastes on padding or prompt logits is
not counted):
  * frozen base linear layers (q/k/v/o/gate/up/down): 4 x N_base per token (forward 2N, input gradient 2N; a frozen
    weight takes no weight gradient);
  * adapter factors: 6 x N_adapter per token (forward, input and weight gradients);
  * attention scores and mixing: 3 x 4 x n_heads x head_dim per (query, key) pair a causal mask keeps, summed over
    layers and sequences (forward 4, backward 8);
  * output layer: 4 x vocab x hidden per supervised token (logits, hidden-state gradient; the head is frozen).
"""

from __future__ import annotations

import json
import sys
import time


def matmul_peak_gflops(n: int = 2048, reps: int = 5) -> float:
    """Best of `reps` fp32 (n x n) @ (n x n) products, in GFLOP/s, with the threads torch uses here."""
    import torch

    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n**3 / best / 1e9


def model_shape(model) -> dict:
    """Parameter counts the FLOP formula needs, read off the (PEFT-wrapped) causal LM."""
    import torch

    head = model.get_output_embeddings().weight
    base = adapter = 0
    for name, module in model.named_modules():
        if not isinstance(module, torch.nn.Linear) or module.weight is head:
            continue
        if "lora_" in name:
            adapter += module.weight.numel()
        else:
            base += module.weight.numel()
    cfg = model.config.get_text_config()
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    return {"base_linear_params": base, "adapter_params": adapter, "vocab": head.shape[0], "hidden": head.shape[1],
            "layers": cfg.num_hidden_layers, "heads": cfg.num_attention_heads, "head_dim": head_dim}


def training_flops(shape: dict, lengths: list[int], supervised: int) -> dict:
    """FLOPs of training on sequences of these token lengths with `supervised` loss tokens (module docstring)."""
    tokens = sum(lengths)
    pairs = sum(n * (n + 1) // 2 for n in lengths)
    parts = {
        "base_linear": 4.0 * shape["base_linear_params"] * tokens,
        "adapter": 6.0 * shape["adapter_params"] * tokens,
        "attention": 12.0 * shape["heads"] * shape["head_dim"] * shape["layers"] * pairs,
        "output_layer": 4.0 * shape["vocab"] * shape["hidden"] * supervised,
    }
    return {"tokens": tokens, "supervised_tokens": supervised, "flops": sum(parts.values()), "parts": parts,
            "flops_per_token": sum(parts.values()) / max(tokens, 1)}


def dataset_tokens(dataset, rows: int) -> tuple[list[int], int]:
    """Token lengths of the first `rows` training rows and their supervised (completion) token count."""
    rows = min(rows, len(dataset))
    part = dataset.select(range(rows))
    lengths = [len(ids) for ids in part["input_ids"]]
    # Our trainer tokenizes to `labels` (-100 on the prompt); TRL's own SFT tokenization to `completion_mask`.
    if "labels" in part.column_names:
        supervised = sum(sum(1 for t in labels if t != -100) for labels in part["labels"])
    elif "completion_mask" in part.column_names:
        supervised = sum(sum(m) for m in part["completion_mask"])
    else:
        raise ValueError(f"dataset_tokens: no labels or completion_mask column in {part.column_names}")
    return lengths, supervised


def measure_chunks(model: str = "gemma-3-270m", rows: int = 512, sizes=(64, 128, 256, 512), reps: int = 1) -> dict:
    """Seconds per output-layer forward+backward over `rows` supervised rows, fused at each chunk size and the
    chunked recompute-in-backward head at 64 and 256 rows, on the model's own head shape (random values)."""
    import torch

    from cookbook.models.resolve import resolve_model
    from cookbook.tasks.text.completion_loss import chunked_cross_entropy
    from cookbook.tasks.text.fused_head import fused_logprobs

    cfg = json.loads((__import__("pathlib").Path(resolve_model(model).path) / "config.json").read_text())
    cfg = cfg.get("text_config", cfg)
    vocab, hidden = cfg["vocab_size"], cfg["hidden_size"]
    torch.manual_seed(0)
    w = torch.randn(vocab, hidden) * 0.02
    h = torch.randn(rows, hidden, requires_grad=True)
    t = torch.randint(0, vocab, (rows,))

    def timed(fn):
        best = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            fn().backward()
            best = min(best, time.perf_counter() - t0)
        return best

    result = {"model": model, "vocab": vocab, "hidden": hidden, "rows": rows, "torch_threads": torch.get_num_threads(),
              "matmul_peak_gflops": matmul_peak_gflops(), "fused_s": {}, "chunked_s": {}}
    for c in sizes:
        result["fused_s"][c] = timed(lambda c=c: -fused_logprobs(h, w, t, c).sum())
    for c in (64, 256):
        result["chunked_s"][c] = timed(lambda c=c: chunked_cross_entropy(h, w, t, c))
    result["best_fused_chunk_rows"] = min(result["fused_s"], key=result["fused_s"].get)
    result["fused_gflops_at_best"] = 4.0 * vocab * hidden * rows / min(result["fused_s"].values()) / 1e9
    return result


if __name__ == "__main__" and sys.argv[1:2] == ["chunks"]:
    from cookbook.config import parse_overrides

    opts = parse_overrides(sys.argv[2:])
    out = opts.pop("output", None)
    res = measure_chunks(**opts)
    text = json.dumps(res, indent=2)
    print(text)
    if out:
        __import__("pathlib").Path(out).write_text(text + "\n")
