"""Completions for pass@k: `eval.samples` per prompt, drawn in batches.

One batch holds several prompts (left-padded) times their samples, so a decoding step multiplies one weight pass
over many rows instead of one row (decode.py: each prompt prefilled once, finished rows leave the batch, exact
nucleus sampling without sorting the vocabulary); each row stops on its own at the model's end-of-turn tokens or
at its example's stop strings (the function's end). The plain per-sample `generate` loop (`sample_one_by_one`) is
kept as the baseline `cookbook bench-sampling` measures against.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from tqdm.auto import tqdm
from transformers import StoppingCriteria, StoppingCriteriaList

from cookbook.tasks.text.examples import prompt_text

# Stop strings are looked for in the last few generated tokens only: a stop is a few characters, and decoding
# whole rows at every step would cost more than the step on a small model.
STOP_WINDOW_TOKENS = 12


@dataclass(frozen=True)
class SamplingSettings:
    n: int = 1  # completions per prompt; 1 = greedy
    temperature: float = 0.8
    top_p: float = 0.95
    max_new_tokens: int = 256
    batch_rows: int = 16  # rows (prompts x samples) per generate call
    seed: int = 0

    @classmethod
    def from_eval(cls, eval_cfg, seed: int = 0) -> SamplingSettings:
        return cls(n=eval_cfg.samples, temperature=eval_cfg.temperature, top_p=eval_cfg.top_p,
                   max_new_tokens=eval_cfg.max_new_tokens, batch_rows=max(eval_cfg.batch_size, 1), seed=seed)

    def generate_kwargs(self) -> dict:
        if self.n == 1:
            return {"do_sample": False}
        return {"do_sample": True, "temperature": self.temperature, "top_p": self.top_p, "top_k": 0}


class StopOnText(StoppingCriteria):
    """Per row: done once its generated text holds one of that row's stop strings."""

    def __init__(self, tokenizer, prompt_len: int, stops_per_row: list[tuple[str, ...]]):
        self.tok, self.prompt_len, self.stops = tokenizer, prompt_len, stops_per_row

    def __call__(self, input_ids: torch.LongTensor, scores, **kwargs) -> torch.BoolTensor:
        done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        start = max(self.prompt_len, input_ids.shape[1] - STOP_WINDOW_TOKENS)
        for i, stops in enumerate(self.stops):
            if stops:
                tail = self.tok.decode(input_ids[i, start:], skip_special_tokens=True)
                done[i] = any(s in tail for s in stops)
        return done


def cut_at_stops(text: str, stops: tuple[str, ...]) -> str:
    """`text` up to the earliest stop string."""
    at = min((i for i in (text.find(s) for s in stops) if i >= 0), default=len(text))
    return text[:at]


def _decode(tm, row: list[int], stop_ids: set[int], stops: tuple[str, ...]) -> str:
    cut = next((i for i, t in enumerate(row) if t in stop_ids), len(row))
    return cut_at_stops(tm.tokenizer.decode(row[:cut], skip_special_tokens=True), stops)


def _generate(tm, prompts: list[str], stops: list[tuple[str, ...]], settings: SamplingSettings, n: int,
              use_adapter: bool) -> list[list[str]]:
    """The plain way: n completions for each of `prompts` from one transformers `generate` call."""
    tok = tm.tokenizer
    batch = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=True)
    batch = {k: v.to(tm.model.device) for k, v in batch.items()}
    prompt_len = batch["input_ids"].shape[1]
    row_stops = [s for s in stops for _ in range(n)]  # generate repeats each prompt n times, in place
    stop_ids = tm.fmt.stop_token_ids()
    kwargs = dict(max_new_tokens=settings.max_new_tokens, num_return_sequences=n, eos_token_id=stop_ids,
                  pad_token_id=tok.pad_token_id, stopping_criteria=StoppingCriteriaList(
                      [StopOnText(tok, prompt_len, row_stops)]), **settings.generate_kwargs())
    with _mode(tm, use_adapter):
        out = tm.model.generate(**batch, **kwargs)
    rows = out[:, prompt_len:].tolist()
    texts = [_decode(tm, row, set(stop_ids), s) for row, s in zip(rows, row_stops, strict=True)]
    return [texts[i * n:(i + 1) * n] for i in range(len(prompts))]


def _mode(tm, use_adapter: bool):
    import contextlib

    return contextlib.nullcontext() if use_adapter else tm.base_mode()


def _decode_batch(tm, prompts: list[str], stops: list[tuple[str, ...]], settings: SamplingSettings,
                  use_adapter: bool, seed: int) -> list[list[str]]:
    """Ours: n completions for each of `prompts` from decode.py's loop."""
    from cookbook.tasks.program.decode import DecodeSettings, decode

    how = DecodeSettings(settings.max_new_tokens, do_sample=settings.n > 1, temperature=settings.temperature,
                         top_p=settings.top_p)
    stop_ids = set(tm.fmt.stop_token_ids())
    with _mode(tm, use_adapter):
        ids = decode(tm.model, tm.tokenizer, prompts, settings.n, how, stop_ids, stops, seed=seed)
    return [[_decode(tm, row, stop_ids, s) for row in rows] for rows, s in zip(ids, stops, strict=True)]


def _prompts(tm, examples: list, system: str) -> tuple[list[str], list[tuple[str, ...]]]:
    return [prompt_text(tm.fmt, e, system) for e in examples], [tuple(getattr(e, "stops", ())) for e in examples]


@torch.inference_mode()
def sample_completions(tm, examples: list, system: str, settings: SamplingSettings, use_adapter: bool = True,
                       desc: str = "sampling") -> list[list[str]]:
    """`settings.n` completions per example (the text after its prompt and answer prefix, cut at its stops),
    several examples per generate call."""
    tm.tokenizer.padding_side = "left"
    prompts, stops = _prompts(tm, examples, system)
    per_call = max(1, settings.batch_rows // settings.n)
    out: list[list[str]] = []
    for start in tqdm(range(0, len(prompts), per_call), desc=desc, unit="call", disable=len(prompts) <= per_call):
        out += _decode_batch(tm, prompts[start:start + per_call], stops[start:start + per_call], settings,
                             use_adapter, seed=settings.seed + start)
    return out


@torch.inference_mode()
def sample_one_by_one(tm, examples: list, system: str, settings: SamplingSettings, use_adapter: bool = True,
                      desc: str = "sampling (loop)") -> list[list[str]]:
    """The same completions drawn as a plain script does: one `generate` call per sample."""
    tm.tokenizer.padding_side = "left"
    prompts, stops = _prompts(tm, examples, system)
    torch.manual_seed(settings.seed)
    return [[_generate(tm, [p], [s], settings, 1, use_adapter)[0][0] for _ in range(settings.n)]
            for p, s in tqdm(list(zip(prompts, stops, strict=True)), desc=desc, unit="prompt")]
