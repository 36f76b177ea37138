"""Generation speed of a text model: greedy decoding of exactly `new_tokens` tokens for every prompt (no early stop,
so every system generates the same number of tokens), batched with left padding as `generate` does, after one
untimed warm-up call. Returns the tokens too, so two systems that should compute the same function (an adapter and
its merged, pruned export) can be checked token by token."""

from __future__ import annotations

import contextlib
import time

import torch

from cookbook.tasks.text.generate import TunedModel


@torch.inference_mode()
def decode_speed(tm: TunedModel, prompts: list[str], new_tokens: int, batch_size: int,
                 use_adapter: bool = True) -> tuple[dict, list[list[int]]]:
    """({"tokens", "seconds", "tokens_per_s"}, generated token ids per prompt); `prompts` in the model's format."""
    tok = tm.tokenizer
    tok.padding_side = "left"
    mode = contextlib.nullcontext if use_adapter else tm.base_mode
    # plain greedy decoding: no repetition penalty or n-gram ban (their per-step cost is not the model's)
    kwargs = dict(do_sample=False, pad_token_id=tok.pad_token_id, repetition_penalty=1.0, no_repeat_ngram_size=0)

    def run(texts: list[str], n: int):
        batch = {k: v.to(tm.model.device) for k, v in tok(texts, return_tensors="pt", padding=True).items()}
        with mode():
            out = tm.model.generate(**batch, max_new_tokens=n, min_new_tokens=n, **kwargs)
        return out[:, batch["input_ids"].shape[1]:]

    run(prompts[:1], 2)  # warm-up: first-call allocations and kernel choices are not decoding speed
    rows: list[list[int]] = []
    seconds = 0.0
    for start in range(0, len(prompts), batch_size):
        t0 = time.perf_counter()
        ids = run(prompts[start:start + batch_size], new_tokens)
        seconds += time.perf_counter() - t0
        rows += ids.tolist()
    tokens = sum(len(r) for r in rows)
    return {"tokens": tokens, "seconds": round(seconds, 3),
            "tokens_per_s": round(tokens / seconds, 2) if seconds else 0.0}, rows


def same_token_share(a: list[list[int]], b: list[list[int]]) -> float:
    """Share of positions where two systems generated the same token (greedy: after the first difference the
    continuations usually differ too, so this is a strict check)."""
    pairs = [(x, y) for ra, rb in zip(a, b, strict=True) for x, y in zip(ra, rb, strict=True)]
    return sum(x == y for x, y in pairs) / len(pairs) if pairs else 1.0
