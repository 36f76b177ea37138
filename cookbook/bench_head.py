"""How fast the fused output-layer head is for each way of cutting the work: whole-vocabulary rows
(`chunk_rows` x vocab buffers) against the vocabulary-blocked online softmax (rows x `vocab_block` buffers) at
several block sizes. Random weights of the given shape (the head's cost depends on shapes only), loss and
hidden-state gradient, the best of `repeats` timed runs after one warm-up, in this process and its threads.

`python -m cookbook.bench_head [--vocab 262144 --hidden 640 --rows 650] [--output reports/bench/head.json]`
(defaults: Gemma 3 270M's output layer and the supervised rows of one bench batch). Qwen2.5-Coder-0.5B:
`--vocab 151936 --hidden 896`."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch

from cookbook.tasks.text.fused_head import fused_logprobs

VARIANTS = [("rows", 256, 0), ("rows", 128, 0), ("blocked", 1024, 2048), ("blocked", 1024, 4096),
            ("blocked", 1024, 8192), ("blocked", 1024, 16384), ("blocked", 256, 8192)]



def time_variant(h, w, t, chunk_rows: int, vocab_block: int, repeats: int) -> float:
    best = float("inf")
    for i in range(repeats + 1):
        x = h.detach().requires_grad_()
        start = time.perf_counter()
        loss = -fused_logprobs(x, w, t, chunk_rows, vocab_block=vocab_block).sum()
        loss.backward()
        seconds = time.perf_counter() - start
        if i:  # the first run warms allocator and caches
            best = min(best, seconds)
    return best


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vocab", type=int, default=262144)
    ap.add_argument("--hidden", type=int, default=640)
    ap.add_argument("--rows", type=int, default=650)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--output", default="")
    args = ap.parse_args(argv)
    torch.manual_seed(0)
    h = torch.randn(args.rows, args.hidden)
    w = torch.randn(args.vocab, args.hidden) * 0.02
    t = torch.randint(0, args.vocab, (args.rows,))
    flops = 4 * args.rows * args.vocab * args.hidden  # logits and hidden-state gradient, 2 flops per multiply-add
    rows = []
    for kind, chunk_rows, block in VARIANTS:
        seconds = time_variant(h, w, t, chunk_rows, block, args.repeats)
        rows.append({"variant": kind, "chunk_rows": chunk_rows, "vocab_block": block, "seconds": seconds,
                     "gflops": flops / seconds / 1e9})
        print(f"{kind:8s} chunk_rows={chunk_rows:5d} vocab_block={block:6d}: {seconds:.3f} s, "
              f"{flops / seconds / 1e9:.1f} GFLOP/s", flush=True)
    out = {"benchmark": "fused_head", "date": time.strftime("%Y-%m-%d %H:%M"),
           "shape": {"vocab": args.vocab, "hidden": args.hidden, "rows": args.rows},
           "threads": torch.get_num_threads(), "load_average": os.getloadavg(), "variants": rows,
           "best": min(rows, key=lambda r: r["seconds"])}
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
