"""The text task's training data: the domain's examples, fitted to the model's sequence budget before any model
loads, so that every row reaching TRL's SFTTrainer trains on something.

Lengths are counted as TRL tokenizes a row: the tokenizer's special tokens (BOS), the prompt in the model's chat
format, the completion and the EOS TRL appends. A row over `data.max_seq_len` tokens:

- whose prompt leaves room for at least one answer token is left as it is: TRL keeps its first `max_seq_len`
  tokens, i.e. the whole prompt and the start of the answer (the usual SFT truncation);
- whose prompt alone fills the budget would be dropped by TRL (nothing left to learn), which emptied a one-row data
  set into `IndexError: Invalid key: 0 is out of bounds for size 0`. Its prompt keeps its end instead (the question
  is usually last; the template around it stays whole) so that the whole answer fits;
- whose answer cannot fit beside at least MIN_PROMPT_TOKENS of its prompt is rejected with
  `file:line: field: longer than data.max_seq_len=N tokens ...` (exit 2): no truncation makes it a training row.

One summary line per split says how many rows were cut. A data set that selection leaves empty stops with one
line (exit 2) instead of a traceback deep inside the trainer.
"""

from __future__ import annotations

from dataclasses import replace

from cookbook.config import RunConfig
from cookbook.errors import DataError
from cookbook.models.prompt_format import PromptFormat
from cookbook.tasks.text.examples import completion_text, prompt_text

# A question cut shorter than this is no longer the question the answer replies to; training on the answer then
# teaches the model to answer something it was not asked.
MIN_PROMPT_TOKENS = 16


def end_of_turn_token(fmt: PromptFormat) -> str | None:
    """The EOS SFTTrainer is told to train (SFTConfig.eos_token): the template's end-of-turn where it is a single
    token, else None (the tokenizer's own EOS)."""
    return fmt.end_of_turn if fmt.end_of_turn in fmt.tokenizer.get_vocab() else None


class SequenceBudget:
    """Fits examples to `max_seq_len` tokens, counted as SFTTrainer will tokenize them."""

    def __init__(self, fmt: PromptFormat, system: str, max_seq_len: int):
        self.fmt, self.system, self.max_len = fmt, system, max_seq_len
        self.tok = fmt.tokenizer
        self.eos = end_of_turn_token(fmt) or self.tok.eos_token

    def completion(self, example) -> str:
        text = completion_text(self.fmt, example)
        return text if not self.eos or text.endswith(self.eos) else text + self.eos  # as TRL's add_eos does

    def length(self, text: str, special: bool = True) -> int:
        return len(self.tok(text=text, add_special_tokens=special)["input_ids"])

    def fit(self, example) -> tuple[object, str]:
        """(the example to train on, "fits" | "answer_cut" | "prompt_cut"); DataError if it cannot fit."""
        completion = self.completion(example)
        total = self.length(prompt_text(self.fmt, example, self.system) + completion)
        if total <= self.max_len:
            return example, "fits"
        if self.length(prompt_text(self.fmt, example, self.system)) < self.max_len:
            return example, "answer_cut"
        user = self.tok(text=example.prompt.strip(), add_special_tokens=False)["input_ids"]
        least = min(MIN_PROMPT_TOKENS, len(user))
        keep = self.max_len - (total - len(user))  # what the template and the answer leave for the user's text
        for _ in range(8):  # decoding a cut and re-tokenizing can merge tokens differently: re-measure
            if keep < least:
                break
            cut = replace(example, prompt=self.tok.decode(user[-keep:]))
            cut_prompt = prompt_text(self.fmt, cut, self.system)
            over = self.length(cut_prompt + completion) - self.max_len
            if over <= 0:
                return cut, "prompt_cut"
            keep -= over
        raise DataError(self._too_long(example, completion, total - len(user), least))

    def _too_long(self, example, completion: str, fixed: int, least: int) -> str:
        prompt_field, answer_field = example.fields
        answer = self.length(completion, special=False)
        where = f"{example.source or example.id}: {answer_field}: longer than data.max_seq_len={self.max_len} tokens"
        if answer >= self.max_len:
            return f"{where} ({answer} tokens); shorten it or raise data.max_seq_len"
        return (f"{where} allow beside its prompt ({answer} answer tokens + {fixed - answer} of prompt template "
                f"+ at least {least} of the {prompt_field}); shorten it or raise data.max_seq_len")


def fit_split(budget: SequenceBudget, examples: list, split: str, log) -> list:
    """`examples` fitted to the budget, in order; one `log` line if any row is longer than the budget."""
    fitted, counts, first = [], {"fits": 0, "answer_cut": 0, "prompt_cut": 0}, {}
    for example in examples:
        kept, how = budget.fit(example)
        fitted.append(kept)
        counts[how] += 1
        first.setdefault(how, example.source or example.id)
    parts = []
    if counts["answer_cut"]:
        parts.append(f"{counts['answer_cut']} keep their first {budget.max_len} tokens, the answer cut short "
                     f"(first: {first['answer_cut']})")
    if counts["prompt_cut"]:
        parts.append(f"{counts['prompt_cut']} have a prompt longer than that: kept its end (the question) so the "
                     f"whole answer fits (first: {first['prompt_cut']})")
    if parts:
        log(f"data: {split}: {len(examples) - counts['fits']} of {len(examples)} rows are longer than "
            f"data.max_seq_len={budget.max_len} tokens: " + "; ".join(parts))
    return fitted


def load_train_and_eval(cfg: RunConfig, recipe, fmt: PromptFormat) -> tuple[list, list]:
    from cookbook.training import log

    train_rows = recipe.load_examples(cfg.data, "train")
    if cfg.data.max_train_samples:
        train_rows = train_rows[: cfg.data.max_train_samples]
    eval_rows = recipe.load_examples(cfg.data, recipe.loss_split())[: cfg.data.eval_samples]
    if not train_rows:
        raise DataError(f"{cfg.data.train_file or recipe.name + ' train split'}:0: -: no training examples left "
                        f"after the domain's selection (data.max_train_samples={cfg.data.max_train_samples})")
    budget = SequenceBudget(fmt, recipe.system_prompt, cfg.data.max_seq_len)
    return fit_split(budget, train_rows, "train", log), fit_split(budget, eval_rows, "eval", log)
